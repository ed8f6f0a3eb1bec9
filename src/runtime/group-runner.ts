import { isDeepStrictEqual } from 'node:util';
import type { GroupConfig } from '../config/types';
import { ElectionCore } from '../election/core';
import type { SuccessorVerdict } from '../election/successor';
import type { ElectionOutput, PeerAdvert, Role } from '../election/types';
import type { VipdError } from '../errors';
import type { AcquireReport, VerifyReport, VipOwner } from '../owner/types';
import type { MonotonicClock } from '../util/clock';
import type { Logger } from '../util/logger';
import type { Timers } from '../util/timers';
import { OwnershipReconciler, type OwnershipOptions } from './ownership';
import { FailoverAccounting } from './failover';
import { buildGroupStatus, type GroupStatus } from './group-status';
import { HookSequencer, hookForTransition } from './hook-sequencer';
import { IntervalDriftWarner } from './interval-drift';
import type { AdvertSender, GroupHealth, HookQueue, RuntimeMetrics, TrackerSet, TrackerSetFactory } from './ports';

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
 * The imperative shell around one group's election core: feeds it time,
 * adverts and health; executes what it decides (send, own, release, hooks,
 * metrics, logs). All decisions stay in the core.
 */
export class GroupRunner {
  private readonly core: ElectionCore;
  private readonly reconciler: OwnershipReconciler;
  private trackers: TrackerSet;
  private readonly log: Logger;
  private trackerHealth: GroupHealth = { penalty: 0, fault: false };
  private lastError: VipdError | null = null;
  private readonly failovers = new FailoverAccounting();
  private lastVerify: { report: VerifyReport; at: number; role: Role } | null = null;
  /** Monotonic ms of the last role or ownership change: a view of the host from before it is history. */
  private viewInvalidatedAt = 0;
  private roleSinceAt = 0;
  private lastTransition: { at: number; from: Role; to: Role; reason: string; peer: string | null } | null = null;
  private splitBrain = false;
  private maintenance = false;
  private readonly drift: IntervalDriftWarner;
  private readonly hooks: HookSequencer;

  constructor(
    private groupConfig: GroupConfig,
    private readonly deps: GroupRunnerDeps,
  ) {
    this.log = deps.logger.child({ group: groupConfig.name });
    this.drift = new IntervalDriftWarner(this.log);
    this.core = new ElectionCore({
      nodeId: deps.nodeId,
      peers: groupConfig.peers.map((p) => p.id),
      priority: groupConfig.priority,
      preempt: groupConfig.preempt,
      preemptDelayMs: groupConfig.preemptDelayMs,
      intervalMs: groupConfig.intervalMs,
      deadAfter: groupConfig.deadAfter,
      claimOnRefusal: groupConfig.claimOnRefusal,
      ownerFaultHoldMs: deps.ownerFaultHoldMs,
      ...(deps.reannounceMinIntervalMs === undefined ? {} : { reannounceMinIntervalMs: deps.reannounceMinIntervalMs }),
    });
    this.reconciler = new OwnershipReconciler(groupConfig, {
      owner: deps.owner,
      clock: deps.clock,
      timers: deps.timers,
      logger: this.log,
      options: deps.ownership,
      listener: {
        acquired: (report, startedAt, doneAt) => this.onAcquired(report, startedAt, doneAt),
        released: () => {
          this.viewInvalidatedAt = this.deps.clock.nowMs();
          this.log.info({ vips: this.vipAddresses() }, 'VIPs released');
          this.hooks.release();
        },
        failed: (err, op) => this.onOwnerFailed(err, op),
        verified: (report) => this.onVerified(report),
        repaired: (repairs) => {
          this.deps.metrics.osRepairs(this.groupConfig.name, repairs.length);
          this.log.warn({ repairs }, 'repaired VIP state that something else changed');
        },
        verifyFailed: (err) => {
          this.lastError = err;
          this.log.error({ err }, 'could not verify VIP ownership (not read as "nothing there")');
        },
      },
    });
    this.hooks = new HookSequencer(deps.hooks, () => ({ applied: this.reconciler.applied, acquireInFlight: this.reconciler.acquireInFlight }));
    this.trackers = deps.trackers(groupConfig, (h) => this.onTrackerHealth(h));
  }

  get config(): GroupConfig {
    return this.groupConfig;
  }

  get role(): Role {
    return this.core.role;
  }

  start(now: number): void {
    this.roleSinceAt = now;
    this.trackers.start();
    this.trackerHealth = this.trackers.health();
    this.core.start(now);
    this.pushHealth(now);
    if (this.maintenance) this.core.setMaintenance(true, now);
    this.flush();
    this.publishTrackers();
    this.publishPriority(now);
  }

