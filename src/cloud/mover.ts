import { VipdError, asVipdError } from '../errors';
import type { MonotonicClock } from '../util/clock';
import type { Logger } from '../util/logger';
import type { Timers } from '../util/timers';
import { abortableSleep, openCallScope, throwIfAborted } from './call-context';
import type { CloudCallContext, CloudHolder, CloudIdentity, CloudProvider, CloudVip } from './provider';
import { withRetries } from './retry';

export interface CloudMoverDeps {
  readonly provider: CloudProvider;
  readonly clock: MonotonicClock;
  /** Arms the deadline of each call context (its signal aborts the request in flight). */
  readonly timers: Timers;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly logger: Logger;
  /** How often confirm() is polled after the assign call. */
  readonly confirmPollMs?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Budget of one ownership observation (verifyHolders), requests included. */
  readonly observeBudgetMs?: number;
}

export interface CloudAcquireResult {
  /** From the first assign attempt to the cloud confirming every VIP on our NIC, minus the time spent in `afterAssign`. */
  readonly cloudMs: number;
  /** Assign attempts made (1 unless transient errors were retried). */
  readonly assignCalls: number;
}

/**
 * The nodes the election heard make a new claim on the VIPs after this
 * acquire began (the caller fills it in while the acquire runs). Only such a
 * node can have written after our assign: any other holder a read names may
 * be older than our assign (reads are eventually consistent), e.g. the dead
 * master of a failover, or the master we preempted.
 */
export interface ContenderWatch {
  /** Someone was heard: from then on unconfirmed polls read the record. */
  readonly heard: boolean;
  /** This holder of `vip` (the provider's answer) is one of the nodes heard. */
  isContender(vip: string, holder: CloudHolder): boolean;
}

export interface AcquireOptions {
  /**
   * The caller no longer wants the VIPs (this node stopped being MASTER
   * mid-move): the request in flight is aborted, no further assign attempt
   * or confirm poll is made, and VIPD_E_CANCELLED is thrown.
   */
  readonly signal?: AbortSignal;
  /**
   * Runs once the assign call succeeded, before confirmation is polled: the
   * cloud routes the VIPs here from that call on (its record is what the
   * fabric follows), so the host must carry them from then on, not from the
   * confirmation, which a metadata outage can hold up for as long as it
   * lasts. An error it throws ends the acquire with that error.
   */
  readonly afterAssign?: () => Promise<void>;
  /** While confirmation is pending and a contender was heard, the cloud's record is read too (see pollConfirm). */
  readonly contender?: ContenderWatch;
}

export const DEFAULT_CONFIRM_POLL_MS = 250;
export const DEFAULT_OBSERVE_BUDGET_MS = 10_000;

