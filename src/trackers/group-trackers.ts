import type { TrackerConfig } from '../config/types';
import { VipdError, asVipdError } from '../errors';
import type { MonotonicClock } from '../util/clock';
import type { Logger } from '../util/logger';
import { realTimers, type TimerHandle, type Timers } from '../util/timers';
import { computeHealth, sameHealth, type GroupHealth } from './health';
import { INITIAL_RISE_FALL, recordResult, type RiseFallState } from './rise-fall';
import type { TrackerCheck, TrackerCheckFactory } from './tracker-check';

export type { GroupHealth } from './health';
export type { TrackerCheck, TrackerCheckFactory } from './tracker-check';
export type { Timers } from '../util/timers';
export { defaultCheckFactory } from './check-factory';

export interface TrackerStatus {
  readonly name: string;
  readonly type: string;
  readonly up: boolean;
  readonly weight: number;
  /** Streak of identical results; lastError says which kind (null = successes). */
  readonly consecutive: number;
  /** Reason of the latest failed probe; null when the latest probe succeeded or none ran yet. */
  readonly lastError: string | null;
  /** Monotonic ms of the latest settled probe; null = never probed (still in its initial state). */
  readonly lastCheckAt: number | null;
}

/** Verdicts handed from a GroupTrackers being replaced (reload) to its successor. */
export type TrackerCarryOver = ReadonlyMap<
  string,
  { readonly fingerprint: string; readonly state: RiseFallState; readonly lastError: string | null; readonly lastCheckAt: number | null }
>;

export interface GroupTrackersDeps {
  readonly trackers: readonly TrackerConfig[];
  readonly checks: TrackerCheckFactory;
  readonly clock: MonotonicClock;
  readonly logger: Logger;
  /** Called (never re-entrantly from start()) whenever health() or one tracker's up/down changes (vipd_tracker_up follows every tracker). */
  readonly onChange: (health: GroupHealth) => void;
  readonly timers?: Timers;
  /** From the previous instance's carryOver(): unchanged trackers keep their verdict across a reload. */
  readonly carryOver?: TrackerCarryOver;
  /** Extra time a check gets past its timeout before it is counted as failed anyway (default 1000 ms). */
  readonly overrunGraceMs?: number;
}

interface Probe {
  readonly startedAt: number;
  /** Its result (or its overrun) has been folded into the state. */
  counted: boolean;
}

interface Tracker {
  readonly config: TrackerConfig;
  readonly check: TrackerCheck;
  readonly fingerprint: string;
  state: RiseFallState;
  lastError: string | null;
  lastCheckAt: number | null;
  next: TimerHandle | null;
  guard: TimerHandle | null;
  /** The probe whose promise has not settled yet; a new one never starts while this is set. */
  inFlight: Probe | null;
}

const DEFAULT_OVERRUN_GRACE_MS = 1000;

/**
 * Runs a group's trackers on their intervals and folds the results into
 * GroupHealth. Everything is asynchronous: a probe never blocks the loop,
 * never overlaps itself, and one that hangs past its timeout is counted as
 * a failure on every interval it keeps hanging.
 */
export class GroupTrackers {
  private readonly trackers: Tracker[];
  private readonly timers: Timers;
  private readonly graceMs: number;
  private lastHealth: GroupHealth;
  private phase: 'new' | 'running' | 'stopped' = 'new';

  constructor(private readonly deps: GroupTrackersDeps) {
    validate(deps.trackers);
    this.timers = deps.timers ?? realTimers;
    this.graceMs = deps.overrunGraceMs ?? DEFAULT_OVERRUN_GRACE_MS;
    this.trackers = deps.trackers.map((config) => {
      const fingerprint = fingerprintOf(config);
      const inherited = deps.carryOver?.get(config.name);
      const kept = inherited !== undefined && inherited.fingerprint === fingerprint ? inherited : null;
      return {
        config,
        check: deps.checks(config),
        fingerprint,
        state: kept?.state ?? INITIAL_RISE_FALL,
        lastError: kept?.lastError ?? null,
        lastCheckAt: kept?.lastCheckAt ?? null,
        next: null,
        guard: null,
        inFlight: null,
      };
    });
    this.lastHealth = this.compute();
  }

