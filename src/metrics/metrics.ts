import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Role } from '../election/types';
import {
  CLOUD_ACQUIRE_BUCKETS,
  CLOUD_REQUEST_BUCKETS,
  DETECTION_BUCKETS,
  EVENT_LOOP_LAG_BUCKETS,
  FAILOVER_TOTAL_BUCKETS,
  OS_CONFIGURE_BUCKETS,
} from './buckets';
import { CLOUD_OPERATIONS, CLOUD_OUTCOMES, type CloudOperation, type CloudOutcome } from './cloud-outcome';
import { ROLES, STATE_VALUE } from './state-encoding';

export interface VipdMetricsOptions {
  readonly version: string;
  /** Group names from the config: their labelled counters start at 0. */
  readonly groups: readonly string[];
  /** Every reason heartbeat/ may reject a packet for; anything else is counted as 'other'. */
  readonly rejectReasons: readonly string[];
  /** The provider type ('none', 'aws', ...): the provider label of the cloud metrics. */
  readonly provider: string;
  /** Configured peers per group: their last-seen timestamp starts at 0 (never seen). */
  readonly peers?: Readonly<Record<string, readonly string[]>>;
  /** false: skip process_* / nodejs_* metrics (a test creating many registries, or metrics.enabled: false: nobody scrapes them). */
  readonly processMetrics?: boolean;
}

/** Period of prom-client's nodejs_eventloop_lag_* sampling timer. */
export const EVENT_LOOP_SAMPLE_MS = 500;

/** The per-phase latencies of one takeover, in milliseconds. */
export interface FailoverPhaseTimings {
  /** Last heartbeat from the old master -> decision here; null when no master died (start, preempt). */
  readonly detectionMs: number | null;
  /** Cloud call -> cloud confirms the VIPs on our NIC (0 for provider none). */
  readonly cloudMs: number;
  readonly osMs: number;
  /** Last heartbeat from the old master -> VIPs ready here; null like detectionMs. */
  readonly totalMs: number | null;
}

export const OTHER_REASON = 'other';

/**
 * Every vipd metric, on a registry of its own (never prom-client's global
 * one, so two daemons in one test process do not collide). The methods are
 * the runtime's vocabulary (structurally the runtime's RuntimeMetrics port);
 * label values come from the config or from fixed lists, never from packets.
 */
export class VipdMetrics {
  readonly registry: Registry;
  readonly provider: string;

  readonly failoverDetection: Histogram<'group'>;
  readonly failoverCloudAcquire: Histogram<'group'>;
  readonly failoverOsConfigure: Histogram<'group'>;
  readonly failoverTotal: Histogram<'group'>;
  readonly state: Gauge<'group'>;
  readonly becomeMaster: Counter<'group'>;
  readonly releaseMaster: Counter<'group'>;
  readonly transitions: Counter<'group' | 'from' | 'to'>;
  readonly advertsSent: Counter<'group'>;
  readonly advertsReceived: Counter<'group'>;
  readonly heartbeatsRejected: Counter<'reason'>;
  readonly peerLastSeen: Gauge<'group' | 'peer'>;
  readonly priority: Gauge<'group'>;
  readonly effectivePriority: Gauge<'group'>;
  readonly trackerUpGauge: Gauge<'group' | 'tracker'>;
  readonly cloudRequests: Counter<'provider' | 'operation' | 'outcome'>;
  readonly cloudRequestDuration: Histogram<'provider' | 'operation'>;
  readonly cloudAssignmentMatchGauge: Gauge<'group'>;
  readonly osRepairsTotal: Counter<'group'>;
  readonly splitBrainSuspectedGauge: Gauge<'group'>;
  readonly eventLoopLagSeconds: Histogram<string>;
  readonly buildInfo: Gauge<'version'>;
  readonly hookFailures: Counter<'group'>;

  private readonly knownReasons: ReadonlySet<string>;
  /** Label values seen per group, so removeGroup can drop every series of a group. */
  private readonly peersByGroup = new Map<string, Set<string>>();
  private readonly trackersByGroup = new Map<string, Set<string>>();

