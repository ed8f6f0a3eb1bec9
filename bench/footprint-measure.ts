import { readFileSync } from 'node:fs';
import { killOrder, type ProcessEntry } from '../lab/scenario/process';

/**
 * What the footprint benchmark reads from /proc, and the arithmetic on it:
 * pure where it can be, so the numbers' rules are tested without a lab.
 */
export interface TreeSample {
  /** user + system CPU of every process in the tree, in clock ticks. */
  readonly cpuTicks: number;
  /** Resident set of every process in the tree, in KiB. */
  readonly rssKiB: number;
  readonly pids: readonly number[];
}

/** utime + stime from /proc/PID/stat (fields 14 and 15; the command name may hold spaces and parentheses). */
export function statCpuTicks(stat: string): number | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  const f = stat.slice(close + 2).split(' ');
  // f[0] is field 3 (state): utime is field 14, stime field 15.
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : null;
}

/** VmRSS in KiB from /proc/PID/status; null for a zombie or kernel thread. */
export function statusRssKiB(status: string): number | null {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  return m ? Number(m[1]) : null;
}

/** The tree under root (keepalived's VRRP child counts with its parent), from a process table. */
export function sampleTree(root: number, table: readonly ProcessEntry[], read: (path: string) => string = (p) => readFileSync(p, 'utf8')): TreeSample {
  let cpuTicks = 0;
  let rssKiB = 0;
  const pids: number[] = [];
  for (const pid of killOrder(root, table)) {
    let stat: string;
    let status: string;
    try {
      stat = read(`/proc/${pid}/stat`);
      status = read(`/proc/${pid}/status`);
    } catch {
      continue; // exited between the table and the read
    }
    cpuTicks += statCpuTicks(stat) ?? 0;
    rssKiB += statusRssKiB(status) ?? 0;
    pids.push(pid);
  }
  return { cpuTicks, rssKiB, pids };
}

/** Percent of one core over a window: ticks / (ticks per second * seconds) * 100. */
export function cpuPercent(before: TreeSample, after: TreeSample, seconds: number, ticksPerSecond: number): number {
  if (seconds <= 0 || ticksPerSecond <= 0) throw new RangeError('cpuPercent: the window and the tick rate must be positive');
  return (Math.max(0, after.cpuTicks - before.cpuTicks) / (ticksPerSecond * seconds)) * 100;
}

/** The targets (docs/benchmarks.md): CPU per interval, RSS per case. */
export function cpuTargetPercent(intervalMs: number): number | null {
  if (intervalMs >= 1000) return 0.3;
  if (intervalMs >= 100) return 1;
  if (intervalMs >= 20) return 3;
  return null;
}

/** Plain L2 loads no cloud SDK; every cloud case does. */
export function rssTargetMiB(caseName: string): number {
  return caseName === 'l2' ? 60 : 80;
}
