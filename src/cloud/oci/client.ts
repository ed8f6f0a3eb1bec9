import { AsyncLocalStorage } from 'node:async_hooks';
import * as common from 'oci-common';
import { VirtualNetworkClient } from 'oci-core';
import { cloudOutcome } from '../../metrics/cloud-outcome';
import { abortedError, throwIfAborted } from '../call-context';
import type { CloudCallContext } from '../provider';
import type { CloudRequestSink } from '../requests';
import { classifyOciError, isNotAuthenticated } from './errors';
import type { OciOperation } from './operations';

export const DEFAULT_OCI_REQUEST_TIMEOUT_MS = 3_000;

export interface OciClientSettings {
  readonly auth: common.AuthenticationDetailsProvider;
  /** Without /20160918 (the SDK appends it); null: the SDK's endpoint for `region`. */
  readonly endpoint: string | null;
  readonly region: string;
  readonly requestTimeoutMs?: number;
}

/**
 * The caller's signal for the request being sent. The SDK reads
 * `httpOptions.signal` once per fetch, from one client shared by
 * concurrent calls; async-local storage gives each call its own context's
 * signal, combined with the per-request timeout (nothing else bounds a
 * hung OCI call).
 */
const currentSignal = new AsyncLocalStorage<AbortSignal>();

/**
 * A VirtualNetworkClient that makes exactly one attempt per call (retries
 * live in cloud/retry.ts, bounded by the failover deadline), with the SDK's
 * circuit breaker off (after ten 429s it failed every call unsent for 30 s,
 * and with httpOptions set it strips the status from HTTP errors).
 */
export function createVirtualNetworkClient(s: OciClientSettings): VirtualNetworkClient {
  const timeoutMs = s.requestTimeoutMs ?? DEFAULT_OCI_REQUEST_TIMEOUT_MS;
  const client = new VirtualNetworkClient(
    { authenticationDetailsProvider: s.auth },
    {
      circuitBreaker: new common.CircuitBreaker({ disableClientCircuitBreaker: true }),
      retryConfiguration: common.NoRetryConfigurationDetails,
      httpOptions: {
        get signal(): AbortSignal {
          const timeout = AbortSignal.timeout(timeoutMs);
          const caller = currentSignal.getStore();
          return caller === undefined ? timeout : AbortSignal.any([timeout, caller]);
        },
      },
    },
  );
  if (s.endpoint !== null) client.endpoint = s.endpoint.replace(/\/+$/, '');
  else client.regionId = s.region;
  return client;
}

export interface OciCallDeps {
  readonly requests?: CloudRequestSink;
  /** Instance principals: renews the session token after a 401 (the SDK renews only at the JWT's exp). */
  readonly onNotAuthenticated?: () => Promise<void>;
  /** Whether a 401 may heal by renewing credentials (instance principals) or is final (an API key). */
  readonly renewable: boolean;
  readonly nowMs?: () => number;
}

/**
 * Runs one OCI operation under the context's signal, counts it, and turns
 * any failure into a classified VipdError. An aborted context wins over
 * what the SDK made of the abort (a plain object with code 23).
 */
export async function ociCall<T>(operation: OciOperation, ctx: CloudCallContext, deps: OciCallDeps, call: () => Promise<T>): Promise<T> {
  throwIfAborted(ctx);
  const now = deps.nowMs ?? (() => performance.now());
  const started = now();
  try {
    const out = await currentSignal.run(ctx.signal, call);
    deps.requests?.cloudRequest(operation, 'ok', (now() - started) / 1000);
    return out;
  } catch (e) {
    const aborted = abortedError(ctx);
    const error = aborted ?? classifyOciError(e, operation, deps.renewable);
    deps.requests?.cloudRequest(operation, aborted !== null ? 'aborted' : cloudOutcome(error), (now() - started) / 1000);
    if (aborted === null && isNotAuthenticated(e) && deps.onNotAuthenticated !== undefined) {
      await deps.onNotAuthenticated().catch(() => undefined);
    }
    throw error;
  }
}
