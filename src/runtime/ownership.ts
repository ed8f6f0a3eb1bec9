import type { GroupConfig } from '../config/types';
import { asVipdError, type VipdError } from '../errors';
import type { AcquireReport, VerifyReport, VipOwner } from '../owner/types';
import type { MonotonicClock } from '../util/clock';
import type { Logger } from '../util/logger';
import type { TimerHandle, Timers } from '../util/timers';

export type Applied = 'unknown' | 'active' | 'inactive';

export interface OwnershipListener {
  acquired(report: AcquireReport, startedAt: number, doneAt: number): void;
  released(): void;
  /** A permanent error: the runtime moves the group to FAULT. */
  failed(error: VipdError, operation: 'acquire' | 'release'): void;
  /** While active, every reconcile interval; also after an acquire whose assign went through but was never confirmed. */
  verified(report: VerifyReport): void;
  repaired(repairs: readonly string[]): void;
  verifyFailed(error: VipdError): void;
}

export interface OwnershipOptions {
  readonly acquireDeadlineMs: number;
  readonly reconcileIntervalMs: number;
  /** Delay before retrying after a transient failure that outlived its deadline. */
  readonly retryDelayMs: number;
}

/**
 * Desired vs applied ownership of one group's VIPs. The election says what
 * is desired; this drives the owner there, one operation at a time and in
 * order, so a release can never overtake the acquire before it. While
 * active it re-verifies and repairs periodically: state drifts (agents,
 * networkd restarts, the other node's API calls).
 */
export class OwnershipReconciler {
  private desired: 'active' | 'inactive' = 'inactive';
  private appliedState: Applied = 'unknown';
  private busy: Promise<void> | null = null;
  private periodic: TimerHandle | null = null;
  private retry: TimerHandle | null = null;
  private closed = false;
  private group: GroupConfig;
  /** The acquire in flight, so a change of mind can stop it (owner.acquire's signal). */
  private acquiring: AbortController | null = null;
  /** The next periodic check runs at once (announceAgain): set while an operation is in flight. */
  private recheck = false;
  /** While inactive, the periodic check also reads the cloud's holders (watchHolders). */
  private watching = false;
  /** Bumped when the watch ends: a holder read already in flight is dropped. */
  private watchGeneration = 0;

  constructor(
    group: GroupConfig,
    private readonly deps: {
      owner: VipOwner;
      clock: MonotonicClock;
      timers: Timers;
      logger: Logger;
      options: OwnershipOptions;
      listener: OwnershipListener;
    },
  ) {
    this.group = group;
  }

  get applied(): Applied {
    return this.appliedState;
  }

  get wanted(): 'active' | 'inactive' {
    return this.desired;
  }

  /** While an acquire runs, `applied` still says what held before it: the VIPs may already be partly here. */
  get acquireInFlight(): boolean {
    return this.acquiring !== null;
  }

  want(state: 'active' | 'inactive'): void {
    if (this.closed) return;
    this.desired = state;
    // A preempted node must not go on polling for a confirmation that cannot come
    // (the winner assigned after it) until the deadline: that blocked its next acquire.
    if (state !== 'active') this.acquiring?.abort();
    this.kick();
  }

  /**
   * The group's election started as BACKUP. The owner's cleanup already
   * removed what a previous run left on the host, so nothing of ours is
   * there: count the host as released and take the standby reading now, or
   * a node that was never master would plan its first failover from nothing.
   */
  startInactive(): void {
    if (this.closed || this.busy || this.appliedState !== 'unknown' || this.desired !== 'inactive') return;
    this.appliedState = 'inactive';
    void this.check();
  }

  /** Re-run acquire although we believe we hold the VIPs (the cloud says otherwise). */
  reassert(): void {
    if (this.closed || this.desired !== 'active') return;
    this.appliedState = 'unknown';
    this.kick();
  }

  /**
   * Another node claimed the group while we hold it. The link hears from us
   * again at once: the announcement changes no state and the owner sends only
   * for a held group, so it does not wait behind a check in flight (an acquire
   * in flight announces when it lands). Then the periodic check runs now
   * instead of at its interval: on a cloud, a holder other than us is
   * re-asserted through the listener, as on every check.
   */
  announceAgain(): void {
    if (this.closed || this.desired !== 'active') return;
    const { owner, logger } = this.deps;
    if (this.appliedState === 'active' && owner.announce) {
      owner.announce(this.group).catch((e: unknown) => logger.warn({ err: asVipdError(e).toJSON(), group: this.group.name }, 're-announcement of the VIPs failed'));
    }
    this.recheck = true;
    if (this.periodic) this.deps.timers.clearTimeout(this.periodic);
    this.periodic = null;
    // Busy: whatever is in flight ends by scheduling the check (at once, now).
    if (!this.busy) this.schedulePeriodic();
  }

