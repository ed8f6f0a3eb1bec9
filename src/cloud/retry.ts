import { VipdError } from '../errors';
import type { MonotonicClock } from '../util/clock';

/**
 * The one retry policy for cloud calls. Adapters make exactly one attempt
 * per call and classify failures (VipdError.transient); this loop decides
 * whether and when to try again. SDK-level retries are disabled so that
 * nothing waits outside the failover budget.
 */
export interface RetryOptions {
  /** Monotonic ms (clock.nowMs() scale) after which no attempt starts. */
  readonly deadlineAt: number;
  readonly clock: MonotonicClock;
  readonly sleep: (ms: number) => Promise<void>;
  /** In [0, 1): the jitter source, injected so tests are deterministic. */
  readonly random: () => number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Called before each backoff sleep (for logs and metrics). */
  readonly onRetry?: (err: VipdError, attempt: number, delayMs: number) => void;
}

export const DEFAULT_BASE_DELAY_MS = 100;
export const DEFAULT_MAX_DELAY_MS = 2_000;

/** Never retry in a hot loop, even when the jitter draws zero. */
const MIN_DELAY_MS = 1;

/**
 * "Full jitter" (AWS Architecture Blog, Exponential Backoff and Jitter):
 * a uniform delay in [0, min(max, base * 2^(attempt-1))), floored at 1 ms.
 * Spreads two nodes that were throttled together instead of retrying in
 * lockstep.
 */
export function fullJitterDelayMs(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.max(MIN_DELAY_MS, Math.floor(r * ceiling));
}

/**
 * Runs `op` until it succeeds, throws a permanent error (rethrown as is), or
 * the deadline leaves no room for another attempt (VIPD_E_CLOUD_DEADLINE,
 * with the last error as cause). Only VipdError with transient=true is
 * retried: anything else is a bug or a permanent refusal, and retrying it
 * would only burn the budget and the API quota.
 */
export async function withRetries<T>(op: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const base = opts.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  const max = opts.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  let lastError: VipdError | null = null;
  for (let attempt = 1; ; attempt++) {
    if (opts.clock.nowMs() >= opts.deadlineAt) throw deadlineError(attempt - 1, lastError);
    try {
      return await op(attempt);
    } catch (e) {
      if (!(e instanceof VipdError) || !e.transient) throw e;
      // An attempt cut by its context's deadline says less than the failure before it (what the operator must fix).
      if (e.code !== 'VIPD_E_CLOUD_DEADLINE' || lastError === null) lastError = e;
      const delayMs = fullJitterDelayMs(attempt, base, max, opts.random);
      if (opts.clock.nowMs() + delayMs >= opts.deadlineAt) throw deadlineError(attempt, lastError);
      opts.onRetry?.(e, attempt, delayMs);
      await opts.sleep(delayMs);
    }
  }
}

function deadlineError(attempts: number, lastError: VipdError | null): VipdError {
  const last = lastError === null ? 'no attempt was made' : `last error: ${lastError.code}: ${lastError.message}`;
  return new VipdError('VIPD_E_CLOUD_DEADLINE', `cloud call gave up at the failover deadline after ${attempts} attempt(s); ${last}`, {
    // The condition behind it (throttling, outage) may clear: a later try can succeed.
    transient: true,
    cause: lastError ?? undefined,
    details: { attempts, lastCode: lastError?.code ?? null },
  });
}
