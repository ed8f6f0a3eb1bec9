import { VipdError } from '../errors';
import type { CloudHolder } from '../owner/types';
import type { MonotonicClock } from '../util/clock';
import type { Logger } from '../util/logger';
import type { CloudIdentity, CloudProvider, CloudVip } from './provider';
import { withRetries } from './retry';

export interface CloudMoverDeps {
  readonly provider: CloudProvider;
  readonly clock: MonotonicClock;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly logger: Logger;
  /** How often confirm() is polled after the assign call. */
  readonly confirmPollMs?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
}

export interface CloudAcquireResult {
  /** From the first assign attempt to the cloud confirming every VIP on our NIC. */
  readonly cloudMs: number;
  /** Assign attempts made (1 unless transient errors were retried; 0 for provider none). */
  readonly assignCalls: number;
}

export const DEFAULT_CONFIRM_POLL_MS = 250;

/**
 * The cloud half of a failover: one assign call (retried only on transient
 * errors), then confirmation polled until the cloud reports the VIPs on our
 * NIC. A fixed sleep after the call is not confirmation; an API success is
 * not traffic (the remap is asynchronous). Everything is bounded by the
 * caller's deadline.
 */
export class CloudMover {
  private readonly confirmPollMs: number;

  constructor(private readonly deps: CloudMoverDeps) {
    this.confirmPollMs = deps.confirmPollMs ?? DEFAULT_CONFIRM_POLL_MS;
  }

  get providerName(): string {
    return this.deps.provider.name;
  }

  /**
   * `signal`: the caller no longer wants the VIPs (this node stopped being
   * MASTER mid-move). No further assign attempt or confirm poll is made;
   * VIPD_E_CANCELLED is thrown. Without it a preempted node went on
   * polling for a confirmation that could never come (the winner's assign
   * came after its own) until the deadline, and blocked its next acquire.
   */
  async acquire(vips: readonly CloudVip[], deadlineAt: number, signal?: AbortSignal): Promise<CloudAcquireResult> {
    if (!this.arbitrates() || vips.length === 0) return { cloudMs: 0, assignCalls: 0 };
    const { provider, clock, logger } = this.deps;
    const startedAt = clock.nowMs();
    const addresses = vips.map((v) => v.address);
    let assignCalls = 0;
    await withRetries(
      async () => {
        throwIfCancelled(signal, addresses, 'before assigning');
        assignCalls++;
        await provider.assign(vips);
      },
      this.retryOptions(deadlineAt, 'assign', addresses),
    );
    await this.pollConfirm(vips, deadlineAt, signal);
    const cloudMs = clock.nowMs() - startedAt;
    logger.info({ provider: provider.name, vips: addresses, cloudMs, assignCalls }, 'cloud confirmed the VIPs on this node');
    return { cloudMs, assignCalls };
  }

  /**
   * Reads this node's cloud identity once at start, retrying transient
   * metadata errors until deadlineAt. A node that cannot learn who it is
   * could never move a VIP; it must say so when it starts, not at its
   * first failover. Giving up rethrows the last error's code (e.g.
   * VIPD_E_METADATA), not VIPD_E_CLOUD_DEADLINE: what failed is the
   * metadata service, and the operator needs to read that. null for
   * provider none (no identity to read).
   */
  async prepare(deadlineAt: number): Promise<CloudIdentity | null> {
    if (!this.arbitrates()) return null;
    const { provider, clock } = this.deps;
    const startedAt = clock.nowMs();
    try {
      return await withRetries(() => provider.identity(), this.retryOptions(deadlineAt, 'identity', []));
    } catch (e) {
      if (!(e instanceof VipdError) || e.code !== 'VIPD_E_CLOUD_DEADLINE' || !(e.cause instanceof VipdError)) throw e;
      const last = e.cause;
      const attempts = typeof e.details.attempts === 'number' ? e.details.attempts : null;
      throw new VipdError(last.code, `cannot read this instance's ${provider.name} identity at start (${attempts ?? '?'} attempts in ${Math.round(clock.nowMs() - startedAt)} ms): ${last.message}`, {
        transient: last.transient,
        cause: last,
        details: { ...last.details, attempts, provider: provider.name },
      });
    }
  }

