import { isDeepStrictEqual } from 'node:util';
import type { GroupConfig, VipdConfig } from '../config/types';
import type { PeerAdvert, Role } from '../election/types';
import { masterDownMs } from '../election/timing';
import { VipdError, asVipdError } from '../errors';
import type { VipOwner } from '../owner/types';
import type { MonotonicClock } from '../util/clock';
import type { Logger } from '../util/logger';
import type { Timers } from '../util/timers';
import { GroupRunner, type GroupStatus } from './group-runner';
import type { AdvertSender, HookQueue, RuntimeMetrics, TrackerSetFactory } from './ports';
import { TickLoop, type TickLoopOptions } from './tick-loop';

/** The heartbeat service as the daemon uses it (heartbeat/service.ts implements it). */
export interface HeartbeatPort extends AdvertSender {
  start(): Promise<void>;
  updateGroups(groups: readonly GroupConfig[]): void;
  /** Re-reads heartbeat.keyFile / nextKeyFile of this config (key rotation); throws VIPD_E_KEY_FILE and keeps the old keys. */
  updateKeys(config: VipdConfig): void;
  close(): Promise<void>;
}

export interface HeartbeatHandlers {
  onAdvert(groupId: number, advert: PeerAdvert): void;
  onReject(reason: string, from: { address: string; port: number }): void;
  /** The host of a peer of this group refused a probe of its heartbeat port. */
  onRefused(groupId: number, peerId: string): void;
}

export interface DaemonDeps {
  readonly clock: MonotonicClock;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly owner: VipOwner;
  readonly heartbeat: (config: VipdConfig, handlers: HeartbeatHandlers) => HeartbeatPort;
  readonly hooks: HookQueue;
  readonly trackers: TrackerSetFactory;
  readonly metrics: RuntimeMetrics;
  readonly wallSeconds: () => number;
  readonly ownerFaultHoldMs?: number;
  /** After every role change of any group: this node's role per group, in configuration order (systemd's STATUS=). */
  readonly rolesChanged?: (roles: ReadonlyArray<{ readonly group: string; readonly role: Role }>) => void;
}

/** Bumped when a field changes meaning or goes away (additions keep it). */
export const STATUS_SCHEMA_VERSION = 2;

/**
 * What `vipd status --json`, `/status` and the SIGUSR1 dump show. Times
 * ending in `At`/`Ms` are monotonic milliseconds (comparable with each other
 * only); `now`, `startedAt` and the ISO fields are wall-clock.
 */
export interface DaemonStatus {
  readonly schemaVersion: number;
  /** Wall-clock time (ISO 8601) of this snapshot. */
  readonly now: string;
  readonly startedAt: string;
  readonly nodeId: string;
  readonly provider: string;
  readonly startedAtMonotonicMs: number;
  readonly uptimeMs: number;
  readonly lastStall: { readonly atMs: number; readonly at: string; readonly stalledMs: number } | null;
  readonly eventLoopLagMs: number;
  readonly maintenance: boolean;
  readonly groups: readonly GroupStatus[];
}

/**
 * One vipd process: the heartbeat endpoint, a GroupRunner per group and the
 * tick loop that drives them. Start order matters: orphans from a previous
 * run are cleaned before any election result can acquire.
 */
export class Daemon {
  private config: VipdConfig;
  private readonly runners = new Map<number, GroupRunner>();
  private heartbeat: HeartbeatPort | null = null;
  private readonly loop: TickLoop;
  private readonly log: Logger;
  private startedAt = 0;
  /** Wall-clock start (ISO), read once: derived again per call it would jitter by a millisecond between two reads. */
  private startedAtWall = '';
  private lastStall: { atMs: number; stalledMs: number } | null = null;
  private lagMs = 0;
  private maintenance = false;
  private stopping: Promise<void> | null = null;
  /** Reloads and the stop, in order. */
  private serial: Promise<void> = Promise.resolve();

