import type { MonotonicClock } from '../util/clock';
import type { TimerHandle, Timers } from '../util/timers';

export interface TickLoopOptions {
  /** Longest sleep between ticks (lag and stall measurement); ticks come earlier when a core has a deadline. */
  readonly periodMs: number;
  /** A gap between ticks longer than this is a stall (VM pause, SIGSTOP, GC). */
  readonly stallThresholdMs: number;
}

export interface TickListener {
  tick(now: number): void;
  /** Called before the tick that follows a stall, so no decision is made on stale timers. */
  stall(now: number, stalledMs: number): void;
  lag(lagMs: number): void;
  /** The earliest deadline of any core (monotonic ms), or null. */
  nextDeadline(): number | null;
}

/** A wake-up later than this yields one event-loop turn to pending I/O before ticking. */
export const LATE_TICK_YIELD_MS = 5;

/**
 * Drives the election cores from the monotonic clock. It sleeps until the
 * earliest core deadline (a master-down or advert timer fires on time, not
 * up to a tick period late) but never longer than periodMs, and measures
 * event-loop lag as how late each wake-up is.
 */
export class TickLoop {
  private handle: TimerHandle | null = null;
  private lastTickAt: number | null = null;
  private dueAt = 0;
  private running = false;
  /** The stall since the last tick was already reported (by checkStall), so the next tick does not report it again. */
  private stallReported = false;

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

  /**
   * An input (advert, refused probe) is about to reach the cores. After a stall, the poll phase
   * may deliver what queued on the sockets before the late tick runs (a wake-up from epoll after
   * SIGCONT, or the tick's own yield to I/O): the cores must learn of the stall before they step it.
   */
  checkStall(now: number): void {
    if (!this.running || this.lastTickAt === null || this.stallReported) return;
    const gap = now - this.lastTickAt;
    if (gap <= this.options.stallThresholdMs) return;
    this.stallReported = true;
    this.listener.stall(now, gap);
  }

  /** An input moved a deadline earlier (a resign: claim now): wake up for it instead of at the old time. */
  poke(): void {
    if (!this.running || this.handle === null) return;
    const deadline = this.listener.nextDeadline();
    if (deadline === null || deadline >= this.dueAt) return;
    this.timers.clearTimeout(this.handle);
    this.schedule();
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
    const now = this.clock.nowMs();
    const deadline = this.listener.nextDeadline();
    // At least 1 ms: a deadline that a tick failed to move must not turn into a busy loop.
    const delay = deadline === null ? this.options.periodMs : Math.min(this.options.periodMs, Math.max(1, Math.ceil(deadline - now)));
    this.dueAt = now + delay;
    this.handle = this.timers.setTimeout(() => this.run(), delay);
  }

  private run(deferred = false): void {
    const now = this.clock.nowMs();
    if (!deferred && now - this.dueAt > LATE_TICK_YIELD_MS) {
      // Woken late (load, GC): adverts, even a resign, may be queued on the socket, and timers run
      // before I/O in an event-loop turn. Let the poll phase deliver them first, or a backup could
      // claim on a master-down deadline that a packet already waiting for it had moved.
      this.handle = this.timers.setTimeout(() => this.run(true), 0);
      return;
    }
    const gap = this.lastTickAt === null ? 0 : now - this.lastTickAt;
    this.listener.lag(Math.max(0, now - this.dueAt));
    if (gap > this.options.stallThresholdMs && !this.stallReported) this.listener.stall(now, gap);
    this.listener.tick(now);
    this.lastTickAt = now;
    this.stallReported = false;
    this.schedule();
  }
}
