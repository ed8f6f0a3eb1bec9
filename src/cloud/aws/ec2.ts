import { EC2Client, type EC2ClientConfig } from '@aws-sdk/client-ec2';
import { cloudOutcome } from '../../metrics/cloud-outcome';
import { abortedError, throwIfAborted } from '../call-context';
import type { CloudCallContext } from '../provider';
import type { CloudRequestSink } from '../requests';
import { classifyAwsError, isExpiredCredentialsError } from './errors';

export interface Ec2ClientSettings {
  readonly region: string;
  /** null: the SDK's endpoint for the region. */
  readonly endpoint: string | null;
  /** undefined: the SDK's default chain (env, profile, instance role via IMDS). */
  readonly credentials?: EC2ClientConfig['credentials'];
  readonly connectTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** Told about every EC2 operation the client sends (vipd_cloud_requests_total). */
  readonly requests?: CloudRequestSink;
  /** For the request durations; wall time is fine for a histogram of one call. */
  readonly nowMs?: () => number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 1_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 3_000;

/**
 * An EC2 client that makes exactly one attempt per call (retries live in
 * cloud/retry.ts, bounded by the failover deadline) and gives up on a
 * silent endpoint in seconds, not the SDK's minutes. Every operation it
 * sends is counted by the SDK middleware below, so one vipd assign that
 * also reads and associates an Elastic IP counts three operations.
 */
export function createEc2Client(s: Ec2ClientSettings): EC2Client {
  const client = new EC2Client({
    region: s.region,
    ...(s.endpoint !== null ? { endpoint: s.endpoint } : {}),
    ...(s.credentials !== undefined ? { credentials: s.credentials } : {}),
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: s.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      requestTimeout: s.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      // Without this the SDK only logs a warning when requestTimeout passes, and waits on.
      throwOnRequestTimeout: true,
      // requestTimeout ends at the response headers; a body that stalls after them (a proxy, a VPC
      // endpoint) is cut by the socket's inactivity timeout, or it waited the SDK's default 15 min.
      socketTimeout: s.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    },
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (e) {
        // The SDK refreshes role credentials only by their stated Expiration; credentials EC2 already
        // calls expired would sign every retry until then. Refetch before the error reaches retry.ts.
        if (isExpiredCredentialsError(e)) await refreshCredentials(client);
        throw e;
      }
    },
    { step: 'initialize', name: 'vipdRefreshExpiredCredentials', priority: 'low' },
  );
  const sink = s.requests;
  if (sink !== undefined) {
    const now = s.nowMs ?? (() => performance.now());
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
        const started = now();
        try {
          const out = await next(args);
          sink.cloudRequest(operation, 'ok', (now() - started) / 1000);
          return out;
        } catch (e) {
          sink.cloudRequest(operation, isAbort(e) ? 'aborted' : cloudOutcome(classifyAwsError(e, operation)), (now() - started) / 1000);
          throw e;
        }
      },
      // maxAttempts is 1, so once per operation; 'initialize' also sees calls that fail before sending (credentials).
      { step: 'initialize', name: 'vipdCountOperations', priority: 'high' },
    );
  }
  return client;
}

/**
 * Runs one EC2 call with the context's signal and turns any failure into a
 * classified VipdError. An aborted context wins over what the SDK made of
 * the abort (an AbortError, which would read as "endpoint unavailable").
 */
export async function ec2Call<T>(operation: string, ctx: CloudCallContext, call: (options: { abortSignal: AbortSignal }) => Promise<T>): Promise<T> {
  throwIfAborted(ctx);
  try {
    return await call({ abortSignal: ctx.signal });
  } catch (e) {
    throw abortedError(ctx) ?? classifyAwsError(e, operation);
  }
}

/** A failed refresh is not this call's error: the retry's own credential fetch reports it. */
async function refreshCredentials(client: EC2Client): Promise<void> {
  try {
    await client.config.credentials({ forceRefresh: true });
  } catch {
    return;
  }
}

function isAbort(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'AbortError';
}
