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

export class Dataplane {
  private delayMs: number;
  private readonly visible = new Map<string, string | null>();
  private readonly appliedSeq = new Map<string, number>();
  private seq = 0;
  private readonly pending = new Set<TimerHandle>();
  private queue: Promise<void> = Promise.resolve();
  private readonly events: FabricEvent[] = [];

  constructor(private readonly deps: DataplaneDeps) {
    this.delayMs = deps.delayMs;
  }

  get propagationDelayMs(): number {
    return this.delayMs;
  }

  setDelay(ms: number): void {
    this.delayMs = ms;
  }

  /** Start state: visible at once and programmed, so the fabric matches the cloud from the first packet. */
  init(holders: readonly (readonly [string, string | null])[]): void {
    for (const [address, eniId] of holders) this.apply(address, eniId, ++this.seq);
  }

  change(address: string, eniId: string | null): void {
    const seq = ++this.seq;
    if (this.delayMs <= 0) {
      this.apply(address, eniId, seq);
      return;
    }
    const handle = this.deps.timers.setTimeout(() => {
      this.pending.delete(handle);
      this.apply(address, eniId, seq);
    }, this.delayMs);
    this.pending.add(handle);
  }

  /** Secondary addresses the data plane currently routes to this ENI. */
  visibleOn(eniId: string): string[] {
    return [...this.visible].filter(([, holder]) => holder === eniId).map(([address]) => address);
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
    const { fabric, logger, clock } = this.deps;
    this.queue = this.queue.then(async () => {
      let error: string | null = null;
      try {
        if (via === null) await fabric.blackhole(address);
        else await fabric.routeTo(address, via);
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
        logger.error({ vip: address, via, err: error }, 'fabric programming failed');
      }
      this.events.push({ atMs: clock.nowMs(), vip: address, action: via === null ? 'blackhole' : 'route', via, error });
      if (this.events.length > MAX_EVENTS) this.events.shift();
    });
  }
}