  /** Starts every tracker's first probe on the next turn of the loop. */
  start(): void {
    if (this.phase === 'running') return;
    if (this.phase === 'stopped') {
      throw new VipdError('VIPD_E_INTERNAL', 'GroupTrackers cannot be restarted after stop(); build a new one (with carryOver)');
    }
    this.phase = 'running';
    for (const t of this.trackers) this.schedule(t, 0);
  }

  /** Cancels every timer; results of probes still in flight are ignored. */
  stop(): void {
    this.phase = 'stopped';
    for (const t of this.trackers) {
      if (t.next !== null) this.timers.clearTimeout(t.next);
      if (t.guard !== null) this.timers.clearTimeout(t.guard);
      t.next = null;
      t.guard = null;
    }
  }

  health(): GroupHealth {
    return this.lastHealth;
  }

  status(): TrackerStatus[] {
    return this.trackers.map((t) => ({
      name: t.config.name,
      type: t.config.type,
      up: t.state.up,
      weight: t.config.weight,
      consecutive: t.state.consecutive,
      lastError: t.lastError,
      lastCheckAt: t.lastCheckAt,
    }));
  }

  carryOver(): TrackerCarryOver {
    return new Map(
      this.trackers.map((t) => [t.config.name, { fingerprint: t.fingerprint, state: t.state, lastError: t.lastError, lastCheckAt: t.lastCheckAt }] as const),
    );
  }

  private schedule(t: Tracker, delayMs: number): void {
    if (this.phase !== 'running') return;
    t.next = this.timers.setTimeout(() => this.tick(t), Math.max(0, delayMs));
  }

  private tick(t: Tracker): void {
    t.next = null;
    if (this.phase !== 'running') return;
    if (t.inFlight !== null) {
      // Its overrun was already counted; every further interval it hangs is another failure.
      this.record(t, new VipdError('VIPD_E_TRACKER', `previous probe of ${t.config.name} is still running past its timeout`, { transient: true }));
      this.schedule(t, t.config.intervalMs);
      return;
    }
    this.launch(t);
  }

  private launch(t: Tracker): void {
    const probe: Probe = { startedAt: this.deps.clock.nowMs(), counted: false };
    t.inFlight = probe;
    t.guard = this.timers.setTimeout(() => this.overrun(t, probe), t.config.timeoutMs + this.graceMs);
    let work: Promise<void>;
    try {
      work = t.check.run(t.config.timeoutMs);
    } catch (e) {
      work = Promise.reject(e);
    }
    work.then(
      () => this.settle(t, probe, null),
      (e: unknown) => this.settle(t, probe, asVipdError(e, 'VIPD_E_TRACKER')),
    );
  }

  private settle(t: Tracker, probe: Probe, error: VipdError | null): void {
    if (t.inFlight === probe) t.inFlight = null;
    if (this.phase !== 'running' || probe.counted) return;
    probe.counted = true;
    if (t.guard !== null) this.timers.clearTimeout(t.guard);
    t.guard = null;
    this.record(t, error);
    this.schedule(t, t.config.intervalMs - (this.deps.clock.nowMs() - probe.startedAt));
  }

  private overrun(t: Tracker, probe: Probe): void {
    t.guard = null;
    if (this.phase !== 'running' || probe.counted) return;
    probe.counted = true;
    this.record(
      t,
      new VipdError('VIPD_E_TRACKER', `probe of ${t.config.name} did not settle within its ${t.config.timeoutMs} ms timeout`, {
        transient: true,
        details: { timeoutMs: t.config.timeoutMs, graceMs: this.graceMs },
      }),
    );
    // A full interval, not the remainder: a hang counts one failure per interval, not two at once.
    this.schedule(t, t.config.intervalMs);
  }

