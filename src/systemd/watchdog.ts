import type { Logger } from '../util/logger';
import { realTimers, type TimerHandle, type Timers } from '../util/timers';

export interface WatchdogDeps {
  /** Where pings go (SdNotify). */
  readonly notify: { watchdog(): void; readonly watchdogIntervalMs?: number | null };
  /** Ping period in ms; default notify.watchdogIntervalMs. null = systemd expects no pings, start() does nothing. */
  readonly intervalMs?: number | null;
  /**
   * The runtime's verdict on its main loop (e.g. "last tick less than 3
   * intervals ago"). While false, pings are withheld so systemd restarts a
   * daemon that is alive but stuck.
   */
  readonly healthy: () => boolean;
  /** Default: the real setTimeout/clearTimeout. */
  readonly timers?: Timers;
  readonly logger: Logger;
}

/**
 * Sends WATCHDOG=1 every interval, from a timer on the main event loop:
 * when the loop is blocked no ping can go out either, which is the point.
 * Never from a worker thread or a helper process, which would keep pinging
 * for a dead loop.
 */
export class Watchdog {
  private readonly deps: WatchdogDeps;
  private readonly intervalMs: number | null;
  private readonly timers: Timers;
  private timer: TimerHandle | null = null;
  private withholding = false;
  private pingsSent = 0;
  private pingsWithheld = 0;

  constructor(deps: WatchdogDeps) {
    this.deps = deps;
    this.intervalMs = deps.intervalMs !== undefined ? deps.intervalMs : (deps.notify.watchdogIntervalMs ?? null);
    this.timers = deps.timers ?? realTimers;
  }

  get running(): boolean {
    return this.timer !== null;
  }

  /** For status and tests. */
  get stats(): { readonly sent: number; readonly withheld: number } {
    return { sent: this.pingsSent, withheld: this.pingsWithheld };
  }

  start(): void {
    if (this.timer !== null || this.intervalMs === null) return;
    this.deps.logger.info({ intervalMs: this.intervalMs }, 'systemd watchdog enabled');
    this.schedule();
  }

  stop(): void {
    if (this.timer === null) return;
    this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    const intervalMs = this.intervalMs;
    if (intervalMs === null) return;
    const handle = this.timers.setTimeout(() => {
      if (this.timer !== handle) return;
      this.tick();
      if (this.timer === handle) this.schedule();
    }, intervalMs);
    // The watchdog alone must not keep a stopping daemon alive.
    handle.unref?.();
    this.timer = handle;
  }

  private tick(): void {
    let healthy: boolean;
    try {
      healthy = this.deps.healthy();
    } catch (e) {
      this.deps.logger.error({ err: e }, 'health check for the watchdog threw; treating as unhealthy');
      healthy = false;
    }
    if (!healthy) {
      this.pingsWithheld++;
      if (!this.withholding) this.deps.logger.error('main loop unhealthy: withholding systemd watchdog pings');
      this.withholding = true;
      return;
    }
    if (this.withholding) this.deps.logger.warn('main loop healthy again: resuming systemd watchdog pings');
    this.withholding = false;
    this.deps.notify.watchdog();
    this.pingsSent++;
  }
}