  /**
   * The periodic ownership check, cheap first: when this node's local view
   * (AWS: instance metadata) shows every VIP here, all are "me" and no API
   * call is made, so a master verifying every few seconds spends no API
   * quota. Otherwise, or when the local view cannot be read (an error is
   * not an answer), the cloud's record says who holds them. The local view
   * lags the record by the propagation delay, so a takeover is seen when
   * traffic moves, not before.
   */
  async verifyHolders(vips: readonly CloudVip[]): Promise<ReadonlyMap<string, CloudHolder> | null> {
    if (!this.arbitrates()) return null;
    const { provider, logger } = this.deps;
    if (vips.length > 0) {
      try {
        if (await provider.confirm(vips)) return new Map(vips.map((v) => [v.address, { kind: 'me' } as const]));
      } catch (e) {
        logger.debug({ provider: provider.name, err: e instanceof Error ? e.message : String(e) }, 'local view unreadable; asking the cloud API who holds the VIPs');
      }
    }
    return provider.holders(vips);
  }

  async release(vips: readonly CloudVip[], deadlineAt: number): Promise<void> {
    if (!this.arbitrates() || vips.length === 0) return;
    const { provider, logger } = this.deps;
    const addresses = vips.map((v) => v.address);
    await withRetries(() => provider.unassign(vips), this.retryOptions(deadlineAt, 'release', addresses));
    logger.info({ provider: provider.name, vips: addresses }, 'released the VIPs in the cloud');
  }

  private arbitrates(): boolean {
    return this.deps.provider.arbitrates !== false;
  }

  private async pollConfirm(vips: readonly CloudVip[], deadlineAt: number, signal: AbortSignal | undefined): Promise<void> {
    const { provider, clock, sleep, logger } = this.deps;
    let lastError: VipdError | null = null;
    let polls = 0;
    for (;;) {
      throwIfCancelled(signal, vips.map((v) => v.address), `after ${polls} confirm checks`);
      polls++;
      try {
        if (await provider.confirm(vips)) return;
      } catch (e) {
        // A metadata hiccup while waiting is "not yet", not failure; anything permanent is.
        if (!(e instanceof VipdError) || !e.transient) throw e;
        lastError = e;
        logger.debug({ code: e.code, err: e.message, polls }, 'confirm failed transiently; polling again');
      }
      const remaining = deadlineAt - clock.nowMs();
      if (remaining <= 0) {
        const why = lastError === null ? 'the cloud still does not report them on this NIC' : `last error: ${lastError.code}: ${lastError.message}`;
        // Its own code: the assign went through, so whoever the cloud shows now wrote after us (docs/cloud.md).
        throw new VipdError('VIPD_E_CLOUD_UNCONFIRMED', `assigned ${vips.map((v) => v.address).join(', ')} but the cloud did not confirm before the deadline (${polls} checks); ${why}`, {
          transient: true,
          cause: lastError ?? undefined,
          details: { provider: provider.name, polls, vips: vips.map((v) => v.address) },
        });
      }
      await sleep(Math.min(this.confirmPollMs, remaining));
    }
  }

  private retryOptions(deadlineAt: number, what: string, vips: readonly string[]) {
    const { clock, sleep, random, logger, provider } = this.deps;
    return {
      deadlineAt,
      clock,
      sleep,
      random,
      baseDelayMs: this.deps.baseDelayMs,
      maxDelayMs: this.deps.maxDelayMs,
      onRetry: (err: VipdError, attempt: number, delayMs: number) =>
        logger.warn({ provider: provider.name, op: what, vips, attempt, delayMs, code: err.code, err: err.message }, `cloud ${what} failed transiently; retrying`),
    };
  }
}

function throwIfCancelled(signal: AbortSignal | undefined, vips: readonly string[], when: string): void {
  if (signal?.aborted !== true) return;
  // Not transient: retrying a move nobody wants any more is exactly what must not happen.
  throw new VipdError('VIPD_E_CANCELLED', `cloud move of ${vips.join(', ')} abandoned ${when}: this node no longer wants the VIPs`, {
    details: { vips: [...vips] },
  });
}