/**
 * The cloud half of a failover: one assign call (retried only on transient
 * errors), then confirmation polled until the cloud reports the VIPs on our
 * NIC. A fixed sleep after the call is not confirmation; an API success is
 * not traffic (the remap is asynchronous). Every provider call gets a
 * context whose signal fires at the deadline or when the caller gives up,
 * so a request in flight stops then too, not only the next attempt.
 * Plain L2 has no mover at all.
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
   * A preempted node (options.signal) must not go on polling for a
   * confirmation that can never come (the winner's assign came after its
   * own) and block its next acquire.
   */
  async acquire(vips: readonly CloudVip[], deadlineAt: number, options: AcquireOptions = {}): Promise<CloudAcquireResult> {
    const { signal, afterAssign, contender } = options;
    if (vips.length === 0) return { cloudMs: 0, assignCalls: 0 };
    const { provider, clock, logger } = this.deps;
    const addresses = vips.map((v) => v.address);
    const scope = openCallScope(this.deps, deadlineAt, `move of ${addresses.join(', ')}`, signal);
    const { ctx } = scope;
    try {
      const startedAt = clock.nowMs();
      let assignCalls = 0;
      await withRetries(
        async () => {
          throwIfAborted(ctx);
          assignCalls++;
          await provider.assign(vips, ctx);
        },
        this.retryOptions(ctx, 'assign', addresses),
      ).catch((e: unknown) => {
        throwIfCancelled(ctx);
        throw e;
      });
      let afterAssignMs = 0;
      if (afterAssign) {
        const hookStart = clock.nowMs();
        await afterAssign();
        afterAssignMs = clock.nowMs() - hookStart;
      }
      await this.pollConfirm(vips, ctx, contender);
      const cloudMs = clock.nowMs() - startedAt - afterAssignMs;
      logger.info({ provider: provider.name, vips: addresses, cloudMs, assignCalls }, 'cloud confirmed the VIPs on this node');
      return { cloudMs, assignCalls };
    } finally {
      scope.dispose();
    }
  }

  /**
   * Reads this node's cloud identity once at start, retrying transient
   * metadata errors until deadlineAt. A node that cannot learn who it is
   * could never move a VIP; it must say so when it starts, not at its
   * first failover. Giving up rethrows the last error's code (e.g.
   * VIPD_E_METADATA), not VIPD_E_CLOUD_DEADLINE: what failed is the
   * metadata service, and the operator needs to read that.
   */
  async prepare(deadlineAt: number): Promise<CloudIdentity> {
    const { provider, clock } = this.deps;
    const startedAt = clock.nowMs();
    const scope = openCallScope(this.deps, deadlineAt, 'identity read');
    try {
      return await withRetries(() => provider.identity(scope.ctx), this.retryOptions(scope.ctx, 'identity', []));
    } catch (e) {
      if (!(e instanceof VipdError) || e.code !== 'VIPD_E_CLOUD_DEADLINE' || !(e.cause instanceof VipdError)) throw e;
      const last = e.cause;
      const attempts = typeof e.details.attempts === 'number' ? e.details.attempts : null;
      throw new VipdError(
        last.code,
        `cannot read this instance's ${provider.name} identity at start (${attempts ?? '?'} attempts in ${Math.round(clock.nowMs() - startedAt)} ms): ${last.message}`,
        {
          transient: last.transient,
          cause: last,
          details: { ...last.details, attempts, provider: provider.name },
        },
      );
    } finally {
      scope.dispose();
    }
  }

  /**
   * The periodic ownership check: who holds each VIP, observed the way the
   * provider chooses (CloudProvider.observeHolders). One attempt, bounded by
   * the observe budget; the caller's next round is the retry.
   */
  async verifyHolders(vips: readonly CloudVip[]): Promise<ReadonlyMap<string, CloudHolder>> {
    const budget = this.deps.observeBudgetMs ?? DEFAULT_OBSERVE_BUDGET_MS;
    const scope = openCallScope(this.deps, this.deps.clock.nowMs() + budget, 'ownership check');
    try {
      return await this.deps.provider.observeHolders(vips, scope.ctx);
    } finally {
      scope.dispose();
    }
  }

  /**
   * Polls confirm() until the cloud reports the VIPs on our NIC. Once a
   * contender was heard, each unconfirmed poll also reads the cloud's record:
   * a VIP it shows on that contender was moved after our assign, and a
   * confirmation can no longer come. The acquire then ends with
   * VIPD_E_CLOUD_UNCONFIRMED at once instead of at the deadline, so the
   * election judges the holder now; waiting left the cloud routing the VIP
   * to a node that had already stepped down, for the whole acquire deadline.
   */
  private async pollConfirm(vips: readonly CloudVip[], ctx: CloudCallContext, contender: ContenderWatch | undefined): Promise<void> {
    const { provider, clock, sleep, logger } = this.deps;
    let lastError: VipdError | null = null;
    let polls = 0;
    let holderReadFailed = false;
    for (;;) {
      throwIfCancelled(ctx);
      polls++;
      try {
        if (await provider.confirm(vips, ctx)) return;
      } catch (e) {
        throwIfCancelled(ctx);
        if (!(e instanceof VipdError) || !e.transient) throw e;
        // A metadata hiccup while waiting is "not yet", not failure; a check cut at the deadline ends the wait below.
        if (e.code !== 'VIPD_E_CLOUD_DEADLINE') {
          lastError = e;
          logger.debug({ code: e.code, err: e.message, polls }, 'confirm failed transiently; polling again');
        }
      }
      if (contender?.heard === true) {
        const moved = await this.movedAfterUs(vips, contender, ctx).catch((e: unknown) => {
          throwIfCancelled(ctx);
          // The record is extra evidence, not the confirmation: unreadable, the wait goes on as without it.
          if (!holderReadFailed) logger.warn({ err: asVipdError(e), polls }, 'cannot read who holds the VIPs while waiting for confirmation; waiting on');
          holderReadFailed = true;
          return null;
        });
        if (moved !== null) throw overtakenError(provider.name, vips, moved, polls);
      }
      const remaining = ctx.deadlineAt - clock.nowMs();
      if (remaining > 0 && !ctx.signal.aborted) {
        try {
          await abortableSleep(sleep, Math.min(this.confirmPollMs, remaining), ctx);
          continue;
        } catch (e) {
          throwIfCancelled(ctx);
          if (!(e instanceof VipdError) || e.code !== 'VIPD_E_CLOUD_DEADLINE') throw e;
        }
      }
      // Stopped wanting them mid-wait: that is the outcome, not a missing confirmation.
      throwIfCancelled(ctx);
      const why = lastError === null ? 'the cloud still does not report them on this NIC' : `last error: ${lastError.code}: ${lastError.message}`;
      // Its own code: the assign went through, so whoever the cloud shows now wrote after us (docs/cloud.md).
      throw new VipdError(
        'VIPD_E_CLOUD_UNCONFIRMED',
        `assigned ${vips.map((v) => v.address).join(', ')} but the cloud did not confirm before the deadline (${polls} checks); ${why}`,
        {
          transient: true,
          cause: lastError ?? undefined,
          details: { provider: provider.name, polls, vips: vips.map((v) => v.address) },
        },
      );
    }
  }

  /**
   * The VIPs the cloud's record shows on a contender, or null when none is.
   * Nobody, or a node not heard claiming, proves nothing: the read may be
   * older than our assign.
   */
  private async movedAfterUs(vips: readonly CloudVip[], contender: ContenderWatch, ctx: CloudCallContext): Promise<MovedVip[] | null> {
    const holders = await this.deps.provider.holders(vips, ctx);
    const moved: MovedVip[] = [];
    for (const v of vips) {
      const holder = holders.get(v.address);
      if (holder?.kind === 'other' && contender.isContender(v.address, holder)) moved.push({ vip: v.address, holder: holder.instanceId });
    }
    return moved.length === 0 ? null : moved;
  }

  private retryOptions(ctx: CloudCallContext, what: string, vips: readonly string[]) {
    const { clock, sleep, random, logger, provider } = this.deps;
    return {
      deadlineAt: ctx.deadlineAt,
      clock,
      sleep: (ms: number) => abortableSleep(sleep, ms, ctx),
      random,
      baseDelayMs: this.deps.baseDelayMs,
      maxDelayMs: this.deps.maxDelayMs,
      onRetry: (err: VipdError, attempt: number, delayMs: number) =>
        logger.warn(
          { provider: provider.name, op: what, vips, attempt, delayMs, code: err.code, err: err.message },
          `cloud ${what} failed transiently; retrying`,
        ),
    };
  }
}

interface MovedVip {
  readonly vip: string;
  /** Instance (or VNIC, NIC) the record names. */
  readonly holder: string;
}

function overtakenError(provider: string, vips: readonly CloudVip[], moved: readonly MovedVip[], polls: number): VipdError {
  const shown = moved.map((m) => `${m.vip} on ${m.holder}`).join(', ');
  return new VipdError(
    'VIPD_E_CLOUD_UNCONFIRMED',
    `assigned ${vips.map((v) => v.address).join(', ')} but a node that claimed meanwhile moved them after us: the cloud shows ${shown}`,
    // Transient, as at the deadline: the caller reads the holders and the election decides whether to assign again.
    { transient: true, details: { provider, polls, vips: vips.map((v) => v.address), overtaken: moved.map((m) => ({ ...m })) } },
  );
}

/** A cancellation wins over whatever the aborted call or sleep reported. */
function throwIfCancelled(ctx: CloudCallContext): void {
  const reason: unknown = ctx.signal.reason;
  if (ctx.signal.aborted && reason instanceof VipdError && reason.code === 'VIPD_E_CANCELLED') throw reason;
}
