/** `--name value` pairs for the lab's small entry points (no dependency on commander for two flags). */
export function parseFlags(argv: readonly string[], known: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i] ?? '';
    const value = argv[i + 1];
    if (!flag.startsWith('--') || !known.includes(flag.slice(2))) throw new Error(`unknown option ${flag}; known: ${known.map((k) => `--${k}`).join(' ')}`);
    if (value === undefined) throw new Error(`${flag} needs a value`);
    out.set(flag.slice(2), value);
  }
  return out;
}

export function intFlag(flags: Map<string, string>, name: string, fallback: number | null, min: number, max: number): number {
  const text = flags.get(name);
  if (text === undefined) {
    if (fallback === null) throw new Error(`--${name} is required`);
    return fallback;
  }
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer ${min}-${max}, got ${text}`);
  return n;
}
