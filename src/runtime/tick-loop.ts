import type { MonotonicClock } from '../util/clock';
import type { TimerHandle, Timers } from '../util/timers';

export interface TickLoopOptions {
  readonly periodMs: number;
  /** A gap between ticks longer than this is a stall (VM pause, SIGSTOP, GC). */
  readonly stallThresholdMs: number;
}

export interface TickListener {
  tick(now: number): void;
  /** Called before the tick that follows a stall, so no decision is made on stale timers. */
  stall(now: number, stalledMs: number): void;
  lag(lagMs: number): void;
}

/**
 * Drives the election cores from the monotonic clock. Measures event-loop
 * lag as the delay of each tick past its due time.
 */
export class TickLoop {
  private handle: TimerHandle | null = null;
  private lastTickAt: number | null = null;
  private running = false;

  constructor(
    private readonly clock: MonotonicClock,
    private readonly timers: Timers,
    private options: TickLoopOptions,
    private readonly listener: TickListener,
  ) {}

  start(): void {
    this.running = true;
    this.lastTickAt = this.clock.nowMs();
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.handle) this.timers.clearTimeout(this.handle);
    this.handle = null;
  }

  reconfigure(options: TickLoopOptions): void {
    this.options = options;
  }

  /** Monotonic time of the last completed tick: /healthz and the watchdog use it. */
  get lastTick(): number | null {
    return this.lastTickAt;
  }

  private schedule(): void {
    if (!this.running) return;
    this.handle = this.timers.setTimeout(() => this.run(), this.options.periodMs);
  }

  private run(): void {
    const now = this.clock.nowMs();
    const gap = this.lastTickAt === null ? 0 : now - this.lastTickAt;
    this.listener.lag(Math.max(0, gap - this.options.periodMs));
    if (gap > this.options.stallThresholdMs) this.listener.stall(now, gap);
    this.listener.tick(now);
    this.lastTickAt = now;
    this.schedule();
  }
}
