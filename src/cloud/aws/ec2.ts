import { EC2Client, type EC2ClientConfig } from '@aws-sdk/client-ec2';
import { classifyAwsError } from './errors';

export interface Ec2ClientSettings {
  readonly region: string;
  /** null: the SDK's endpoint for the region. */
  readonly endpoint: string | null;
  /** undefined: the SDK's default chain (env, profile, instance role via IMDS). */
  readonly credentials?: EC2ClientConfig['credentials'];
  readonly connectTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 1_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 3_000;

/**
 * An EC2 client that makes exactly one attempt per call (retries live in
 * cloud/retry.ts, bounded by the failover deadline) and gives up on a
 * silent endpoint in seconds, not the SDK's minutes.
 */
export function createEc2Client(s: Ec2ClientSettings): EC2Client {
  return new EC2Client({
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
}

/** Runs one EC2 call and turns any failure into a classified VipdError. */
export async function ec2Call<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw classifyAwsError(e, operation);
  }
}
