import type { MonotonicClock } from '../../src/util/clock';
import type { Logger } from '../../src/util/logger';
import type { Timers, TimerHandle } from '../../src/util/timers';
import type { FabricProgrammer } from './fabric';

/**
 * What the network and the metadata service currently believe, which lags
 * the control plane by the propagation delay (in AWS the remap is
 * asynchronous: the API answers before traffic moves). Each address change
 * is applied after the delay, in order, and then programmed on the fabric.
 */
export interface FabricEvent {
  readonly atMs: number;
  readonly vip: string;
  readonly action: 'route' | 'blackhole';
  readonly via: string | null;
  readonly error: string | null;
}

export interface DataplaneDeps {
  readonly fabric: FabricProgrammer;
  readonly logger: Logger;
  readonly timers: Timers;
  readonly clock: MonotonicClock;
  /** The address traffic for a VIP held by this ENI is routed to (the ENI's primary), or null. */
  readonly nextHopOfEni: (eniId: string) => string | null;
  readonly delayMs: number;
}

const MAX_EVENTS = 10_000;

/**
 * How long each consequence of a change takes: the new holder's metadata
 * listing the address, the old holder's metadata dropping it, and traffic
 * following (the fabric route). In AWS these are separate asynchronous
 * processes; the single propagation delay sets all three alike.
 */
export interface PropagationDelays {
  readonly winnerMetadataMs: number;
  readonly loserMetadataMs: number;
  readonly trafficMs: number;
}

export class Dataplane {
  private delays: PropagationDelays;
  private readonly visible = new Map<string, string | null>();
  private readonly appliedSeq = new Map<string, number>();
  /** What each ENI's metadata lists: "eniId address" present, with the sequence number that decided it. */
  private readonly listed = new Map<string, { present: boolean; seq: number }>();
  /** The control plane's holder per address as last reported (the loser of the next change). */
  private readonly controlHolder = new Map<string, string | null>();
  private seq = 0;
  private readonly pending = new Set<TimerHandle>();
  private queue: Promise<void> = Promise.resolve();
  /** Changes due on the fabric and not yet programmed: the next drain takes them all (last one per VIP). */
  private readonly unprogrammed = new Map<string, string | null>();
  private readonly events: FabricEvent[] = [];

  constructor(private readonly deps: DataplaneDeps) {
    this.delays = { winnerMetadataMs: deps.delayMs, loserMetadataMs: deps.delayMs, trafficMs: deps.delayMs };
  }

  /** The traffic delay (the one delay when all three are alike). */
  get propagationDelayMs(): number {
    return this.delays.trafficMs;
  }

  get propagationDelays(): PropagationDelays {
    return this.delays;
  }

  setDelay(ms: number): void {
    this.delays = { winnerMetadataMs: ms, loserMetadataMs: ms, trafficMs: ms };
  }

  setDelays(delays: PropagationDelays): void {
    this.delays = { ...delays };
  }

  /** Start state: visible at once and programmed, so the fabric matches the cloud from the first packet. */
  init(holders: readonly (readonly [string, string | null])[]): void {
    for (const [address, eniId] of holders) {
      const seq = ++this.seq;
      this.controlHolder.set(address, eniId);
      if (eniId !== null) this.list(eniId, address, true, seq);
      this.apply(address, eniId, seq);
    }
  }

  change(address: string, eniId: string | null): void {
    const seq = ++this.seq;
    const loser = this.controlHolder.get(address) ?? null;
    this.controlHolder.set(address, eniId);
    if (loser !== null && loser !== eniId) this.after(this.delays.loserMetadataMs, () => this.list(loser, address, false, seq));
    if (eniId !== null) this.after(this.delays.winnerMetadataMs, () => this.list(eniId, address, true, seq));
    this.after(this.delays.trafficMs, () => this.apply(address, eniId, seq));
  }

  private after(ms: number, fn: () => void): void {
    if (ms <= 0) {
      fn();
      return;
    }
    const handle = this.deps.timers.setTimeout(() => {
      this.pending.delete(handle);
      fn();
    }, ms);
    this.pending.add(handle);
  }

  private list(eniId: string, address: string, present: boolean, seq: number): void {
    const key = `${eniId} ${address}`;
    // A later change that already landed wins over an older one arriving late.
    if ((this.listed.get(key)?.seq ?? 0) > seq) return;
    this.listed.set(key, { present, seq });
  }

  /** Secondary addresses this ENI's instance metadata lists now (local-ipv4s). */
  visibleOn(eniId: string): string[] {
    const prefix = `${eniId} `;
    return [...this.listed].filter(([key, v]) => v.present && key.startsWith(prefix)).map(([key]) => key.slice(prefix.length));
  }

  /** The ENI the data plane currently sends this address to; null while nobody holds it (or it is untracked). */
  holderOf(address: string): string | null {
    return this.visible.get(address) ?? null;
  }

  view(): Record<string, string | null> {
    return Object.fromEntries(this.visible);
  }

  fabricEvents(): readonly FabricEvent[] {
    return this.events;
  }

  /** Resolves when every fabric change issued so far has finished (tests, shutdown). */
  settled(): Promise<void> {
    return this.queue;
  }

  stop(): void {
    for (const h of this.pending) this.deps.timers.clearTimeout(h);
    this.pending.clear();
  }

  private apply(address: string, eniId: string | null, seq: number): void {
    // A later change that already landed wins over an older one arriving late.
    if ((this.appliedSeq.get(address) ?? 0) > seq) return;
    this.appliedSeq.set(address, seq);
    this.visible.set(address, eniId);
    const via = eniId === null ? null : this.deps.nextHopOfEni(eniId);
    // Changes that fall due together (one API call's VIPs) go to the fabric together, as on the SDN.
    const drainQueued = this.unprogrammed.size > 0;
    this.unprogrammed.delete(address);
    this.unprogrammed.set(address, via);
    if (!drainQueued) this.queue = this.queue.then(() => this.programDue());
  }

  private async programDue(): Promise<void> {
    const routes = [...this.unprogrammed].map(([vip, via]) => ({ vip, via }));
    this.unprogrammed.clear();
    const { fabric, logger, clock } = this.deps;
    let error: string | null = null;
    try {
      await fabric.program(routes);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      logger.error({ vips: routes.map((r) => r.vip), err: error }, 'fabric programming failed');
    }
    const atMs = clock.nowMs();
    for (const { vip, via } of routes) this.events.push({ atMs, vip, action: via === null ? 'blackhole' : 'route', via, error });
    while (this.events.length > MAX_EVENTS) this.events.shift();
  }
}
