import { ElectionCore } from '../../../src/election/core';
import { outranks } from '../../../src/election/rank';
import type { AnnounceReason, ElectionEvent, ElectionOutput, OutgoingAdvert, PeerAdvert, Role, TransitionReason } from '../../../src/election/types';
import { EventQueue } from './event-queue';
import { PERFECT_LINK, SimNetwork, type LinkProfile } from './network';
import { seededRandom } from '../../support/prng';

export interface MemberSpec {
  readonly id: string;
  readonly priority: number;
  readonly preempt?: boolean;
  readonly preemptDelayMs?: number;
  /** Applied right after every start, as the runtime does for a node in maintenance. */
  readonly maintenance?: boolean;
}

export interface GroupSpec {
  readonly name: string;
  readonly intervalMs: number;
  readonly deadAfter: number;
  readonly members: readonly MemberSpec[];
}

/** How the simulated shell drives the cloud, modelled on runtime/ownership.ts. */
export interface CloudSpec {
  readonly acquireMinMs: number;
  readonly acquireMaxMs: number;
  /** Period of verify while active (the runtime's reconcileIntervalMs). */
  readonly verifyEveryMs: number;
}

export interface ClusterSpec {
  readonly groups: readonly GroupSpec[];
  readonly tickMs: number;
  /** The cores' rate limit on re-announcements; the core's default when left out. */
  readonly reannounceMinIntervalMs?: number;
  readonly seed: number;
  readonly link?: LinkProfile;
  readonly cloud?: CloudSpec;
  /** Cores probe their master and act on refusals (groups[].claimOnRefusal). */
  readonly claimOnRefusal?: boolean;
}

export interface RefusalRecord {
  readonly at: number;
  /** The node whose probe was refused. */
  readonly node: string;
  readonly group: string;
  readonly peer: string;
}

export interface TransitionRecord {
  readonly at: number;
  readonly node: string;
  readonly group: string;
  readonly from: Role;
  readonly to: Role;
  readonly reason: TransitionReason;
  readonly peer: string | undefined;
}

export interface EventRecord {
  readonly at: number;
  readonly node: string;
  readonly group: string;
  readonly event: ElectionEvent;
}

export interface AnnounceRecord {
  readonly at: number;
  readonly node: string;
  readonly group: string;
  readonly reason: AnnounceReason;
  readonly peer: string | undefined;
  /** The core's role when the shell executed it (it must be MASTER). */
  readonly role: Role;
}

export interface SendRecord {
  readonly at: number;
  readonly node: string;
  readonly group: string;
  readonly advert: OutgoingAdvert;
}

type Item =
  | { kind: 'deliver'; to: string; group: string; advert: PeerAdvert; epoch: number; seq: number }
  | { kind: 'tick'; node: string; epoch: number }
  | { kind: 'probe'; from: string; to: string; group: string }
  | { kind: 'refused'; to: string; group: string; peer: string }
  | { kind: 'resume'; node: string; epoch: number }
  | { kind: 'acquire-landed'; node: string; group: string; epoch: number }
  | { kind: 'verify'; node: string; group: string; epoch: number };

interface ShellState {
  desired: 'active' | 'inactive';
  applied: 'active' | 'inactive' | 'unknown';
  acquireInFlight: boolean;
}

interface SimNode {
  readonly id: string;
  alive: boolean;
  /** The host is up (its kernel answers probes with port unreachable when the daemon is not alive). */
  hostUp: boolean;
  /** A firewall REJECT rule on its heartbeat port: probes are refused even while the daemon lives. */
  rejecting: boolean;
  /** Bumped on crash/stop/restart/pause so events scheduled for a former life are ignored. */
  epoch: number;
  cores: Map<string, ElectionCore>;
  shells: Map<string, ShellState>;
  pausedSince: number | null;
  /** Items that reached the node while paused, replayed in order after noteStall. */
  inbox: Item[];
  /** Sequence number of this node's next datagram (one counter for all groups, like heartbeat/). */
  nextSeq: number;
  /** Per (group, sender): newest (epoch, seq) accepted, as heartbeat's replay guard keeps it. */
  accepted: Map<string, { epoch: number; seq: number }>;
  readonly tickPhase: number;
}

