// prom-client's classes from their own files: its index also loads the Pushgateway (http, https,
// tls, zlib), the cluster aggregator, Summary (tdigest) and the default process metrics
// (@opentelemetry/api, 51 files), none of which vipd uses with metrics off, at 3-13 MB of RSS per
// daemon (docs/benchmarks.md, Footprint). The default metrics load only when they are collected.
import Counter from 'prom-client/lib/counter';
import Gauge from 'prom-client/lib/gauge';
import Histogram from 'prom-client/lib/histogram';
import Registry from 'prom-client/lib/registry';
import { ACQUISITION_KINDS, type AcquisitionKind } from '../election/acquisition';
import { ANNOUNCE_REASONS } from '../election/reannounce';
import type { AnnounceReason, Role } from '../election/types';
import type { FailoverPhases } from '../runtime/failover';
import {
  CLOUD_ACQUIRE_BUCKETS,
  CLOUD_REQUEST_BUCKETS,
  DETECTION_BUCKETS,
  EVENT_LOOP_LAG_BUCKETS,
  FAILOVER_TOTAL_BUCKETS,
  OS_CONFIGURE_BUCKETS,
} from './buckets';
import { CLOUD_OUTCOMES, type CloudOutcome } from './cloud-outcome';
import { ROLES, STATE_VALUE } from './state-encoding';

export interface VipdMetricsOptions {
  readonly version: string;
  /** Group names from the config: their labelled counters start at 0. */
  readonly groups: readonly string[];
  /** Every reason heartbeat/ may reject a packet for; anything else is counted as 'other'. */
  readonly rejectReasons: readonly string[];
  /** The provider type ('none', 'aws', ...): the provider label of the cloud metrics. */
  readonly provider: string;
  /** The API operations the provider sends (cloud/registry.ts): their request series start at zero. */
  readonly cloudOperations?: readonly string[];
  /** Configured peers per group: their last-seen timestamp starts at 0 (never seen). */
  readonly peers?: Readonly<Record<string, readonly string[]>>;
  /** Per group: its id, interface and VIPs, for vipd_vip_info. */
  readonly groupInfo?: Readonly<Record<string, GroupInfo>>;
  /** false: skip process_* / nodejs_* metrics (a test creating many registries, or metrics.enabled: false: nobody scrapes them). */
  readonly processMetrics?: boolean;
  /** Unix time the running configuration was loaded (start-up): the first last-reload timestamp. */
  readonly configLoadedAt?: number;
}

/**
 * prom-client's gauges named like counters: `promtool check metrics` rejects
 * them, and they are the sums of nodejs_active_handles / _requests /
 * _resources, which stay (sum() gives the same number).
 */
const GAUGES_NAMED_AS_COUNTERS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** What vipd_vip_info says about a group: the labels a keepalived dashboard keys on. */
export interface GroupInfo {
  readonly id: number;
  readonly interface: string;
  readonly vips: readonly string[];
}

/** Period of prom-client's nodejs_eventloop_lag_* sampling timer. */
export const EVENT_LOOP_SAMPLE_MS = 500;