  private record(t: Tracker, error: VipdError | null): void {
    const before = t.state;
    t.state = recordResult(before, error === null, t.config.rise, t.config.fall);
    t.lastError = error === null ? null : error.message;
    t.lastCheckAt = this.deps.clock.nowMs();
    this.logResult(t, before, error);
    const health = this.compute();
    if (sameHealth(health, this.lastHealth) && before.up === t.state.up) return;
    this.lastHealth = health;
    try {
      this.deps.onChange(health);
    } catch (e) {
      const err = asVipdError(e);
      this.deps.logger.error({ err, code: err.code, health }, 'tracker health listener threw');
    }
  }

  private logResult(t: Tracker, before: RiseFallState, error: VipdError | null): void {
    const c = t.config;
    const fields = { tracker: c.name, type: c.type, weight: c.weight, consecutive: t.state.consecutive };
    const log = this.deps.logger;
    if (before.up && !t.state.up) {
      log.warn({ ...fields, code: error?.code, reason: error?.message }, `tracker ${c.name} is down`);
    } else if (!before.up && t.state.up) {
      log.info(fields, `tracker ${c.name} is up`);
    } else if (error !== null && before.lastOk === null) {
      log.warn({ ...fields, code: error.code, reason: error.message }, `tracker ${c.name} failed its first probe; it stays down`);
    } else if (error !== null && t.state.up) {
      log.info({ ...fields, code: error.code, reason: error.message }, `tracker ${c.name} probe failed (${t.state.consecutive} of ${c.fall} before down)`);
    } else if (error !== null) {
      log.debug({ ...fields, code: error.code, reason: error.message }, `tracker ${c.name} probe failed`);
    }
  }

  private compute(): GroupHealth {
    return computeHealth(this.trackers.map((t) => ({ up: t.state.up, weight: t.config.weight })));
  }
}

/** What the tracker probes: a changed target invalidates a carried-over verdict, a changed weight or count does not. */
function fingerprintOf(c: TrackerConfig): string {
  switch (c.type) {
    case 'script':
      return JSON.stringify([c.type, c.command, c.args]);
    case 'http':
      return JSON.stringify([c.type, c.url, c.expectStatus]);
    case 'tcp':
      return JSON.stringify([c.type, c.host, c.port]);
    case 'link':
      return JSON.stringify([c.type, c.interface]);
    default: {
      const unknown: { type?: unknown } = c;
      throw new VipdError('VIPD_E_CONFIG', `unknown tracker type ${JSON.stringify(unknown.type)}`);
    }
  }
}

function validate(trackers: readonly TrackerConfig[]): void {
  const names = new Set<string>();
  for (const c of trackers) {
    const where = `tracker ${JSON.stringify(c.name)}`;
    if (typeof c.name !== 'string' || c.name.length === 0) throw new VipdError('VIPD_E_CONFIG', 'a tracker has no name');
    if (names.has(c.name)) throw new VipdError('VIPD_E_CONFIG', `${where} is defined twice in the same group`);
    names.add(c.name);
    for (const [key, value] of [
      ['intervalMs', c.intervalMs],
      ['timeoutMs', c.timeoutMs],
    ] as const) {
      if (!Number.isFinite(value) || value <= 0) throw new VipdError('VIPD_E_CONFIG', `${where}: ${key} must be a positive number of ms, got ${value}`);
    }
    for (const [key, value] of [
      ['rise', c.rise],
      ['fall', c.fall],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) throw new VipdError('VIPD_E_CONFIG', `${where}: ${key} must be an integer >= 1, got ${value}`);
    }
    if (!Number.isInteger(c.weight) || c.weight < -254 || c.weight > 254) {
      throw new VipdError('VIPD_E_CONFIG', `${where}: weight must be an integer in -254..254, got ${c.weight}`);
    }
  }
}