  /**
   * The election yielded to a holder the cloud showed and waits until it
   * hears that peer again or the holder is gone. Only the cloud can say the
   * latter, so while inactive each periodic check also reads the holders and
   * reports them (verified). Ending the watch drops a read in flight: it was
   * taken before whatever ended it, and would name the old master to a node
   * that may have claimed since.
   */
  watchHolders(on: boolean): void {
    if (on === this.watching) return;
    this.watching = on;
    if (!on) this.watchGeneration++;
  }

  updateGroup(group: GroupConfig): void {
    this.group = group;
  }

  /** Resolves when no operation is in flight and applied equals desired (or an error stopped progress). */
  async settle(): Promise<void> {
    while (this.busy) await this.busy;
  }

  /**
   * For a stop: settle, and if a release failed (its retry timer would die with
   * the process), try it again a bounded number of times, so a stopping node
   * does not exit with the VIP still configured here. Returns what is applied.
   */
  async releaseBeforeStop(attempts: number, delayMs: number): Promise<Applied> {
    await this.settle();
    for (let i = 0; i < attempts && !this.closed && this.desired === 'inactive' && this.appliedState !== 'inactive'; i++) {
      await new Promise<void>((resolve) => this.deps.timers.setTimeout(resolve, delayMs));
      this.kick();
      await this.settle();
    }
    return this.appliedState;
  }

  close(): void {
    this.closed = true;
    this.acquiring?.abort();
    this.clearTimers();
  }

  private kick(): void {
    if (this.busy || this.closed) return;
    if (this.retry) {
      this.deps.timers.clearTimeout(this.retry);
      this.retry = null;
    }
    this.busy = this.pump().finally(() => {
      this.busy = null;
    });
  }

  private async pump(): Promise<void> {
    let released = false;
    while (!this.closed && this.desired !== this.appliedState) {
      const target = this.desired;
      if (target === 'active') {
        if (!(await this.doAcquire())) return;
      } else {
        if (!(await this.doRelease())) return;
        released = true;
      }
    }
    // Read the host for the next acquire now: a failover soon after a release must not wait a period for it.
    if (released && this.appliedState === 'inactive' && this.deps.owner.standby) {
      await this.deps.owner.standby(this.group).catch((e: unknown) => this.deps.logger.debug({ err: asVipdError(e).toJSON() }, 'standby refresh failed'));
      // The election may have changed its mind while we read.
      if (!this.closed && this.desired !== this.appliedState) return this.pump();
    }
    this.schedulePeriodic();
  }

  private async doAcquire(): Promise<boolean> {
    const { owner, clock, logger, options, listener } = this.deps;
    const startedAt = clock.nowMs();
    const abort = new AbortController();
    this.acquiring = abort;
    try {
      const report = await owner.acquire(this.group, startedAt + options.acquireDeadlineMs, abort.signal);
      if (abort.signal.aborted) {
        // The election changed its mind while the acquire ran and the owner finished anyway (its last
        // step was past cancelling). Not "ready": this node no longer holds the mastership it was for.
        // What is on the host is unknown to us: the loop goes on to what is wanted now.
        this.appliedState = 'unknown';
        logger.info({ group: this.group.name, wanted: this.desired }, 'acquire completed after this node stopped wanting the VIPs; not reported as ready');
        return true;
      }
      this.appliedState = 'active';
      listener.acquired(report, startedAt, clock.nowMs());
      return true;
    } catch (e) {
      const err = asVipdError(e);
      this.appliedState = 'unknown';
      if (abort.signal.aborted) {
        // Not a failure: the VIPs are no longer wanted; go straight on to what is.
        logger.info({ err: err.toJSON(), group: this.group.name }, 'acquire abandoned: this node no longer wants the VIPs');
        return true;
      }
      if (err.code === 'VIPD_E_CLOUD_UNCONFIRMED') {
        await this.observeAfterUnconfirmed();
        // The election stepped down on that read: go straight on to release, no retry.
        if (this.closed || this.desired !== 'active') return true;
      }
      if (err.transient || err.code === 'VIPD_E_CLOUD_DEADLINE') {
        logger.warn({ err: err.toJSON(), group: this.group.name }, 'acquire did not complete; will retry');
        this.scheduleRetry();
      } else {
        logger.error({ err: err.toJSON(), group: this.group.name }, 'acquire failed permanently');
        listener.failed(err, 'acquire');
        // The election goes to FAULT and no longer wants the VIPs: release at once whatever part of
        // the acquire did land (an address added before a rule failed), or it stays on this host.
        if (!this.closed && this.desired !== 'active') return true;
      }
      return false;
    } finally {
      this.acquiring = null;
    }
  }