  /**
   * Reload of a group whose VIPs, peers and interface stay the same: the
   * election keeps its role (no VIP is dropped or moved by a reload), the new
   * priority/timers apply at once, trackers keep their verdicts.
   */
  reconfigure(group: GroupConfig, now: number): void {
    const previous = this.groupConfig;
    this.groupConfig = group;
    this.reconciler.updateGroup(group);
    if (!isDeepStrictEqual(previous.trackers, group.trackers)) {
      const carry = this.trackers.carryOver?.();
      this.trackers.stop();
      this.trackers = this.deps.trackers(group, (h) => this.onTrackerHealth(h), carry);
      this.trackers.start();
      this.trackerHealth = this.trackers.health();
      this.pushHealth(now);
      this.publishTrackers(); // drops the series of trackers no longer configured
    }
    this.core.reconfigure(
      { priority: group.priority, preempt: group.preempt, preemptDelayMs: group.preemptDelayMs, intervalMs: group.intervalMs, deadAfter: group.deadAfter, claimOnRefusal: group.claimOnRefusal },
      now,
    );
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

  /** A node in maintenance never holds the VIP, whatever its trackers say: it shows priority 0, as `vipd maintenance on` promises. */
  private publishPriority(now: number): void {
    const s = this.core.status(now);
    this.deps.metrics.setPriority(this.groupConfig.name, s.basePriority, s.maintenance ? 0 : s.effectivePriority);
  }

  /** vipd_tracker_up for every tracker of the group (the tracker set reports each up/down change). */
  private publishTrackers(): void {
    this.deps.metrics.setTrackers(this.groupConfig.name, this.trackers.status().map((t) => ({ name: t.name, up: t.up })));
  }

  onAdvert(advert: PeerAdvert, now: number): void {
    this.deps.metrics.advertReceived(this.groupConfig.name);
    this.deps.metrics.peerSeen(this.groupConfig.name, advert.from, this.deps.wallSeconds());
    this.drift.check(advert, this.groupConfig.intervalMs);
    this.core.step(advert, now);
    this.flush();
  }

  /** The peer's host refused a probe (nothing listens on its heartbeat port); the core judges it. */
  onPeerRefused(peer: string, now: number): void {
    if (!this.groupConfig.peers.some((p) => p.id === peer)) return;
    this.deps.metrics.peerRefused(this.groupConfig.name, peer);
    this.log.debug({ peer }, `peer ${peer} refused a probe (ICMP port unreachable)`);
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
      this.log.error({ applied, attempts: STOP_RELEASE_ATTEMPTS }, 'stopping with the VIPs possibly still configured on this host: the release kept failing (the next start removes them as orphans)');
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
    const g = this.groupConfig;
    return buildGroupStatus(
      {
        group: g,
        vips: this.vipAddresses(),
        election: this.core.status(now),
        roleSinceAt: this.roleSinceAt,
        lastTransition: this.lastTransition,
        ownership: { wanted: this.reconciler.wanted, applied: this.reconciler.applied, lastError: this.lastError },
        lastFailover: this.failovers.last,
        lastVerify: this.lastVerify,
        viewInvalidatedAt: this.viewInvalidatedAt,
        freshForMs: 2 * this.deps.ownership.reconcileIntervalMs + 1000,
        splitBrainSuspected: this.splitBrain,
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

  private flush(): void {
    for (const out of this.core.drain()) this.execute(out);
    // Yielded to a holder the cloud showed: only the cloud can say it is gone (docs/election.md, cloud arbitration).
    this.reconciler.watchHolders(this.core.yieldedTo !== null);
  }

  private execute(out: ElectionOutput): void {
    const name = this.groupConfig.name;
    switch (out.type) {
      case 'send':
        this.deps.sender.sendAdvert(this.groupConfig.id, out.advert, out.to);
        this.deps.metrics.advertSent(name);
        return;
      case 'probe':
        this.deps.sender.probe(this.groupConfig.id, out.peer);
        return;
      case 'transition':
        this.onTransition(out);
        return;
      case 'event':
        this.onEvent(out.event);
        return;
      case 'announce':
        this.onAnnounce(out);
        return;
      case 'reassert':
        this.log.warn({ holder: out.holder }, 'the cloud does not show all VIPs on this node; re-asserting');
        this.reconciler.reassert();
        return;
    }
  }

  private onAnnounce(a: Extract<ElectionOutput, { type: 'announce' }>): void {
    const peer = a.peer ?? 'a peer';
    const why: Record<typeof a.reason, string> = {
      'lower-master': `${peer} claimed MASTER`,
      'peer-returned': `${peer} is heard again after a silence (it may have claimed meanwhile)`,
      'peer-stepped-down': `${peer} stepped down from MASTER`,
      stall: 'this node resumed from a stall',
      'cloud-split': `the cloud shows ${peer} holding them`,
    };
    this.log.warn(
      { event: 'reannounce', reason: a.reason, peer: a.peer ?? null, coalesced: a.coalesced },
      `announcing the VIPs of ${this.groupConfig.name} again: ${why[a.reason]}`,
    );
    this.deps.metrics.reannounce(this.groupConfig.name, a.reason, this.deps.wallSeconds());
    this.reconciler.announceAgain();
  }

  private onTransition(t: Extract<ElectionOutput, { type: 'transition' }>): void {
    const name = this.groupConfig.name;
    this.roleSinceAt = t.at;
    this.viewInvalidatedAt = t.at;
    this.lastTransition = { at: t.at, from: t.from, to: t.to, reason: t.reason, peer: t.peer ?? null };
    // One wording for every transition, this node's own MASTER included: one pattern to search and alert on.
    this.log.info({ event: 'transition', from: t.from, to: t.to, reason: t.reason, peer: t.peer ?? null }, `group ${name}: ${t.from} -> ${t.to} (${t.reason})`);
    this.deps.metrics.transition(name, t.from, t.to);
    this.deps.metrics.setPriority(name, t.priority.base, t.priority.maintenance ? 0 : t.priority.effective);
    if (t.claim !== undefined) {
      this.failovers.claimed(t.claim, t.at);
      this.reconciler.want('active');
    } else if (t.from === 'MASTER' || t.to === 'FAULT' || t.to === 'STOP') {
      this.failovers.abandoned();
      this.reconciler.want('inactive');
    } else if (t.from === 'INIT') {
      this.reconciler.startInactive();
    }
    const hook = hookForTransition(this.groupConfig, t, this.vipAddresses(), this.deps.nodeId);
    if (hook !== null) this.hooks.hold(t.to === 'MASTER' ? 'active' : 'inactive', hook);
    this.deps.roleChanged?.();
  }

  private onEvent(event: Extract<ElectionOutput, { type: 'event' }>['event']): void {
    const name = this.groupConfig.name;
    switch (event.kind) {
      case 'split-brain-suspected':
        if (!this.splitBrain) this.log.error({ holder: event.holder }, `split brain suspected: the cloud shows ${event.holder} holding the VIPs of ${name}`);
        this.splitBrain = true;
        this.deps.metrics.splitBrainSuspected(name, true);
        return;
      case 'split-brain-cleared':
        if (this.splitBrain) this.log.warn('split brain cleared');
        this.splitBrain = false;
        this.deps.metrics.splitBrainSuspected(name, false);
        return;
      case 'master-seen':
        this.log.debug({ peer: event.peer, priority: event.priority }, `peer ${event.peer} is MASTER`);
        return;
      case 'lower-master-answered':
        this.log.warn({ peer: event.peer }, `peer ${event.peer} claims MASTER with lower priority; answered at once`);
        return;
      case 'refusal-contradicted':
        this.log.warn(
          { peer: event.peer },
          `peer ${event.peer} refused our probe yet its adverts arrive: a firewall REJECT on its heartbeat port? Its refusals are ignored (takeover by the down timer only) until this node changes role`,
        );
        return;
    }
  }

  private onAcquired(report: AcquireReport, startedAt: number, doneAt: number): void {
    this.viewInvalidatedAt = doneAt;
    this.hooks.release();
    const a = this.failovers.acquired(report, startedAt, doneAt);
    this.lastError = null;
    this.deps.metrics.acquired(this.groupConfig.name, a.kind, a.acquireMs);
    if (a.failover !== null) this.deps.metrics.failover(this.groupConfig.name, a.phases, a.failover.reason);
    this.log.info({ event: 'vips-ready', kind: a.kind, vips: this.vipAddresses(), phases: a.phases, acquireMs: a.acquireMs, cloudCalls: report.cloudCalls }, 'VIPs ready on this node');
  }

  private onOwnerFailed(err: VipdError, op: 'acquire' | 'release'): void {
    this.lastError = err;
    this.log.error({ err, operation: op }, `cannot ${op} the VIPs: ${err.message}`);
    // The core holds FAULT for ownerFaultHoldMs (its own deadline), then lets the node compete again.
    this.core.ownerFailed(this.deps.clock.nowMs());
    this.flush();
  }

  private onTrackerHealth(h: GroupHealth): void {
    this.trackerHealth = h;
    this.publishTrackers();
    const now = this.deps.clock.nowMs();
    this.pushHealth(now);
    this.flush();
    this.publishPriority(now);
  }

  private pushHealth(now: number): void {
    this.core.setHealth({ penalty: this.trackerHealth.penalty, fault: this.trackerHealth.fault }, now);
  }

  private onVerified(report: VerifyReport): void {
    this.lastVerify = { report, at: this.deps.clock.nowMs(), role: this.core.role };
    this.lastError = null;
    const now = this.deps.clock.nowMs();
    const holders = report.vips.map((v) => v.cloud).filter((c): c is NonNullable<typeof c> => c !== null);
    if (holders.length === 0) return; // provider none: the cloud has no say
    const other = holders.find((h) => h.kind === 'other');
    const allMine = holders.every((h) => h.kind === 'me');
    this.deps.metrics.cloudAssignmentMatch(this.groupConfig.name, allMine === (this.core.role === 'MASTER'));
    if (other && other.kind === 'other') {
      this.core.observeCloudHolder(other.nodeId ?? other.instanceId, now);
    } else {
      this.core.observeCloudHolder(allMine ? this.deps.nodeId : null, now);
    }
    this.flush();
  }
}
