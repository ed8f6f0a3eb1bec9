import { fstatSync } from 'node:fs';

/**
 * journald reads a `<N>` syslog priority at the start of each stdout line
 * (SyslogLevelPrefix=yes, the default) and strips it: with it, `journalctl -p
 * warning` shows vipd's warnings and errors, and the JSON stays the message.
 */
const PRIORITY: Readonly<Record<string, number>> = { fatal: 2, error: 3, warn: 4, info: 6, debug: 7, trace: 7 };

/** `<N>` for a pino JSON line (`{"level":"warn",...`); info's when the label cannot be read. */
export function journalPrefix(line: string): string {
  const m = /^\{"level":"([a-z]+)"/.exec(line);
  return `<${PRIORITY[m?.[1] ?? ''] ?? 6}>`;
}

/**
 * True when file descriptor `fd` is the stream systemd connected to the
 * journal: JOURNAL_STREAM holds its "device:inode" (systemd.exec(5)). A
 * redirected stdout (a pipe to a file, a terminal) keeps the variable but
 * not the inode, and gets no prefixes.
 */
export function isJournalStream(
  env: Readonly<Record<string, string | undefined>>,
  fd: number,
  stat: (fd: number) => { dev: number; ino: number } = fstatSync,
): boolean {
  const m = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? '');
  if (m === null) return false;
  try {
    const s = stat(fd);
    return String(s.dev) === m[1] && String(s.ino) === m[2];
  } catch {
    return false;
  }
}
