import { readFileSync, readdirSync } from 'node:fs';

/**
 * Killing a daemon the way a crash does: every process of it, children
 * first. keepalived shows why the order matters: kill -9 of its parent
 * alone makes the VRRP child resign (priority 0), a graceful handover.
 * The table is read synchronously right before the fault, so the fault
 * time is not pushed back by a spawn.
 */
export interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
}

export interface ProcessControl {
  /** Every process on the machine with its parent (a /proc snapshot). */
  list(): ProcessEntry[];
  /** Sends a signal; a process that is already gone is not an error. */
  signal(pid: number, signal: NodeJS.Signals): void;
}

/** The parent pid from /proc/PID/stat; the command name may hold spaces and parentheses. */
export function parseStatParent(stat: string): number | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  const fields = stat.slice(close + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) && ppid >= 0 ? ppid : null;
}

/** root and everything below it, deepest first, root last. */
export function killOrder(root: number, table: readonly ProcessEntry[]): number[] {
  const children = new Map<number, number[]>();
  for (const e of table) children.set(e.ppid, [...(children.get(e.ppid) ?? []), e.pid]);
  const out: number[] = [];
  const visit = (pid: number, seen: Set<number>): void => {
    if (seen.has(pid)) return;
    seen.add(pid);
    for (const c of children.get(pid) ?? []) visit(c, seen);
    out.push(pid);
  };
  visit(root, new Set());
  return out;
}

export class ProcProcessControl implements ProcessControl {
  list(): ProcessEntry[] {
    const out: ProcessEntry[] = [];
    for (const name of readdirSync('/proc')) {
      if (!/^[0-9]+$/.test(name)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      } catch (e) {
        // Exited between readdir and read: it has no children left to find.
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ESRCH') continue;
        throw e;
      }
      const ppid = parseStatParent(stat);
      if (ppid !== null) out.push({ pid: Number(name), ppid });
    }
    return out;
  }

  signal(pid: number, signal: NodeJS.Signals): void {
    try {
      process.kill(pid, signal);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }
}