/** How a takeover was decided: the transition reasons into MASTER that follow a lost master, plus 'other'. */
export const DETECTION_REASONS = ['master-down', 'peer-resigned', 'peer-refused', 'preempting', 'other'] as const;

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

  readonly failoverDetection: Histogram<'group' | 'reason'>;
  readonly failoverCloudAcquire: Histogram<'group'>;
  readonly failoverOsConfigure: Histogram<'group'>;
  readonly failoverTotal: Histogram<'group'>;
  readonly acquireDuration: Histogram<'group' | 'kind'>;
  readonly state: Gauge<'group'>;
  readonly becomeMaster: Counter<'group'>;
  readonly releaseMaster: Counter<'group'>;
  readonly transitions: Counter<'group' | 'from' | 'to'>;
  readonly advertsSent: Counter<'group'>;
  readonly advertsReceived: Counter<'group'>;
  readonly heartbeatsRejected: Counter<'reason'>;
  readonly peerLastSeen: Gauge<'group' | 'peer'>;
  readonly peerRefusals: Counter<'group' | 'peer'>;
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
  readonly vipInfo: Gauge<'group' | 'id' | 'interface' | 'vip'>;
  readonly maintenanceGauge: Gauge<string>;
  readonly configLastReloadSuccessful: Gauge<string>;
  readonly configLastReloadSuccessTimestamp: Gauge<string>;
  readonly reannounceTotal: Counter<'group' | 'reason'>;
  readonly lastReannounce: Gauge<'group'>;

  private readonly knownReasons: ReadonlySet<string>;
  /** Label values seen per group, so removeGroup can drop every series of a group. */
  private readonly peersByGroup = new Map<string, Set<string>>();
  private readonly trackersByGroup = new Map<string, Set<string>>();
  private readonly vipLabelsByGroup = new Map<string, Array<{ group: string; id: string; interface: string; vip: string }>>();

  constructor(opts: VipdMetricsOptions) {
    this.registry = new Registry();
    const registers = [this.registry];
    this.provider = opts.provider;

    const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]): Histogram<L> =>
      new Histogram<L>({ name, help, labelNames, buckets, registers });
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> => new Gauge<L>({ name, help, labelNames, registers });
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> =>
      new Counter<L>({ name, help, labelNames, registers });

    this.failoverDetection = histogram(
      'vipd_failover_detection_seconds',
      'Takeover phase 1: last heartbeat heard from the old master until this node decided to take over, by how it decided (reason).',
      ['group', 'reason'],
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
    this.acquireDuration = histogram(
      'vipd_acquire_seconds',
      'Every completed VIP acquisition (cloud and OS), by kind: failover (taken over from another master), initial (no master was lost: start-up, or taking back what this node resigned), reassert (again while MASTER).',
      ['group', 'kind'],
      FAILOVER_TOTAL_BUCKETS,
    );
    this.state = gauge('vipd_state', 'Role of this node in the group: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT, 98 STOP (keepalived encoding).', ['group']);
    this.becomeMaster = counter('vipd_become_master_total', 'Transitions of this node into MASTER.', ['group']);
    this.releaseMaster = counter('vipd_release_master_total', 'Transitions of this node out of MASTER.', ['group']);
    this.transitions = counter('vipd_transitions_total', 'Role transitions of this node, by from and to role.', ['group', 'from', 'to']);
    this.advertsSent = counter('vipd_adverts_sent_total', 'Heartbeat adverts (and resigns) sent, counted once per advert, not per peer.', ['group']);
    this.advertsReceived = counter('vipd_adverts_received_total', 'Authenticated heartbeat adverts accepted from peers.', ['group']);
    this.heartbeatsRejected = counter('vipd_heartbeats_rejected_total', 'Heartbeat packets dropped, by reason (bad signature, replay, unknown peer, ...).', [
      'reason',
    ]);
    this.peerRefusals = counter(
      'vipd_peer_refusals_total',
      "Probes of the peer's heartbeat port its host refused (ICMP port unreachable: no vipd listening, or a firewall REJECT).",
      ['group', 'peer'],
    );
    this.peerLastSeen = gauge('vipd_peer_last_seen_timestamp_seconds', 'Unix time of the last accepted advert from the peer; 0 = never seen since start.', [
      'group',
      'peer',
    ]);
    this.priority = gauge('vipd_priority', 'Configured base priority of this node in the group.', ['group']);
    this.effectivePriority = gauge('vipd_effective_priority', 'Priority this node advertises now (base plus tracker weights; 0 while resigning).', ['group']);
    this.trackerUpGauge = gauge('vipd_tracker_up', '1 when the tracker counts as up (after rise/fall), 0 when down.', ['group', 'tracker']);
    this.cloudRequests = counter('vipd_cloud_requests_total', 'Cloud API operations sent (EC2 actions, REST calls), by outcome; each retry counts again.', [
      'provider',
      'operation',
      'outcome',
    ]);
    this.cloudRequestDuration = histogram(
      'vipd_cloud_request_duration_seconds',
      'Duration of one cloud API operation.',
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
    this.eventLoopLagSeconds = histogram(
      'vipd_event_loop_lag_seconds',
      "How late the runtime's tick ran compared to its schedule.",
      [],
      EVENT_LOOP_LAG_BUCKETS,
    );
    this.buildInfo = gauge('vipd_build_info', 'Always 1; the version label tells which vipd runs.', ['version']);
    this.hookFailures = counter('vipd_hook_failures_total', 'Notify hooks that exited non-zero, timed out or could not start.', ['group']);
    this.reannounceTotal = counter(
      'vipd_reannounce_total',
      'Re-announcements of the VIPs by this MASTER after another node claimed the group, by reason: lower-master, peer-returned, peer-stepped-down, stall, cloud-split.',
      ['group', 'reason'],
    );
    this.lastReannounce = gauge(
      'vipd_last_reannounce_timestamp_seconds',
      'Unix time of the last re-announcement of the group by this node; 0 = none since start.',
      ['group'],
    );

    this.vipInfo = gauge('vipd_vip_info', "Always 1, one series per configured VIP: the group's id and interface (for joins, and keepalived dashboards).", [
      'group',
      'id',
      'interface',
      'vip',
    ]);
    this.maintenanceGauge = gauge(
      'vipd_maintenance',
      '1 while maintenance is on (`vipd maintenance on`): this node holds no VIP and shows effective priority 0.',
      [],
    );
    this.configLastReloadSuccessful = gauge(
      'vipd_config_last_reload_successful',
      '1 when the last configuration reload (SIGHUP) applied in full, 0 when it was rejected or applied in part.',
      [],
    );
    this.configLastReloadSuccessTimestamp = gauge(
      'vipd_config_last_reload_success_timestamp_seconds',
      'Unix time of the last configuration load that applied in full (start-up or SIGHUP).',
      [],
    );

    this.buildInfo.set({ version: opts.version }, 1);
    this.maintenanceGauge.set(0);
    this.configLastReloadSuccessful.set(1);
    this.configLastReloadSuccessTimestamp.set(opts.configLoadedAt ?? 0);
    this.knownReasons = new Set([...opts.rejectReasons, OTHER_REASON]);
    for (const reason of this.knownReasons) this.heartbeatsRejected.inc({ reason }, 0);
    // Provider none makes no cloud call (its operation list is empty): no series that would be zero forever.
    for (const operation of opts.cloudOperations ?? []) {
      this.cloudRequestDuration.zero({ provider: this.provider, operation });
      for (const outcome of CLOUD_OUTCOMES) this.cloudRequests.inc({ provider: this.provider, operation, outcome }, 0);
    }
    for (const group of opts.groups) this.addGroup(group, opts.peers?.[group] ?? [], opts.groupInfo?.[group]);
    // prom-client samples event-loop delay with a timer at this period (default 10 ms: 100 wake-ups a
    // second, most of an idle daemon's CPU); vipd_event_loop_lag_seconds measures the ticks themselves.
    if (opts.processMetrics !== false) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when served (metrics.enabled), at start
      const collectDefaultMetrics = require('prom-client/lib/defaultMetrics') as typeof import('prom-client/lib/defaultMetrics');
      collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
      for (const name of GAUGES_NAMED_AS_COUNTERS) this.registry.removeSingleMetric(name);
    }
  }

  /** Starts a group's series at zero (INIT, counters 0); also used when a reload adds a group. */
  addGroup(group: string, peers: readonly string[] = [], info?: GroupInfo): void {
    this.state.set({ group }, STATE_VALUE.INIT);
    if (info !== undefined) {
      const labels = info.vips.map((vip) => ({ group, id: String(info.id), interface: info.interface, vip }));
      for (const l of labels) this.vipInfo.set(l, 1);
      this.vipLabelsByGroup.set(group, labels);
    }
    this.splitBrainSuspectedGauge.set({ group }, 0);
    this.lastReannounce.set({ group }, 0);
    for (const reason of ANNOUNCE_REASONS) this.reannounceTotal.inc({ group, reason }, 0);
    for (const c of [this.becomeMaster, this.releaseMaster, this.advertsSent, this.advertsReceived, this.osRepairsTotal, this.hookFailures]) {
      c.inc({ group }, 0);
    }
    for (const from of ROLES) {
      for (const to of ROLES) if (from !== to) this.transitions.inc({ group, from, to }, 0);
    }
    for (const h of [this.failoverOsConfigure, this.failoverTotal]) h.zero({ group });
    if (this.provider !== 'none') this.failoverCloudAcquire.zero({ group });
    for (const reason of DETECTION_REASONS) this.failoverDetection.zero({ group, reason });
    for (const kind of ACQUISITION_KINDS) this.acquireDuration.zero({ group, kind });
    for (const peer of peers) {
      this.rememberPeer(group, peer);
      this.peerLastSeen.set({ group, peer }, 0);
      this.peerRefusals.inc({ group, peer }, 0);
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
      this.failoverCloudAcquire,
      this.failoverOsConfigure,
      this.failoverTotal,
      this.lastReannounce,
    ]) {
      m.remove({ group });
    }
    for (const reason of ANNOUNCE_REASONS) this.reannounceTotal.remove({ group, reason });
    for (const from of ROLES) {
      for (const to of ROLES) if (from !== to) this.transitions.remove({ group, from, to });
    }
    for (const kind of ACQUISITION_KINDS) this.acquireDuration.remove({ group, kind });
    for (const reason of DETECTION_REASONS) this.failoverDetection.remove({ group, reason });
    for (const peer of this.peersByGroup.get(group) ?? []) {
      this.peerLastSeen.remove({ group, peer });
      this.peerRefusals.remove({ group, peer });
    }
    for (const tracker of this.trackersByGroup.get(group) ?? []) this.trackerUpGauge.remove({ group, tracker });
    for (const labels of this.vipLabelsByGroup.get(group) ?? []) this.vipInfo.remove(labels);
    this.peersByGroup.delete(group);
    this.trackersByGroup.delete(group);
    this.vipLabelsByGroup.delete(group);
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

  peerRefused(group: string, peer: string): void {
    this.rememberPeer(group, peer);
    this.peerRefusals.inc({ group, peer });
  }

  peerSeen(group: string, peer: string, unixSeconds: number): void {
    this.rememberPeer(group, peer);
    this.peerLastSeen.set({ group, peer }, unixSeconds);
  }

  /** `reason`: the transition reason that made this node MASTER (docs/election.md); anything else folds into 'other'. */
  failover(group: string, phases: FailoverPhases, reason: string): void {
    const label = (DETECTION_REASONS as readonly string[]).includes(reason) ? reason : OTHER_REASON;
    if (phases.detectionMs !== null) this.failoverDetection.observe({ group, reason: label }, phases.detectionMs / 1000);
    // Provider none has no cloud phase: a series of zeros would only blur the per-phase view.
    if (this.provider !== 'none') this.failoverCloudAcquire.observe({ group }, phases.cloudMs / 1000);
    this.failoverOsConfigure.observe({ group }, phases.osMs / 1000);
    if (phases.totalMs !== null) this.failoverTotal.observe({ group }, phases.totalMs / 1000);
  }

  acquired(group: string, kind: AcquisitionKind, ms: number): void {
    this.acquireDuration.observe({ group, kind }, ms / 1000);
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

  maintenance(on: boolean): void {
    this.maintenanceGauge.set(on ? 1 : 0);
  }

  /** A reload that applied in full moves the timestamp; a rejected or partial one only clears the success flag. */
  configReloaded(success: boolean, unixSeconds: number): void {
    this.configLastReloadSuccessful.set(success ? 1 : 0);
    if (success) this.configLastReloadSuccessTimestamp.set(unixSeconds);
  }

  hookFailed(group: string): void {
    this.hookFailures.inc({ group });
  }

  reannounce(group: string, reason: AnnounceReason, unixSeconds: number): void {
    this.reannounceTotal.inc({ group, reason });
    this.lastReannounce.set({ group }, unixSeconds);
  }

  /** One real API operation (EC2 action, REST call) the provider sent; `outcome` from cloudOutcome(error). */
  cloudRequest(operation: string, outcome: CloudOutcome, seconds: number): void {
    this.cloudRequests.inc({ provider: this.provider, operation, outcome });
    this.cloudRequestDuration.observe({ provider: this.provider, operation }, Math.max(0, seconds));
  }

  /** The Prometheus text exposition (for /metrics and tests). */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  /**
   * Every vipd_ counter with its labelled values (SIGUSR2's dump, like
   * keepalived's .stats): the same numbers /metrics shows, as JSON.
   */
  async counters(): Promise<Record<string, Array<{ labels: Record<string, string | number>; value: number }>>> {
    const out: Record<string, Array<{ labels: Record<string, string | number>; value: number }>> = {};
    for (const m of await this.registry.getMetricsAsJSON()) {
      if (String(m.type) !== 'counter' || !m.name.startsWith('vipd_')) continue;
      out[m.name] = m.values.map((v) => ({ labels: { ...v.labels } as Record<string, string | number>, value: v.value }));
    }
    return out;
  }

  private rememberPeer(group: string, peer: string): void {
    let names = this.peersByGroup.get(group);
    if (names === undefined) this.peersByGroup.set(group, (names = new Set()));
    names.add(peer);
  }
}