/**
 * A deterministic discrete-event cluster: N nodes, one ElectionCore per
 * (node, group), a simulated clock, a lossy network and optionally a cloud
 * holding each group's VIP. Everything random comes from one seed.
 */
export class SimCluster {
  private clock = 0;
  private readonly queue = new EventQueue<Item>();
  readonly network: SimNetwork;
  private readonly random: () => number;
  private readonly nodes = new Map<string, SimNode>();
  private readonly groups = new Map<string, GroupSpec>();
  readonly transitions: TransitionRecord[] = [];
  readonly events: EventRecord[] = [];
  readonly sends: SendRecord[] = [];
  readonly refusals: RefusalRecord[] = [];
  private readonly holders = new Map<string, string | null>();
  readonly holderChanges: Array<{ at: number; group: string; holder: string }> = [];
  readonly announces: AnnounceRecord[] = [];
  /**
   * Plain L2: per group, the node whose gratuitous ARP the link followed last
   * (a client's or router's neighbour entry). Taking the group announces (the
   * acquire's burst), and so does every `announce` output; stepping down
   * announces nothing, so the entry stays where the last announcer left it.
   */
  private readonly linkOwners = new Map<string, string | null>();

  constructor(private readonly spec: ClusterSpec) {
    this.random = seededRandom(spec.seed);
    this.network = new SimNetwork(seededRandom(spec.seed ^ 0x5eed), spec.link ?? PERFECT_LINK);
    for (const g of spec.groups) {
      this.groups.set(g.name, g);
      this.holders.set(g.name, null);
      for (const m of g.members) {
        if (!this.nodes.has(m.id)) {
          this.nodes.set(m.id, {
            id: m.id,
            alive: false,
            hostUp: false,
            rejecting: false,
            epoch: 0,
            cores: new Map(),
            shells: new Map(),
            pausedSince: null,
            inbox: [],
            nextSeq: 0,
            accepted: new Map(),
            tickPhase: Math.floor(this.random() * spec.tickMs),
          });
        }
      }
    }
  }

  get now(): number {
    return this.clock;
  }

  get nodeIds(): string[] {
    return [...this.nodes.keys()];
  }

  groupsOf(id: string): string[] {
    return [...this.groups.values()].filter((g) => g.members.some((m) => m.id === id)).map((g) => g.name);
  }

  groupSpec(group: string): GroupSpec {
    const g = this.groups.get(group);
    if (!g) throw new Error(`no group ${group}`);
    return g;
  }

  // --- lifecycle ---------------------------------------------------------------

  startAll(): void {
    for (const id of this.nodes.keys()) this.start(id);
  }

  start(id: string): void {
    const node = this.node(id);
    if (node.alive) throw new Error(`${id} already running`);
    node.alive = true;
    node.hostUp = true;
    node.epoch++;
    node.pausedSince = null;
    node.inbox = [];
    node.accepted = new Map();
    node.cores = new Map();
    node.shells = new Map();
    for (const g of this.groups.values()) {
      const me = g.members.find((m) => m.id === id);
      if (!me) continue;
      const core = new ElectionCore({
        nodeId: id,
        peers: g.members.filter((m) => m.id !== id).map((m) => m.id),
        priority: me.priority,
        preempt: me.preempt ?? true,
        preemptDelayMs: me.preemptDelayMs ?? 0,
        intervalMs: g.intervalMs,
        deadAfter: g.deadAfter,
        claimOnRefusal: this.spec.claimOnRefusal ?? false,
        ...(this.spec.reannounceMinIntervalMs === undefined ? {} : { reannounceMinIntervalMs: this.spec.reannounceMinIntervalMs }),
      });
      node.cores.set(g.name, core);
      node.shells.set(g.name, { desired: 'inactive', applied: 'inactive', acquireInFlight: false });
      core.start(this.clock);
      if (me.maintenance) core.setMaintenance(true, this.clock);
      this.flush(node, g.name);
    }
    this.scheduleTick(node, this.clock + node.tickPhase);
  }

  /** The node dies; with `hostUp` only its daemon does (kill -9), and its kernel refuses probes. */
  crash(id: string, opts: { hostUp?: boolean } = {}): void {
    const node = this.node(id);
    node.alive = false;
    node.hostUp = opts.hostUp ?? false;
    node.epoch++;
  }

