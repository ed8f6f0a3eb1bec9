import type { GroupConfig } from '../config/types';
import { ElectionCore } from '../election/core';
import type { SuccessorVerdict } from '../election/successor';
import type { PeerAdvert, Role } from '../election/types';
import type { VipOwner } from '../owner/types';
import type { MonotonicClock } from '../util/clock';
import type { Logger } from '../util/logger';
import type { Timers } from '../util/timers';
import { cloudView } from './cloud-view';
import { ElectionEventLog } from './election-event-log';
import { electionOptions, reloadableElectionSettings } from './election-settings';
import { buildGroupStatus, type GroupStatus } from './group-status';
import { HeartbeatIntake } from './heartbeat-intake';
import { HookSequencer } from './hook-sequencer';
import { OutputExecutor } from './output-executor';
import { OwnershipReconciler, type OwnershipOptions } from './ownership';
import { OwnershipOutcomes } from './ownership-outcomes';
import type { AdvertSender, GroupHealth, HookQueue, RuntimeMetrics, TrackerSetFactory } from './ports';
import { TrackerFeed } from './tracker-feed';
import { TransitionLog } from './transition-log';

export type { GroupStatus, PeerStatus, VerifyStatus } from './group-status';

export interface GroupRunnerDeps {
  readonly nodeId: string;
  readonly clock: MonotonicClock;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly owner: VipOwner;
  readonly sender: AdvertSender;
  readonly hooks: HookQueue;
  readonly metrics: RuntimeMetrics;
  readonly trackers: TrackerSetFactory;
  readonly ownership: OwnershipOptions;
  /** How long a permanent owner error keeps the group in FAULT before it may try again. */
  readonly ownerFaultHoldMs: number;
  /** Wall-clock seconds, only for exported timestamps (never for timing). */
  readonly wallSeconds: () => number;
  /** Called after each transition has been executed (role, ownership wish and hook queued). */
  readonly roleChanged?: () => void;
  /** os.reannounce.minIntervalMs: the election's rate limit on re-announcements (its default when left out). */
  readonly reannounceMinIntervalMs?: number;
}

/** Release retries a stop makes before exiting anyway (systemd's TimeoutStopSec bounds the rest). */
const STOP_RELEASE_ATTEMPTS = 3;

/**
 * The imperative shell around one group's election core, as a composition:
 * every input (time, adverts and refusals through the HeartbeatIntake,
 * tracker health through the TrackerFeed, maintenance, the owner's
 * permanent failures, the cloud's holders the reconciler read) goes to the
 * core, and after each one the core's outputs go to the OutputExecutor.
 * All decisions stay in the core.
 */
export class GroupRunner {
  private readonly core: ElectionCore;
  private readonly reconciler: OwnershipReconciler;
  private readonly log: Logger;
  private readonly heartbeat: HeartbeatIntake;
  private readonly trackers: TrackerFeed;
  private readonly transitions: TransitionLog;
  private readonly events: ElectionEventLog;
  private readonly outcomes: OwnershipOutcomes;
  private readonly hooks: HookSequencer;
  private readonly executor: OutputExecutor;
  private maintenance = false;

  constructor(
    private groupConfig: GroupConfig,
    private readonly deps: GroupRunnerDeps,
  ) {
    const log = (this.log = deps.logger.child({ group: groupConfig.name }));
    const { metrics, wallSeconds } = deps;
    this.core = new ElectionCore(electionOptions(groupConfig, deps));
    this.heartbeat = new HeartbeatIntake({ metrics, log, wallSeconds });
    this.transitions = new TransitionLog({ log, metrics });
    this.events = new ElectionEventLog({ log, metrics, wallSeconds });
    this.outcomes = new OwnershipOutcomes({ log, metrics });
    this.reconciler = new OwnershipReconciler(groupConfig, {
      owner: deps.owner,
      clock: deps.clock,
      timers: deps.timers,
      logger: log,
      options: deps.ownership,
      listener: {
        acquired: (report, startedAt, doneAt) => {
          this.transitions.ownershipChanged(doneAt);
          this.hooks.release();
          this.outcomes.acquired(this.groupConfig.name, this.vipAddresses(), report, startedAt, doneAt);
        },
        released: () => {
          this.transitions.ownershipChanged(deps.clock.nowMs());
          this.outcomes.released(this.vipAddresses());
          this.hooks.release();
        },
        failed: (err, op) => {
          this.outcomes.failed(err, op);
          // The core holds FAULT for ownerFaultHoldMs (its own deadline), then lets the node compete again.
          this.core.ownerFailed(deps.clock.nowMs());
          this.flush();
        },
        verified: (report) => {
          const now = deps.clock.nowMs();
          this.outcomes.verified(report, now, this.core.role);
          const view = cloudView(report, deps.nodeId);
          if (view === null) return; // provider none: the cloud has no say
          metrics.cloudAssignmentMatch(this.groupConfig.name, view.allHere === (this.core.role === 'MASTER'));
          this.core.observeCloudHolder(view.holder, now);
          this.flush();
        },
        repaired: (repairs) => this.outcomes.repaired(this.groupConfig.name, repairs),
        verifyFailed: (err) => this.outcomes.verifyFailed(err),
      },
    });
    this.hooks = new HookSequencer(deps.hooks, () => ({ applied: this.reconciler.applied, acquireInFlight: this.reconciler.acquireInFlight }));
    this.trackers = new TrackerFeed(groupConfig, { factory: deps.trackers, metrics, changed: (h) => this.onTrackerHealth(h) });
    this.executor = new OutputExecutor({
      nodeId: deps.nodeId,
      group: () => this.groupConfig,
      log,
      sender: deps.sender,
      metrics,
      ownership: this.reconciler,
      outcomes: this.outcomes,
      transitions: this.transitions,
      events: this.events,
      hooks: this.hooks,
      ...(deps.roleChanged === undefined ? {} : { roleChanged: deps.roleChanged }),
    });
  }