  /**
   * Our assign succeeded, so whoever the cloud names now wrote after us: a
   * live node (in a heartbeat partition, the master re-asserting), never the
   * dead master we replaced. The election judges it before we assign again;
   * without this read the retry moved the VIPs a third time. A holder read
   * from before the assign must never go this way: it names the dead master.
   */
  private async observeAfterUnconfirmed(): Promise<void> {
    const { owner, listener, logger } = this.deps;
    try {
      const report = await owner.verify(this.group);
      logger.warn({ group: this.group.name, holders: report.vips.map((v) => ({ vip: v.address, cloud: v.cloud })) }, 'assigned but never confirmed: the cloud now shows these holders');
      listener.verified(report);
    } catch (e) {
      listener.verifyFailed(asVipdError(e));
    }
  }

  private async doRelease(): Promise<boolean> {
    const { owner, logger, listener } = this.deps;
    try {
      await owner.release(this.group);
      this.appliedState = 'inactive';
      listener.released();
      return true;
    } catch (e) {
      const err = asVipdError(e);
      logger.error({ err: err.toJSON(), group: this.group.name }, 'release failed; will retry');
      this.appliedState = 'unknown';
      if (!err.transient) listener.failed(err, 'release');
      this.scheduleRetry();
      return false;
    }
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    this.retry = this.deps.timers.setTimeout(() => {
      this.retry = null;
      this.kick();
    }, this.deps.options.retryDelayMs);
    this.retry.unref?.();
  }

  private schedulePeriodic(): void {
    if (this.closed || this.periodic) return;
    const delayMs = this.recheck ? 0 : this.deps.options.reconcileIntervalMs;
    this.recheck = false;
    this.periodic = this.deps.timers.setTimeout(() => {
      this.periodic = null;
      void this.check();
    }, delayMs);
    this.periodic.unref?.();
  }

  private async check(): Promise<void> {
    if (this.closed) return;
    const owner = this.deps.owner;
    if (!this.busy && this.appliedState === 'inactive' && this.desired === 'inactive' && (owner.standby || this.watching)) {
      this.busy = this.checkInactive().finally(() => {
        this.busy = null;
        if (this.desired !== this.appliedState) this.kick();
        else this.schedulePeriodic();
      });
      return;
    }
    if (this.busy || this.appliedState !== 'active' || this.desired !== 'active') {
      this.schedulePeriodic();
      return;
    }
    const run = (async () => {
      const { owner, listener } = this.deps;
      try {
        const repairs = await owner.repair(this.group);
        if (repairs.repairs.length > 0) listener.repaired(repairs.repairs);
        listener.verified(await owner.verify(this.group));
      } catch (e) {
        listener.verifyFailed(asVipdError(e));
      }
    })();
    this.busy = run.finally(() => {
      this.busy = null;
      // A desired change that arrived during the check must not wait a period.
      if (this.desired !== this.appliedState) this.kick();
      else this.schedulePeriodic();
    });
  }

  /** Inactive: refresh the standby reading for the next acquire, and read the holders while watching. */
  private async checkInactive(): Promise<void> {
    const { owner, logger, listener } = this.deps;
    if (owner.standby) await owner.standby(this.group).catch((e: unknown) => logger.debug({ err: asVipdError(e).toJSON() }, 'standby refresh failed'));
    if (!this.watching) return;
    const generation = this.watchGeneration;
    try {
      const report = await owner.verify(this.group);
      if (!this.closed && generation === this.watchGeneration && this.desired === 'inactive') listener.verified(report);
    } catch (e) {
      logger.warn({ err: asVipdError(e).toJSON(), group: this.group.name }, 'cloud check while yielding failed; will look again');
    }
  }

  private clearTimers(): void {
    if (this.periodic) this.deps.timers.clearTimeout(this.periodic);
    if (this.retry) this.deps.timers.clearTimeout(this.retry);
    this.periodic = null;
    this.retry = null;
  }
}