  /** A firewall REJECT rule on the node's heartbeat port (probes refused while its daemon lives). */
  setRejecting(id: string, on: boolean): void {
    this.node(id).rejecting = on;
  }

  /** Graceful stop: each core resigns (priority 0 goes out), then the node is gone. */
  stop(id: string): void {
    const node = this.node(id);
    if (!node.alive) return;
    for (const [group, core] of node.cores) {
      core.stop(this.clock);
      this.flush(node, group);
    }
    node.alive = false;
    node.epoch++;
  }

  /** The node's event loop freezes (VM pause, GC, SIGSTOP) for `ms`; whatever arrives waits in its inbox. */
  pause(id: string, ms: number): void {
    const node = this.node(id);
    if (!node.alive || node.pausedSince !== null) return;
    node.pausedSince = this.clock;
    node.epoch++;
    this.queue.push(this.clock + ms, { kind: 'resume', node: id, epoch: node.epoch });
  }

  isAlive(id: string): boolean {
    return this.node(id).alive;
  }

  /** Run an admin/health input against one core at the current time, then act on its outputs. */
  input(id: string, group: string, fn: (core: ElectionCore, now: number) => void): void {
    const node = this.node(id);
    const core = node.cores.get(group);
    if (!node.alive || !core) throw new Error(`${id} has no running core for ${group}`);
    fn(core, this.clock);
    this.flush(node, group);
  }

  // --- time ----------------------------------------------------------------------

  runFor(ms: number): void {
    this.runUntil(this.clock + ms);
  }

  runUntil(t: number): void {
    for (;;) {
      const next = this.queue.peekAt();
      if (next === null || next > t) break;
      const ev = this.queue.pop();
      if (!ev) break;
      this.clock = Math.max(this.clock, ev.at);
      this.handle(ev.item);
    }
    this.clock = Math.max(this.clock, t);
  }

  /** Runs until pred holds (checked after every event) or the deadline passes; returns the time it held, or null. */
  runUntilTrue(pred: () => boolean, deadline: number): number | null {
    if (pred()) return this.clock;
    for (;;) {
      const next = this.queue.peekAt();
      if (next === null || next > deadline) {
        this.clock = Math.max(this.clock, deadline);
        return pred() ? this.clock : null;
      }
      const ev = this.queue.pop();
      if (!ev) return null;
      this.clock = Math.max(this.clock, ev.at);
      this.handle(ev.item);
      if (pred()) return this.clock;
    }
  }

  // --- observation -------------------------------------------------------------

  role(id: string, group: string): Role | null {
    const node = this.node(id);
    if (!node.alive) return null;
    return node.cores.get(group)?.role ?? null;
  }

  masters(group: string): string[] {
    return this.groupSpec(group)
      .members.map((m) => m.id)
      .filter((id) => this.role(id, group) === 'MASTER');
  }

  effectivePriority(id: string, group: string): number {
    const core = this.node(id).cores.get(group);
    if (!core) throw new Error(`${id} has no core for ${group}`);
    return core.status(this.clock).effectivePriority;
  }

  /** The member that should win: live, eligible, highest effective priority, tie-break on id. */
  expectedWinner(group: string, eligible: (id: string) => boolean = () => true): string | null {
    let top: { id: string; priority: number } | null = null;
    for (const m of this.groupSpec(group).members) {
      if (!this.isAlive(m.id) || !eligible(m.id)) continue;
      const cand = { id: m.id, priority: this.effectivePriority(m.id, group) };
      if (top === null || outranks(cand, top)) top = cand;
    }
    return top?.id ?? null;
  }

  /** Where the link sends the group's VIP traffic (plain L2 model), null before anyone announced. */
  linkOwner(group: string): string | null {
    return this.linkOwners.get(group) ?? null;
  }

  cloudHolder(group: string): string | null {
    return this.holders.get(group) ?? null;
  }

  /** Force the cloud record (e.g. a VIP held before the cluster started). */
  setCloudHolder(group: string, holder: string | null): void {
    this.holders.set(group, holder);
  }

  transitionsSince(t: number, group?: string): TransitionRecord[] {
    return this.transitions.filter((r) => r.at >= t && (group === undefined || r.group === group));
  }

