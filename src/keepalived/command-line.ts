/**
 * keepalived runs a script or notify string as a command line (through
 * /bin/sh when it needs a shell). vipd runs an argv without a shell, so a
 * plain `/path arg 'two words'` becomes that argv, and anything a shell
 * would interpret (redirections, pipes, variables, a bare program name
 * found through PATH) is kept exactly by running it under /bin/sh -c.
 */

export interface CommandLine {
  readonly argv: readonly string[];
  /** True when the line needed /bin/sh to mean the same thing. */
  readonly viaShell: boolean;
}

const SHELL_SYNTAX = /[<>|&;$`(){}*?~[\]\\\n]/;

export function toArgv(line: string, extraArgs: readonly string[] = []): CommandLine {
  const trimmed = line.trim();
  const words = splitWords(trimmed);
  const first = words?.[0];
  if (words !== null && first !== undefined && first.startsWith('/') && !words.some((w) => SHELL_SYNTAX.test(w))) {
    return { argv: [...words, ...extraArgs], viaShell: false };
  }
  // "$@" passes the extra arguments to the command line as the shell's positional parameters.
  const script = extraArgs.length > 0 ? `${trimmed} "$@"` : trimmed;
  return { argv: ['/bin/sh', '-c', script, ...(extraArgs.length > 0 ? ['sh', ...extraArgs] : [])], viaShell: true };
}

/** Whitespace-separated words with '...' and "..." quoting; null when a quote is left open or escapes are used. */
function splitWords(line: string): string[] | null {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | null = null;
  for (const c of line) {
    if (quote !== null) {
      if (c === quote) quote = null;
      else word += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\') {
      return null;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== null) return null;
  if (inWord) words.push(word);
  return words;
}
