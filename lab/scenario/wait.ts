import { VipdError, asVipdError } from '../../src/errors';
import type { MonotonicClock } from '../../src/util/clock';
import { sleep, type Timers } from '../../src/util/timers';

export interface WaitDeps {
  readonly clock: MonotonicClock;
  readonly timers: Timers;
}

/**
 * Polls until check() returns something other than null, or throws
 * VIPD_E_INTERNAL naming what never happened (and the last error the check
 * threw, plus whatever context() says about the state it was stuck in).
 */
export async function waitUntil<T>(
  deps: WaitDeps,
  check: () => Promise<T | null> | T | null,
  what: string,
  options: { timeoutMs: number; everyMs?: number; context?: () => string },
): Promise<T> {
  const deadline = deps.clock.nowMs() + options.timeoutMs;
  for (;;) {
    let lastError: unknown = null;
    try {
      const v = await check();
      if (v !== null) return v;
    } catch (e) {
      lastError = e;
    }
    if (deps.clock.nowMs() > deadline) {
      const parts = [`timed out after ${options.timeoutMs} ms waiting for ${what}`];
      if (lastError !== null) parts.push(`last error: ${asVipdError(lastError).message}`);
      if (options.context) parts.push(options.context());
      throw new VipdError('VIPD_E_INTERNAL', parts.join('; '), { cause: lastError ?? undefined });
    }
    await sleep(deps.timers, options.everyMs ?? 10);
  }
}