  get config(): GroupConfig {
    return this.groupConfig;
  }

  get role(): Role {
    return this.core.role;
  }

  start(now: number): void {
    this.transitions.started(now);
    this.trackers.start();
    this.core.start(now);
    this.core.setHealth(this.trackers.health, now);
    if (this.maintenance) this.core.setMaintenance(true, now);
    this.flush();
    this.publishPriority(now);
  }

  /**
   * Reload of a group whose VIPs, peers and interface stay the same: the
   * election keeps its role (no VIP is dropped or moved by a reload), the new
   * priority/timers apply at once, trackers keep their verdicts.
   */
  reconfigure(group: GroupConfig, now: number): void {
    this.groupConfig = group;
    this.reconciler.updateGroup(group);
    if (this.trackers.replace(group)) this.core.setHealth(this.trackers.health, now);
    this.core.reconfigure(reloadableElectionSettings(group), now);
    this.flush();
    this.publishPriority(now);
    this.log.info({ priority: group.priority, intervalMs: group.intervalMs }, 'group reconfigured in place (role kept)');
  }

  nextDeadline(): number | null {
    return this.core.nextDeadline();
  }

  tick(now: number): void {
    this.core.tick(now);
    this.flush();
  }

  onAdvert(advert: PeerAdvert, now: number): void {
    this.heartbeat.advert(this.groupConfig, advert);
    this.core.step(advert, now);
    this.flush();
  }

  /** The peer's host refused a probe (nothing listens on its heartbeat port); the core judges it. */
  onPeerRefused(peer: string, now: number): void {
    if (!this.heartbeat.refusal(this.groupConfig, peer)) return;
    this.core.peerRefused(peer, now);
    this.flush();
  }

  noteStall(now: number, stalledMs: number): void {
    this.core.noteStall(now, stalledMs);
    this.flush();
  }

  setMaintenance(on: boolean, now: number): void {
    this.maintenance = on;
    this.core.setMaintenance(on, now);
    this.flush();
    this.publishPriority(now);
  }

  /** See ElectionCore.successor: decided by the core, before anything resigns. */
  successor(now: number, to: string | null): SuccessorVerdict {
    return this.core.successor(now, to);
  }

  resign(now: number): void {
    this.core.resign(now);
    this.flush();
  }

  /** Graceful stop: resign (the core sends priority 0), then release what we hold. */
  async stop(now: number): Promise<void> {
    this.core.stop(now);
    this.flush();
    this.trackers.stop();
    const applied = await this.reconciler.releaseBeforeStop(STOP_RELEASE_ATTEMPTS, this.deps.ownership.retryDelayMs);
    if (applied !== 'inactive') {
      this.log.error(
        { applied, attempts: STOP_RELEASE_ATTEMPTS },
        'stopping with the VIPs possibly still configured on this host: the release kept failing (the next start removes them as orphans)',
      );
    }
    // The stop hook runs even when the release kept failing: late, never lost.
    this.hooks.release(true);
    this.reconciler.close();
  }

  /** Stop without touching ownership: for a reload that replaces this group with an identical one. */
  detach(): void {
    this.hooks.release(true);
    this.trackers.stop();
    this.reconciler.close();
  }

  status(now: number): GroupStatus {
    return buildGroupStatus(
      {
        group: this.groupConfig,
        vips: this.vipAddresses(),
        election: this.core.status(now),
        roleSinceAt: this.transitions.roleSinceAt,
        lastTransition: this.transitions.lastTransition,
        ownership: { wanted: this.reconciler.wanted, applied: this.reconciler.applied, lastError: this.outcomes.lastError },
        lastFailover: this.outcomes.lastFailover,
        lastVerify: this.outcomes.lastVerify,
        viewInvalidatedAt: this.transitions.viewInvalidatedAt,
        freshForMs: 2 * this.deps.ownership.reconcileIntervalMs + 1000,
        splitBrainSuspected: this.events.splitBrainSuspected,
        trackers: this.trackers.status(),
      },
      now,
      this.deps.wallSeconds() * 1000,
    );
  }

  async settle(): Promise<void> {
    await this.reconciler.settle();
  }

  private vipAddresses(): string[] {
    return this.groupConfig.vips.map((v) => v.address);
  }

  /** Every input ends here: the core's outputs are executed in order. */
  private flush(): void {
    for (const out of this.core.drain()) this.executor.execute(out);
    // Yielded to a holder the cloud showed: only the cloud can say it is gone (docs/election.md, cloud arbitration).
    this.reconciler.watchHolders(this.core.yieldedTo !== null);
  }

  private onTrackerHealth(health: GroupHealth): void {
    const now = this.deps.clock.nowMs();
    this.core.setHealth(health, now);
    this.flush();
    this.publishPriority(now);
  }

  /** A node in maintenance never holds the VIP, whatever its trackers say: it shows priority 0, as `vipd maintenance on` promises. */
  private publishPriority(now: number): void {
    const s = this.core.status(now);
    this.deps.metrics.setPriority(this.groupConfig.name, s.basePriority, s.maintenance ? 0 : s.effectivePriority);
  }
}
