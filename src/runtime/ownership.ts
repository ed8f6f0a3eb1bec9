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
 * Desired vs applied ownership of one group's VIPs, as one loop in the
 * manner of vip-manager's applyLoop: on every signal (the election's wish,
 * a re-assert, an announcement, a timer) `turn()` compares the mode the
 * election wants with what is applied and takes one step: an operation
 * towards the mode, or the periodic check of it. One step at a time and in
 * order, so a release can never overtake the acquire before it. The check
 * re-verifies and repairs while active (state drifts: agents, networkd
 * restarts, the other node's API calls), refreshes the standby reading while
 * inactive, and reads the cloud's holders while watching.
 */
export class OwnershipReconciler {
  /** What the election wants: the loop's mode. */
  private mode: 'active' | 'inactive' = 'inactive';
  /** While inactive, the check also reads the cloud's holders (watchHolders). */
  private watching = false;
  /** Bumped when the watch ends: a holder read already in flight is dropped. */
  private watchGeneration = 0;
  private appliedState: Applied = 'unknown';
  /** The step running now (an operation or a check); the loop never runs two. */
  private step: Promise<void> | null = null;
  /**
   * After a failed operation the loop waits instead of trying again at once:
   * for the retry timer (transient), or for a new wish of the election (a
   * permanent failure is reported once, never retried in a loop).
   */
  private backoff: 'retry' | 'wish' | null = null;
  private retryTimer: TimerHandle | null = null;
  private checkTimer: TimerHandle | null = null;
  /** The next check runs at once instead of at its interval (announceAgain). */
  private checkSoon = false;
  /** The acquire in flight, so a change of mind can stop it (owner.acquire's signal). */
  private acquiring: AbortController | null = null;
  /** The acquire in flight's claimants: nodes heard making a new claim after it began (contenderHeard). */
  private contenders: Set<string> | null = null;
  /** The election asked for a re-assert while a step was in flight: the acquire after it runs at once, not after a retry delay. */
  private reassertAsked = false;
  private closed = false;
  private group: GroupConfig;

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
    return this.mode;
  }

  /** While an acquire runs, `applied` still says what held before it: the VIPs may already be partly here. */
  get acquireInFlight(): boolean {
    return this.acquiring !== null;
  }

  want(state: 'active' | 'inactive'): void {
    if (this.closed) return;
    this.mode = state;
    // A preempted node must not go on polling for a confirmation that cannot come
    // (the winner assigned after it) until the deadline: that blocked its next acquire.
    if (state !== 'active') this.acquiring?.abort();
    this.endBackoff();
    this.turn();
  }

  /**
   * The group's election started as BACKUP. The owner's cleanup already
   * removed what a previous run left on the host, so nothing of ours is
   * there: count the host as released and take the standby reading now, or
   * a node that was never master would plan its first failover from nothing.
   */
  startInactive(): void {
    if (this.closed || this.step || this.appliedState !== 'unknown' || this.mode !== 'inactive') return;
    this.appliedState = 'inactive';
    this.check();
  }

  /** Re-run acquire although we believe we hold the VIPs (the cloud says otherwise). */
  reassert(): void {
    if (this.closed || this.mode !== 'active') return;
    this.reassertAsked = true;
    this.appliedState = 'unknown';
    this.endBackoff();
    this.turn();
  }

  /**
   * Another node claimed the group while we hold it. The link hears from us
   * again at once: the announcement changes no state and the owner sends only
   * for a held group, so it does not wait behind a step in flight (an acquire
   * in flight announces when it lands). Then the check runs now instead of at
   * its interval (after the step in flight): on a cloud, a holder other than
   * us is re-asserted through the listener, as on every check.
   */
  announceAgain(): void {
    if (this.closed || this.mode !== 'active') return;
    const { owner, logger } = this.deps;
    if (this.appliedState === 'active' && owner.announce) {
      owner.announce(this.group).catch((e: unknown) => logger.warn({ err: asVipdError(e), group: this.group.name }, 're-announcement of the VIPs failed'));
    }
    this.checkSoon = true;
    this.clearCheckTimer();
    this.turn();
  }

  /**
   * The election heard `peer` make a new claim on the group (a MASTER advert
   * from a node that was not a live master) while we hold or take it. An
   * acquire in flight learns it: a confirmation it still waits for may never
   * come, because that node's assign can have landed after ours, and a record
   * naming that node is news, not a stale read. Nothing to do without an
   * acquire in flight: the check after announceAgain reads the holders.
   */
  contenderHeard(peer: string): void {
    this.contenders?.add(peer);
  }

  /**
   * The election yielded to a holder the cloud showed and waits until it
   * hears that peer again or the holder is gone. Only the cloud can say the
   * latter, so while inactive each check also reads the holders and reports
   * them (verified). Ending the watch drops a read in flight: it was taken
   * before whatever ended it, and would name the old master to a node that
   * may have claimed since.
   */
  watchHolders(on: boolean): void {
    if (on === this.watching) return;
    this.watching = on;
    if (!on) this.watchGeneration++;
  }

  updateGroup(group: GroupConfig): void {
    this.group = group;
  }

  /** Resolves when no step is in flight and applied equals the mode (or a failure stopped progress). */
  async settle(): Promise<void> {
    while (this.step) await this.step;
  }

  /**
   * For a stop: settle, and if a release failed (its retry timer would die with
   * the process), try it again a bounded number of times, so a stopping node
   * does not exit with the VIP still configured here. Returns what is applied.
   */
  async releaseBeforeStop(attempts: number, delayMs: number): Promise<Applied> {
    await this.settle();
    for (let i = 0; i < attempts && !this.closed && this.mode === 'inactive' && this.appliedState !== 'inactive'; i++) {
      await new Promise<void>((resolve) => this.deps.timers.setTimeout(resolve, delayMs));
      this.endBackoff();
      this.turn();
      await this.settle();
    }
    return this.appliedState;
  }

  close(): void {
    this.closed = true;
    this.acquiring?.abort();
    this.clearRetryTimer();
    this.clearCheckTimer();
  }

  /**
   * The loop's one decision, taken whenever something changed and no step
   * runs (a step ends by calling it): move towards the mode, unless backing
   * off after a failure; once there, wait for the next check.
   */
  private turn(): void {
    if (this.closed || this.step) return;
    if (this.mode !== this.appliedState) {
      if (this.backoff !== null) return;
      this.run(this.mode === 'active' ? this.acquireStep() : this.releaseStep());
      return;
    }
    this.scheduleCheck();
  }

  private run(step: Promise<void>): void {
    this.step = step.finally(() => {
      this.step = null;
      this.turn();
    });
  }

  private endBackoff(): void {
    this.backoff = null;
    this.clearRetryTimer();
  }

  private async acquireStep(): Promise<void> {
    const { owner, clock, logger, options, listener } = this.deps;
    const startedAt = clock.nowMs();
    const abort = new AbortController();
    const contenders = new Set<string>();
    this.acquiring = abort;
    this.contenders = contenders;
    // This acquire is the re-assert asked for before it.
    this.reassertAsked = false;
    try {
      const report = await owner.acquire(this.group, startedAt + options.acquireDeadlineMs, { signal: abort.signal, contenders });
      if (abort.signal.aborted) {
        // The election changed its mind while the acquire ran and the owner finished anyway (its last
        // step was past cancelling). Not "ready": this node no longer holds the mastership it was for.
        // What is on the host is unknown to us: the loop goes on to what is wanted now.
        this.appliedState = 'unknown';
        logger.info({ group: this.group.name, wanted: this.mode }, 'acquire completed after this node stopped wanting the VIPs; not reported as ready');
        return;
      }
      this.appliedState = 'active';
      listener.acquired(report, startedAt, clock.nowMs());
    } catch (e) {
      const err = asVipdError(e);
      this.appliedState = 'unknown';
      if (abort.signal.aborted) {
        // Not a failure: the VIPs are no longer wanted; go straight on to what is.
        logger.info({ err, group: this.group.name }, 'acquire abandoned: this node no longer wants the VIPs');
        return;
      }
      if (err.code === 'VIPD_E_CLOUD_UNCONFIRMED') {
        await this.observeAfterUnconfirmed();
        // The election stepped down on that read: go straight on to release, no retry.
        if (this.closed || this.mode !== 'active') return;
        // It judged the holder and asked for the VIPs back: every moment waited, the cloud routes them to that node.
        if (this.reassertAsked) {
          logger.warn({ err, group: this.group.name }, 'acquire unconfirmed and the election wants the VIPs back; assigning again at once');
          return;
        }
      }
      if (err.transient || err.code === 'VIPD_E_CLOUD_DEADLINE') {
        logger.warn({ err, group: this.group.name }, 'acquire did not complete; will retry');
        this.backOff('retry');
      } else {
        logger.error({ err, group: this.group.name }, 'acquire failed permanently');
        this.backOff('wish');
        listener.failed(err, 'acquire');
        // The election goes to FAULT and no longer wants the VIPs (its want() ended the backoff): the
        // release runs at once, so whatever part of the acquire did land does not stay on this host.
      }
    } finally {
      this.acquiring = null;
      this.contenders = null;
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
      logger.warn(
        { group: this.group.name, holders: report.vips.map((v) => ({ vip: v.address, cloud: v.cloud })) },
        'assigned but never confirmed: the cloud now shows these holders',
      );
      listener.verified(report);
    } catch (e) {
      listener.verifyFailed(asVipdError(e));
    }
  }

  private async releaseStep(): Promise<void> {
    const { owner, logger, listener } = this.deps;
    try {
      await owner.release(this.group);
      this.appliedState = 'inactive';
      listener.released();
    } catch (e) {
      const err = asVipdError(e);
      logger.error({ err, group: this.group.name }, 'release failed; will retry');
      this.appliedState = 'unknown';
      this.backOff('retry');
      if (!err.transient) listener.failed(err, 'release');
      return;
    }
    // Read the host for the next acquire now: a failover soon after a release must not wait a period for it.
    if (this.mode === 'inactive' && owner.standby) {
      await owner.standby(this.group).catch((e: unknown) => logger.debug({ err: asVipdError(e) }, 'standby refresh failed'));
    }
  }

  private backOff(until: 'retry' | 'wish'): void {
    this.backoff = until;
    if (until !== 'retry' || this.closed) return;
    this.retryTimer = this.deps.timers.setTimeout(() => {
      this.retryTimer = null;
      this.backoff = null;
      this.turn();
    }, this.deps.options.retryDelayMs);
    this.retryTimer.unref?.();
  }

  private scheduleCheck(): void {
    if (this.closed || this.checkTimer) return;
    const delayMs = this.checkSoon ? 0 : this.deps.options.reconcileIntervalMs;
    this.checkSoon = false;
    this.checkTimer = this.deps.timers.setTimeout(() => {
      this.checkTimer = null;
      this.check();
    }, delayMs);
    this.checkTimer.unref?.();
  }

  /** The periodic check of the mode reached; with a step in flight, or away from the mode, it waits for the next period. */
  private check(): void {
    if (this.closed) return;
    if (this.step || this.mode !== this.appliedState) {
      this.scheduleCheck();
      return;
    }
    if (this.mode === 'active') this.run(this.checkActive());
    else if (this.deps.owner.standby || this.watching) this.run(this.checkInactive());
    else this.scheduleCheck();
  }

  private async checkActive(): Promise<void> {
    const { owner, listener } = this.deps;
    try {
      const repairs = await owner.repair(this.group);
      if (repairs.repairs.length > 0) listener.repaired(repairs.repairs);
      listener.verified(await owner.verify(this.group));
    } catch (e) {
      listener.verifyFailed(asVipdError(e));
    }
  }

  /** Inactive: refresh the standby reading for the next acquire, and read the holders while watching. */
  private async checkInactive(): Promise<void> {
    const { owner, logger, listener } = this.deps;
    if (owner.standby) await owner.standby(this.group).catch((e: unknown) => logger.debug({ err: asVipdError(e) }, 'standby refresh failed'));
    if (!this.watching) return;
    const generation = this.watchGeneration;
    try {
      const report = await owner.verify(this.group);
      if (!this.closed && generation === this.watchGeneration && this.mode === 'inactive') listener.verified(report);
    } catch (e) {
      logger.warn({ err: asVipdError(e), group: this.group.name }, 'cloud check while yielding failed; will look again');
    }
  }

  private clearRetryTimer(): void {
    if (this.retryTimer) this.deps.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private clearCheckTimer(): void {
    if (this.checkTimer) this.deps.timers.clearTimeout(this.checkTimer);
    this.checkTimer = null;
  }
}