  constructor(
    config: VipdConfig,
    private readonly deps: DaemonDeps,
  ) {
    this.config = config;
    this.log = deps.logger.child({ component: 'runtime' });
    this.loop = new TickLoop(deps.clock, deps.timers, loopOptions(config), {
      tick: (now) => {
        for (const r of this.runners.values()) r.tick(now);
      },
      stall: (now, stalledMs) => {
        this.lastStall = { atMs: now, stalledMs };
        this.log.warn({ stalledMs }, 'event loop stalled longer than the down interval; re-checking before acting as master');
        for (const r of this.runners.values()) r.noteStall(now, stalledMs);
      },
      lag: (lagMs) => {
        this.lagMs = lagMs;
        this.deps.metrics.eventLoopLag(lagMs / 1000);
      },
      nextDeadline: () => {
        let next: number | null = null;
        for (const r of this.runners.values()) {
          const d = r.nextDeadline();
          if (d !== null && (next === null || d < next)) next = d;
        }
        return next;
      },
    });
  }

  async start(): Promise<void> {
    this.startedAt = this.deps.clock.nowMs();
    this.startedAtWall = new Date(this.deps.wallSeconds() * 1000).toISOString();
    await this.deps.owner.cleanup(this.config.groups);
    this.heartbeat = this.deps.heartbeat(this.config, {
      onAdvert: (groupId, advert) => this.onAdvert(groupId, advert),
      onReject: (reason, from) => {
        this.deps.metrics.heartbeatRejected(reason);
        this.log.debug({ reason, from }, 'heartbeat rejected');
      },
      onRefused: (groupId, peerId) => this.onRefused(groupId, peerId),
    });
    await this.heartbeat.start();
    const now = this.deps.clock.nowMs();
    for (const g of this.config.groups) this.startGroup(g, now);
    this.loop.start();
    this.log.info({ nodeId: this.config.node.id, groups: this.config.groups.map((g) => g.name) }, 'vipd started');
  }

  /**
   * SIGHUP: groups whose config is unchanged keep their state and VIPs.
   * Reloads and the stop run one at a time: a second SIGHUP must not delete
   * the runner the first one just started, nor a reload start a group that
   * the stop in progress will never stop.
   */
  reload(next: VipdConfig): Promise<void> {
    if (this.stopping) return Promise.reject(new VipdError('VIPD_E_CONFIG', 'vipd is stopping: reload ignored'));
    const run = this.serial.then(() => {
      if (this.stopping) throw new VipdError('VIPD_E_CONFIG', 'vipd is stopping: reload ignored');
      return this.doReload(next);
    });
    this.serial = run.catch(() => undefined);
    return run;
  }

  private async doReload(next: VipdConfig): Promise<void> {
    if (next.node.id !== this.config.node.id) {
      throw new VipdError('VIPD_E_CONFIG', `node.id cannot change on reload (${this.config.node.id} -> ${next.node.id}); restart instead`);
    }
    // Keys first, and all or nothing: a key file that cannot be read refuses the whole reload.
    this.heartbeat?.updateKeys(next);
    const { keyFile: _k, nextKeyFile: _n, ...socketNow } = this.config.heartbeat;
    const { keyFile: _k2, nextKeyFile: _n2, ...socketNext } = next.heartbeat;
    if (!isDeepStrictEqual(socketNext, socketNow) || !isDeepStrictEqual(next.provider, this.config.provider) || !isDeepStrictEqual(next.os, this.config.os)) {
      this.log.warn('heartbeat address/port, provider or os settings changed: they take effect on restart only');
    }
    const nextById = new Map(next.groups.map((g) => [g.id, g]));
    const failures: string[] = [];
    for (const [id, runner] of [...this.runners]) {
      const wanted = nextById.get(id);
      if (wanted && isDeepStrictEqual(wanted, runner.config)) continue;
      // The clock is read per group: the loop ticks the other cores while a stop awaits its release,
      // and a core refuses a time earlier than the last it saw.
      try {
        if (wanted && sameMembership(wanted, runner.config)) {
          runner.reconfigure(wanted, this.deps.clock.nowMs());
          continue;
        }
        this.log.info({ group: runner.config.name }, wanted ? 'group changed: restarting its election' : 'group removed: resigning and releasing');
        await runner.stop(this.deps.clock.nowMs());
        this.runners.delete(id);
        // Always: a group restarted with other peers must not keep the series of a removed peer
        // (its last-seen gauge would freeze and fire VipdPeerSilent until a restart).
        this.deps.metrics.removeGroup(runner.config.name);
      } catch (e) {
        const err = asVipdError(e);
        failures.push(`${runner.config.name}: ${err.message}`);
        this.log.error({ group: runner.config.name, err }, 'reload: could not apply the change to this group');
      }
    }
    this.config = next;
    this.heartbeat?.updateGroups(next.groups);
    // Whatever failed above, every wanted group that has no runner gets one: a reload must never leave a group unserved.
    for (const g of next.groups) {
      if (this.runners.has(g.id)) continue;
      this.deps.metrics.addGroup(
        g.name,
        g.peers.map((p) => p.id),
        { id: g.id, interface: g.interface, vips: g.vips.map((v) => v.address) },
      );
      this.startGroup(g, this.deps.clock.nowMs());
    }
    this.loop.reconfigure(loopOptions(next));
    if (failures.length > 0) {
      throw new VipdError('VIPD_E_INTERNAL', `configuration reloaded except for: ${failures.join('; ')}`, { details: { failures } });
    }
    this.log.info({ groups: next.groups.map((g) => g.name) }, 'configuration reloaded');
  }

