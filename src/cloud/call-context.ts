import { VipdError } from '../errors';
import type { MonotonicClock } from '../util/clock';
import type { Timers } from '../util/timers';
import type { CloudCallContext } from './provider';

export interface CallScope {
  readonly ctx: CloudCallContext;
  /** Stops the deadline timer and unhooks from the parent signal; call when the operation is over. */
  dispose(): void;
}

/**
 * A context whose signal fires at `deadlineAt` (VIPD_E_CLOUD_DEADLINE) or
 * when `parent` aborts (VIPD_E_CANCELLED), whichever comes first. The
 * timer is the injected one, so tests drive it; the reason is a VipdError
 * so whoever sees the abort can rethrow it as is.
 */
export function openCallScope(
  deps: { readonly clock: MonotonicClock; readonly timers: Timers },
  deadlineAt: number,
  what: string,
  parent?: AbortSignal,
): CallScope {
  const controller = new AbortController();
  const abort = (reason: VipdError): void => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const onParentAbort = (): void => abort(cancelledError(what));
  const remaining = deadlineAt - deps.clock.nowMs();
  const timer = remaining > 0 ? deps.timers.setTimeout(() => abort(deadlineError(what)), remaining) : null;
  timer?.unref?.();
  if (remaining <= 0) abort(deadlineError(what));
  if (parent !== undefined) {
    if (parent.aborted) onParentAbort();
    else parent.addEventListener('abort', onParentAbort, { once: true });
  }
  return {
    ctx: { signal: controller.signal, deadlineAt },
    dispose: () => {
      if (timer !== null) deps.timers.clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}

/**
 * The typed error for an aborted context, or null when it is not aborted.
 * Adapters call this when their SDK call fails: an SDK reports an abort as
 * its own AbortError (or a plain object), which would read as "endpoint
 * unavailable" and be retried.
 */
export function abortedError(ctx: CloudCallContext): VipdError | null {
  if (!ctx.signal.aborted) return null;
  const reason: unknown = ctx.signal.reason;
  return reason instanceof VipdError ? reason : new VipdError('VIPD_E_CANCELLED', `cloud call aborted: ${String(reason)}`);
}

/** Throws the context's typed abort reason, if any (before starting a request). */
export function throwIfAborted(ctx: CloudCallContext): void {
  const e = abortedError(ctx);
  if (e !== null) throw e;
}

/** Resolves after `ms`, or rejects with the typed abort reason as soon as the context is aborted. */
export function abortableSleep(sleep: (ms: number) => Promise<void>, ms: number, ctx: CloudCallContext): Promise<void> {
  throwIfAborted(ctx);
  return untilAborted(sleep(ms), ctx);
}

/**
 * The promise's outcome, or the context's typed abort reason as soon as it
 * aborts: for a shared in-flight request (one identity read serving several
 * callers) that must not be cancelled for all when one caller gives up.
 */
export function untilAborted<T>(promise: Promise<T>, ctx: CloudCallContext): Promise<T> {
  if (ctx.signal.aborted) return Promise.reject(abortedError(ctx) ?? new VipdError('VIPD_E_CANCELLED', 'aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortedError(ctx) ?? new VipdError('VIPD_E_CANCELLED', 'aborted'));
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        ctx.signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        ctx.signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function cancelledError(what: string): VipdError {
  // Not transient: retrying a move nobody wants any more is exactly what must not happen.
  return new VipdError('VIPD_E_CANCELLED', `cloud ${what} abandoned: this node no longer wants the VIPs`);
}

function deadlineError(what: string): VipdError {
  return new VipdError('VIPD_E_CLOUD_DEADLINE', `cloud ${what} stopped at its deadline with a request in flight`, { transient: true });
}