  // --- internals -----------------------------------------------------------------

  private node(id: string): SimNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  private scheduleTick(node: SimNode, at: number): void {
    this.queue.push(at, { kind: 'tick', node: node.id, epoch: node.epoch });
  }

  private handle(item: Item): void {
    switch (item.kind) {
      case 'deliver':
        this.deliver(item);
        return;
      case 'tick': {
        const node = this.node(item.node);
        if (!node.alive || node.epoch !== item.epoch) return;
        for (const [group, core] of node.cores) {
          core.tick(this.clock);
          this.flush(node, group);
        }
        this.scheduleTick(node, this.clock + this.spec.tickMs);
        return;
      }
      case 'resume':
        this.resume(item.node, item.epoch);
        return;
      case 'probe': {
        const target = this.node(item.to);
        if (!target.hostUp || !this.network.canDeliver(item.from, item.to)) return;
        if (target.alive && !target.rejecting) return;
        // Like an advert, the ICMP reaches whatever runs on the prober's host when it lands.
        for (const delay of this.network.plan()) this.queue.push(this.clock + delay, { kind: 'refused', to: item.from, group: item.group, peer: item.to });
        return;
      }
      case 'refused':
        this.refused(item);
        return;
      case 'acquire-landed':
        this.acquireLanded(item);
        return;
      case 'verify':
        this.verify(item);
        return;
    }
  }

  private deliver(item: Extract<Item, { kind: 'deliver' }>): void {
    const node = this.node(item.to);
    if (!node.alive) return;
    if (!this.network.canDeliver(item.advert.from, item.to)) return;
    // The replay guard: only a newer (epoch, seq) passes, so UDP reordering and
    // duplication reach the core as loss, never as an older advert after a newer one.
    const key = `${item.group}/${item.advert.from}`;
    const last = node.accepted.get(key);
    if (last !== undefined && (item.epoch < last.epoch || (item.epoch === last.epoch && item.seq <= last.seq))) return;
    node.accepted.set(key, { epoch: item.epoch, seq: item.seq });
    if (node.pausedSince !== null) {
      node.inbox.push(item);
      return;
    }
    const core = node.cores.get(item.group);
    if (!core) return;
    core.step(item.advert, this.clock);
    this.flush(node, item.group);
  }

  private refused(item: Extract<Item, { kind: 'refused' }>): void {
    const node = this.node(item.to);
    if (!node.alive) return;
    if (node.pausedSince !== null) {
      node.inbox.push(item);
      return;
    }
    const core = node.cores.get(item.group);
    if (!core) return;
    this.refusals.push({ at: this.clock, node: node.id, group: item.group, peer: item.peer });
    core.peerRefused(item.peer, this.clock);
    this.flush(node, item.group);
  }

  private resume(id: string, epoch: number): void {
    const node = this.node(id);
    if (!node.alive || node.epoch !== epoch || node.pausedSince === null) return;
    const stalled = this.clock - node.pausedSince;
    node.pausedSince = null;
    node.epoch++;
    // The shell's order after a stall: tell each core first, then feed what queued up, then tick.
    for (const [group, core] of node.cores) {
      core.noteStall(this.clock, stalled);
      this.flush(node, group);
    }
    const inbox = node.inbox;
    node.inbox = [];
    for (const item of inbox) {
      if (item.kind === 'refused') {
        this.refused(item);
      } else if (item.kind === 'deliver') {
        const core = node.cores.get(item.group);
        if (!core) continue;
        core.step(item.advert, this.clock);
        this.flush(node, item.group);
      }
    }
    for (const [group, shell] of node.shells) {
      if (shell.desired === 'active' && shell.applied === 'active') this.scheduleVerify(node, group);
    }
    this.scheduleTick(node, this.clock);
  }

  private flush(node: SimNode, group: string): void {
    const core = node.cores.get(group);
    if (!core) return;
    for (const out of core.drain()) this.execute(node, group, out);
  }