  /** The configuration in force (the last reload's, also when it applied only in part). */
  get configuration(): VipdConfig {
    return this.config;
  }

  /** SIGTERM: resign every group (peers take over after skew only), release, close. */
  stop(): Promise<void> {
    // After any reload in progress, so that no group it starts escapes the stop.
    if (!this.stopping) this.stopping = this.serial.then(() => this.doStop());
    return this.stopping;
  }

  setMaintenance(on: boolean): void {
    this.maintenance = on;
    this.deps.metrics.maintenance(on);
    const now = this.deps.clock.nowMs();
    for (const r of this.runners.values()) r.setMaintenance(on, now);
    this.log.warn({ maintenance: on }, on ? 'maintenance on: this node will not hold any VIP' : 'maintenance off');
  }

  /**
   * Resigns the named group (or every group) this node is MASTER of, but only
   * when a live peer would take each over (`to`: that peer and no other);
   * otherwise nothing resigns and VIPD_E_SWITCHOVER_REFUSED says why. `force`
   * resigns anyway (the node takes the VIPs back after a down interval if
   * nobody claims).
   */
  switchover(groupName: string | null, opts: { to?: string | null; force?: boolean } = {}): string[] {
    if (groupName !== null && ![...this.runners.values()].some((r) => r.config.name === groupName)) {
      throw new VipdError('VIPD_E_CONFIG', `no group named ${groupName}`);
    }
    const now = this.deps.clock.nowMs();
    const masters = [...this.runners.values()].filter((r) => (groupName === null || r.config.name === groupName) && r.role === 'MASTER');
    const refusals = masters.flatMap((r) => {
      const verdict = r.successor(now, opts.to ?? null);
      return verdict.ok ? [] : [{ group: r.config.name, reason: verdict.reason, wouldTakeOver: verdict.wouldTakeOver }];
    });
    if (refusals.length > 0 && opts.force !== true) {
      throw new VipdError(
        'VIPD_E_SWITCHOVER_REFUSED',
        `switchover refused, nothing resigned: ${refusals.map((r) => `${r.group}: ${r.reason}`).join('; ')} (--force resigns anyway)`,
        {
          details: { refusals },
        },
      );
    }
    if (refusals.length > 0) this.log.warn({ refusals }, 'switchover forced although no peer would take over as asked');
    for (const r of masters) r.resign(now);
    return masters.map((r) => r.config.name);
  }

  status(): DaemonStatus {
    const now = this.deps.clock.nowMs();
    const wallMs = this.deps.wallSeconds() * 1000;
    const iso = (at: number): string => new Date(wallMs - (now - at)).toISOString();
    return {
      schemaVersion: STATUS_SCHEMA_VERSION,
      now: new Date(wallMs).toISOString(),
      startedAt: this.startedAtWall,
      nodeId: this.config.node.id,
      provider: this.config.provider.type,
      startedAtMonotonicMs: this.startedAt,
      uptimeMs: now - this.startedAt,
      lastStall: this.lastStall === null ? null : { ...this.lastStall, at: iso(this.lastStall.atMs) },
      eventLoopLagMs: this.lagMs,
      maintenance: this.maintenance,
      groups: [...this.runners.values()].map((r) => r.status(now)),
    };
  }