  constructor(opts: VipdMetricsOptions) {
    this.registry = new Registry();
    const registers = [this.registry];
    this.provider = opts.provider;

    const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]): Histogram<L> =>
      new Histogram<L>({ name, help, labelNames, buckets, registers });
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> =>
      new Gauge<L>({ name, help, labelNames, registers });
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> =>
      new Counter<L>({ name, help, labelNames, registers });

    this.failoverDetection = histogram(
      'vipd_failover_detection_seconds',
      'Takeover phase 1: last heartbeat heard from the old master until this node decided to take over.',
      ['group'],
      DETECTION_BUCKETS,
    );
    this.failoverCloudAcquire = histogram(
      'vipd_failover_cloud_acquire_seconds',
      'Takeover phase 2: first cloud call until the cloud confirmed the VIPs on this node (0 for provider none).',
      ['group'],
      CLOUD_ACQUIRE_BUCKETS,
    );
    this.failoverOsConfigure = histogram(
      'vipd_failover_os_configure_seconds',
      'Takeover phase 3: OS configuration (addresses, rules, routes, first ARP/NA burst).',
      ['group'],
      OS_CONFIGURE_BUCKETS,
    );
    this.failoverTotal = histogram(
      'vipd_failover_total_seconds',
      'Whole takeover: last heartbeat heard from the old master until the VIPs were ready on this node.',
      ['group'],
      FAILOVER_TOTAL_BUCKETS,
    );
    this.state = gauge('vipd_state', 'Role of this node in the group: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT, 98 STOP (keepalived encoding).', ['group']);
    this.becomeMaster = counter('vipd_become_master_total', 'Transitions of this node into MASTER.', ['group']);
    this.releaseMaster = counter('vipd_release_master_total', 'Transitions of this node out of MASTER.', ['group']);
    this.transitions = counter('vipd_transitions_total', 'Role transitions of this node, by from and to role.', ['group', 'from', 'to']);
    this.advertsSent = counter('vipd_adverts_sent_total', 'Heartbeat adverts (and resigns) sent, counted once per advert, not per peer.', ['group']);
    this.advertsReceived = counter('vipd_adverts_received_total', 'Authenticated heartbeat adverts accepted from peers.', ['group']);
    this.heartbeatsRejected = counter('vipd_heartbeats_rejected_total', 'Heartbeat packets dropped, by reason (bad signature, replay, unknown peer, ...).', ['reason']);
    this.peerLastSeen = gauge('vipd_peer_last_seen_timestamp_seconds', 'Unix time of the last accepted advert from the peer; 0 = never seen since start.', ['group', 'peer']);
    this.priority = gauge('vipd_priority', 'Configured base priority of this node in the group.', ['group']);
    this.effectivePriority = gauge('vipd_effective_priority', 'Priority this node advertises now (base plus tracker weights; 0 while resigning).', ['group']);
    this.trackerUpGauge = gauge('vipd_tracker_up', '1 when the tracker counts as up (after rise/fall), 0 when down.', ['group', 'tracker']);
    this.cloudRequests = counter('vipd_cloud_requests_total', 'Cloud API operations by outcome (one per attempt; retries count again).', ['provider', 'operation', 'outcome']);
    this.cloudRequestDuration = histogram(
      'vipd_cloud_request_duration_seconds',
      'Duration of one cloud API operation attempt.',
      ['provider', 'operation'],
      CLOUD_REQUEST_BUCKETS,
    );
    this.cloudAssignmentMatchGauge = gauge(
      'vipd_cloud_assignment_match',
      "1 when the cloud's assignment of the group's VIPs agrees with this node's role (MASTER: on my NIC; otherwise: not), 0 when not.",
      ['group'],
    );
    this.osRepairsTotal = counter('vipd_os_repairs_total', 'OS changes re-applied while MASTER because something else removed them.', ['group']);
    this.splitBrainSuspectedGauge = gauge('vipd_split_brain_suspected', '1 while this node suspects another node also holds the VIPs.', ['group']);
    this.eventLoopLagSeconds = histogram('vipd_event_loop_lag_seconds', "How late the runtime's tick ran compared to its schedule.", [], EVENT_LOOP_LAG_BUCKETS);
    this.buildInfo = gauge('vipd_build_info', 'Always 1; the version label tells which vipd runs.', ['version']);
    this.hookFailures = counter('vipd_hook_failures_total', 'Notify hooks that exited non-zero, timed out or could not start.', ['group']);

    this.buildInfo.set({ version: opts.version }, 1);
    this.knownReasons = new Set([...opts.rejectReasons, OTHER_REASON]);
    for (const reason of this.knownReasons) this.heartbeatsRejected.inc({ reason }, 0);
    for (const operation of CLOUD_OPERATIONS) {
      this.cloudRequestDuration.zero({ provider: this.provider, operation });
      for (const outcome of CLOUD_OUTCOMES) this.cloudRequests.inc({ provider: this.provider, operation, outcome }, 0);
    }
    for (const group of opts.groups) this.addGroup(group, opts.peers?.[group] ?? []);
    // prom-client samples event-loop delay with a timer at this period (default 10 ms: 100 wake-ups a
    // second, most of an idle daemon's CPU); vipd_event_loop_lag_seconds measures the ticks themselves.
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  }

  /** Starts a group's series at zero (INIT, counters 0); also used when a reload adds a group. */
  addGroup(group: string, peers: readonly string[] = []): void {
    this.state.set({ group }, STATE_VALUE.INIT);
    this.splitBrainSuspectedGauge.set({ group }, 0);
    for (const c of [this.becomeMaster, this.releaseMaster, this.advertsSent, this.advertsReceived, this.osRepairsTotal, this.hookFailures]) {
      c.inc({ group }, 0);
    }
    for (const from of ROLES) {
      for (const to of ROLES) if (from !== to) this.transitions.inc({ group, from, to }, 0);
    }
    for (const h of [this.failoverDetection, this.failoverCloudAcquire, this.failoverOsConfigure, this.failoverTotal]) h.zero({ group });
    for (const peer of peers) {
      this.rememberPeer(group, peer);
      this.peerLastSeen.set({ group, peer }, 0);
    }
  }

  /** Drops every series of a group a reload removed, so dashboards stop showing it. */
  removeGroup(group: string): void {
    for (const m of [
      this.state,
      this.splitBrainSuspectedGauge,
      this.becomeMaster,
      this.releaseMaster,
      this.advertsSent,
      this.advertsReceived,
      this.osRepairsTotal,
      this.hookFailures,
      this.priority,
      this.effectivePriority,
      this.cloudAssignmentMatchGauge,
      this.failoverDetection,
      this.failoverCloudAcquire,
      this.failoverOsConfigure,
      this.failoverTotal,
    ]) {
      m.remove({ group });
    }
    for (const from of ROLES) {
      for (const to of ROLES) if (from !== to) this.transitions.remove({ group, from, to });
    }
    for (const peer of this.peersByGroup.get(group) ?? []) this.peerLastSeen.remove({ group, peer });
    for (const tracker of this.trackersByGroup.get(group) ?? []) this.trackerUpGauge.remove({ group, tracker });
    this.peersByGroup.delete(group);
    this.trackersByGroup.delete(group);
  }

  setState(group: string, role: Role): void {
    this.state.set({ group }, STATE_VALUE[role]);
  }

  /** One call per transition: sets vipd_state and counts become/release master. */
  transition(group: string, from: Role, to: Role): void {
    if (from === to) return;
    this.transitions.inc({ group, from, to });
    if (to === 'MASTER') this.becomeMaster.inc({ group });
    if (from === 'MASTER') this.releaseMaster.inc({ group });
    this.setState(group, to);
  }

  setPriority(group: string, base: number, effective: number): void {
    this.priority.set({ group }, base);
    this.effectivePriority.set({ group }, effective);
  }

  advertSent(group: string): void {
    this.advertsSent.inc({ group });
  }

  advertReceived(group: string): void {
    this.advertsReceived.inc({ group });
  }

  /** Unknown reasons fold into 'other': a packet must never mint a label value. */
  heartbeatRejected(reason: string): void {
    this.heartbeatsRejected.inc({ reason: this.knownReasons.has(reason) ? reason : OTHER_REASON });
  }

  peerSeen(group: string, peer: string, unixSeconds: number): void {
    this.rememberPeer(group, peer);
    this.peerLastSeen.set({ group, peer }, unixSeconds);
  }

  failover(group: string, phases: FailoverPhaseTimings): void {
    if (phases.detectionMs !== null) this.failoverDetection.observe({ group }, phases.detectionMs / 1000);
    this.failoverCloudAcquire.observe({ group }, phases.cloudMs / 1000);
    this.failoverOsConfigure.observe({ group }, phases.osMs / 1000);
    if (phases.totalMs !== null) this.failoverTotal.observe({ group }, phases.totalMs / 1000);
  }

  osRepairs(group: string, count: number): void {
    if (count > 0) this.osRepairsTotal.inc({ group }, count);
  }

  cloudAssignmentMatch(group: string, match: boolean): void {
    this.cloudAssignmentMatchGauge.set({ group }, match ? 1 : 0);
  }

  splitBrainSuspected(group: string, suspected: boolean): void {
    this.splitBrainSuspectedGauge.set({ group }, suspected ? 1 : 0);
  }

  /** The group's trackers as they are now: series of trackers no longer configured are removed. */
  setTrackers(group: string, trackers: ReadonlyArray<{ readonly name: string; readonly up: boolean }>): void {
    const previous = this.trackersByGroup.get(group) ?? new Set<string>();
    const names = new Set(trackers.map((t) => t.name));
    for (const old of previous) if (!names.has(old)) this.trackerUpGauge.remove({ group, tracker: old });
    for (const t of trackers) this.trackerUpGauge.set({ group, tracker: t.name }, t.up ? 1 : 0);
    this.trackersByGroup.set(group, names);
  }

  eventLoopLag(seconds: number): void {
    this.eventLoopLagSeconds.observe(Math.max(0, seconds));
  }

  hookFailed(group: string): void {
    this.hookFailures.inc({ group });
  }

  /** One attempt of a cloud operation; `outcome` from cloudOutcome(error). */
  cloudRequest(operation: CloudOperation, outcome: CloudOutcome, seconds: number): void {
    this.cloudRequests.inc({ provider: this.provider, operation, outcome });
    this.cloudRequestDuration.observe({ provider: this.provider, operation }, Math.max(0, seconds));
  }

  /** The Prometheus text exposition (for /metrics and tests). */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  private rememberPeer(group: string, peer: string): void {
    let names = this.peersByGroup.get(group);
    if (names === undefined) this.peersByGroup.set(group, (names = new Set()));
    names.add(peer);
  }
}
