import type { MonotonicClock } from '../util/clock';
import type { Logger } from '../util/logger';
import type { TimerHandle, Timers } from '../util/timers';

/**
 * What the process offers for giving memory back (cli/memory-tools.ts builds
 * them): either may be missing, and then that step is skipped.
 */
export interface MemoryTools {
  /**
   * A full garbage collection, memory-reducing where V8 offers it (12+: the
   * "last resort" flavour also shrinks the young generation and frees pooled
   * pages; on Node 20 an ordinary full collection).
   */
  readonly collectGarbage: (() => void) | null;
  /** Returns the C heap's free pages to the kernel; true when some were, null where the C library cannot. */
  readonly trimCHeap: (() => boolean | null) | null;
  /** The process's resident memory in bytes (for the log line). */
  readonly residentBytes: () => number;
}

export interface MemoryReleaseDeps {
  readonly tools: MemoryTools;
  readonly clock: MonotonicClock;
  readonly timers: Timers;
  readonly logger: Logger;
  /** How long nothing more must happen after a role change before the release that follows it. */
  readonly quietMs: number;
}

/** One release: what it cost and what it gave back (the log line's fields). */
export interface MemoryReleaseReport {
  readonly reason: string;
  readonly gcMs: number | null;
  readonly trimMs: number | null;
  readonly trimmed: boolean | null;
  readonly residentBeforeMB: number;
  readonly residentAfterMB: number;
}

const MB = 1024 * 1024;

/**
 * Gives back the memory a burst of work left committed but unused: the
 * young generation V8 grew while a cloud SDK loaded (up to 32 MB, never
 * shrunk by ordinary collections) and the C heap's freed pages (glibc keeps
 * them). A steady daemon allocates little, so once is worth it after start
 * and once after each burst (a role change and its acquire or release), when
 * nothing has happened for `quietMs`; never periodically (an idle daemon
 * would pay a full collection for nothing).
 *
 * The collection stops the event loop for a few ms (18 ms in a plain-L2
 * daemon, 25-30 ms with the AWS SDK loaded, measured): below the stall
 * threshold (a master-down interval), and at most one advert late. The
 * start-time release runs before READY, while the node is still a backup
 * waiting out its first down interval.
 */
export class MemoryRelease {
  private timer: TimerHandle | null = null;
  private stopped = false;

  constructor(private readonly deps: MemoryReleaseDeps) {}

  /** Releases now. Never throws: giving memory back is never worth a failure. */
  releaseNow(reason: string): MemoryReleaseReport {
    const { tools } = this.deps;
    const before = tools.residentBytes();
    const gcMs = this.step('collect garbage', tools.collectGarbage === null ? null : () => tools.collectGarbage?.());
    let trimmed: boolean | null = null;
    const trimMs = this.step('trim the C heap', tools.trimCHeap === null ? null : () => (trimmed = tools.trimCHeap?.() ?? null));
    const report: MemoryReleaseReport = {
      reason,
      gcMs: gcMs === null ? null : round(gcMs),
      trimMs: trimMs === null ? null : round(trimMs),
      trimmed,
      residentBeforeMB: round(before / MB),
      residentAfterMB: round(tools.residentBytes() / MB),
    };
    this.deps.logger.debug({ event: 'memory-released', ...report }, 'unused memory returned to the system');
    return report;
  }

  /** A role change (its acquire or release allocates): release once nothing more has happened for `quietMs`. */
  noteActivity(): void {
    if (this.stopped) return;
    if (this.timer !== null) this.deps.timers.clearTimeout(this.timer);
    this.timer = this.deps.timers.setTimeout(() => {
      this.timer = null;
      if (!this.stopped) this.releaseNow('quiet after activity');
    }, this.deps.quietMs);
    // A pending release must never keep a stopping process alive.
    this.timer.unref?.();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.deps.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Runs one step and returns its duration in ms; null when the step is unavailable or failed (logged). */
  private step(what: string, run: (() => unknown) | null): number | null {
    if (run === null) return null;
    const t0 = this.deps.clock.nowMs();
    try {
      run();
    } catch (err) {
      this.deps.logger.warn({ err }, `memory release: could not ${what}; the daemon goes on without it`);
      return null;
    }
    return this.deps.clock.nowMs() - t0;
  }
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