  /** This node's role in each group, in configuration order. */
  roles(): Array<{ group: string; role: Role }> {
    const out: Array<{ group: string; role: Role }> = [];
    for (const g of this.config.groups) {
      const r = this.runners.get(g.id);
      if (r) out.push({ group: g.name, role: r.role });
    }
    return out;
  }

  /** True while the tick loop runs on time: for /healthz and the systemd watchdog. */
  healthy(): boolean {
    const last = this.loop.lastTick;
    if (last === null || this.stopping) return false;
    return this.deps.clock.nowMs() - last < Math.max(1000, loopOptions(this.config).stallThresholdMs);
  }

  private startGroup(group: GroupConfig, now: number): void {
    const heartbeat = this.heartbeat;
    if (!heartbeat) throw new VipdError('VIPD_E_INTERNAL', 'heartbeat not started');
    const runner = new GroupRunner(group, {
      nodeId: this.config.node.id,
      clock: this.deps.clock,
      timers: this.deps.timers,
      logger: this.deps.logger.child({ component: 'group' }),
      owner: this.deps.owner,
      sender: heartbeat,
      hooks: this.deps.hooks,
      metrics: this.deps.metrics,
      trackers: this.deps.trackers,
      ownership: {
        acquireDeadlineMs: this.config.provider.acquireDeadlineMs,
        reconcileIntervalMs: Math.min(this.config.os.reconcileIntervalMs, this.config.provider.verifyIntervalMs),
        retryDelayMs: 1000,
      },
      ownerFaultHoldMs: this.deps.ownerFaultHoldMs ?? this.config.provider.faultHoldMs,
      wallSeconds: this.deps.wallSeconds,
      roleChanged: () => this.deps.rolesChanged?.(this.roles()),
      reannounceMinIntervalMs: this.config.os.reannounce.minIntervalMs,
    });
    this.runners.set(group.id, runner);
    if (this.maintenance) runner.setMaintenance(true, now);
    runner.start(now);
  }

  private onAdvert(groupId: number, advert: PeerAdvert): void {
    const runner = this.runners.get(groupId);
    if (!runner) return; // the heartbeat layer already rejects unknown groups; a reload can race it
    const now = this.deps.clock.nowMs();
    this.loop.checkStall(now);
    runner.onAdvert(advert, now);
    this.loop.poke();
  }

  private onRefused(groupId: number, peerId: string): void {
    const runner = this.runners.get(groupId);
    if (!runner) return;
    const now = this.deps.clock.nowMs();
    this.loop.checkStall(now);
    runner.onPeerRefused(peerId, now);
    this.loop.poke();
  }

  private async doStop(): Promise<void> {
    this.log.info('stopping: resigning and releasing VIPs');
    const now = this.deps.clock.nowMs();
    await Promise.all([...this.runners.values()].map((r) => r.stop(now)));
    this.loop.stop();
    await this.deps.hooks.idle();
    await this.heartbeat?.close();
    this.deps.owner.close?.();
    this.log.info('stopped');
  }
}

/** Same name, VIPs, peers and interface: the group can be reconfigured in place. */
function sameMembership(a: GroupConfig, b: GroupConfig): boolean {
  return a.name === b.name && a.interface === b.interface && isDeepStrictEqual(a.vips, b.vips) && isDeepStrictEqual(a.peers, b.peers);
}

function loopOptions(config: VipdConfig): TickLoopOptions {
  const intervals = config.groups.map((g) => g.intervalMs);
  const minInterval = intervals.length ? Math.min(...intervals) : 1000;
  const minDown = config.groups.length ? Math.min(...config.groups.map((g) => masterDownMs(g.priority, g.intervalMs, g.deadAfter))) : 3000;
  return {
    // Ticks come at each core deadline; this is only the longest sleep, so how often lag is
    // sampled while no deadline is near. One interval keeps the gap between ticks far below the
    // stall threshold (a master-down interval, over three), so a stall is still told from a tick
    // gap; a shorter period only woke an idle daemon for nothing (20 times a second at 1 s adverts).
    periodMs: Math.min(1000, Math.max(5, minInterval)),
    stallThresholdMs: minDown,
  };
}