  private execute(node: SimNode, group: string, out: ElectionOutput): void {
    switch (out.type) {
      case 'send':
        this.sends.push({ at: this.clock, node: node.id, group, advert: out.advert });
        this.broadcast(node.id, group, out.advert, out.to);
        return;
      case 'transition':
        this.transitions.push({ at: out.at, node: node.id, group, from: out.from, to: out.to, reason: out.reason, peer: out.peer });
        if (out.to === 'MASTER') this.linkOwners.set(group, node.id);
        this.onTransition(node, group, out.to);
        return;
      case 'event':
        this.events.push({ at: out.at, node: node.id, group, event: out.event });
        return;
      case 'probe':
        for (const delay of this.network.plan()) this.queue.push(this.clock + delay, { kind: 'probe', from: node.id, to: out.peer, group });
        return;
      case 'reassert':
        // The simulated cloud has no assignment to repeat.
        return;
      case 'announce':
        this.announces.push({ at: out.at, node: node.id, group, reason: out.reason, peer: out.peer, role: node.cores.get(group)?.role ?? 'STOP' });
        this.linkOwners.set(group, node.id);
        return;
    }
  }

  private broadcast(from: string, group: string, advert: OutgoingAdvert, to?: string): void {
    const peerAdvert: PeerAdvert = { kind: advert.kind, from, priority: advert.priority, role: advert.role, intervalMs: advert.intervalMs };
    const sender = this.node(from);
    const seq = sender.nextSeq++;
    for (const m of this.groupSpec(group).members) {
      if (m.id === from || (to !== undefined && m.id !== to)) continue;
      for (const delay of this.network.plan()) {
        this.queue.push(this.clock + delay, { kind: 'deliver', to: m.id, group, advert: peerAdvert, epoch: sender.epoch, seq });
      }
    }
  }

  // --- cloud shell model (mirrors runtime/ownership.ts: acquire on MASTER, verify while active) ---

  private onTransition(node: SimNode, group: string, to: Role): void {
    if (!this.spec.cloud) return;
    const shell = node.shells.get(group);
    if (!shell) return;
    if (to === 'MASTER') {
      shell.desired = 'active';
      shell.applied = 'unknown';
      this.startAcquire(node, group, shell);
    } else {
      shell.desired = 'inactive';
      shell.applied = 'inactive';
    }
  }

  private startAcquire(node: SimNode, group: string, shell: ShellState): void {
    const cloud = this.spec.cloud;
    if (!cloud || shell.acquireInFlight) return;
    shell.acquireInFlight = true;
    const latency = cloud.acquireMinMs + this.random() * (cloud.acquireMaxMs - cloud.acquireMinMs);
    this.queue.push(this.clock + latency, { kind: 'acquire-landed', node: node.id, group, epoch: node.epoch });
  }

  private acquireLanded(item: Extract<Item, { kind: 'acquire-landed' }>): void {
    // The API call was made: it lands whatever became of the caller since.
    if (this.holders.get(item.group) !== item.node) {
      this.holders.set(item.group, item.node);
      this.holderChanges.push({ at: this.clock, group: item.group, holder: item.node });
    }
    const node = this.node(item.node);
    if (!node.alive || node.epoch !== item.epoch) return;
    const shell = node.shells.get(item.group);
    if (!shell) return;
    shell.acquireInFlight = false;
    if (shell.desired !== 'active') return;
    shell.applied = 'active';
    this.scheduleVerify(node, item.group);
  }

  private scheduleVerify(node: SimNode, group: string): void {
    const cloud = this.spec.cloud;
    if (!cloud) return;
    this.queue.push(this.clock + cloud.verifyEveryMs, { kind: 'verify', node: node.id, group, epoch: node.epoch });
  }

  private verify(item: Extract<Item, { kind: 'verify' }>): void {
    const node = this.node(item.node);
    if (!node.alive || node.epoch !== item.epoch) return;
    const shell = node.shells.get(item.group);
    const core = node.cores.get(item.group);
    if (!shell || !core || shell.desired !== 'active' || shell.applied !== 'active') return;
    const holder = this.holders.get(item.group) ?? null;
    core.observeCloudHolder(holder, this.clock);
    this.flush(node, item.group);
    if (core.role !== 'MASTER') return;
    if (holder !== node.id) {
      // runtime: reconciler.reassert() when the cloud does not show all VIPs here
      shell.applied = 'unknown';
      this.startAcquire(node, item.group, shell);
      return;
    }
    this.scheduleVerify(node, item.group);
  }
}
