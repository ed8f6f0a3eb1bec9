/**
 * Namespace names of one lab run: `vl-<owner pid, base 36>-<4 random>-<role>`.
 * The owner pid in the name lets a later run sweep namespaces whose owner
 * died (kill -9, crashed jest worker) without touching live runs.
 */
const PREFIX_RE = /^vl-([0-9a-z]{1,8})-([0-9a-z]{4})-/;

export function labPrefix(pid: number, random: () => number): string {
  let rand = '';
  for (let i = 0; i < 4; i++) rand += Math.floor(random() * 36).toString(36);
  return `vl-${pid.toString(36)}-${rand}-`;
}

/** The owner pid encoded in a lab namespace name, or null when the name is not a lab's. */
export function ownerPid(namespace: string): number | null {
  const m = PREFIX_RE.exec(namespace);
  if (!m || m[1] === undefined) return null;
  const pid = parseInt(m[1], 36);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

export function labNames(prefix: string, nodes: number): { fabric: string; client: string; nodes: string[] } {
  return {
    fabric: `${prefix}fab`,
    client: `${prefix}c`,
    nodes: Array.from({ length: nodes }, (_, k) => `${prefix}n${k + 1}`),
  };
}

/** `ip netns list` prints "name" or "name (id: N)" per line. */
export function parseNetnsList(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n !== '');
}
