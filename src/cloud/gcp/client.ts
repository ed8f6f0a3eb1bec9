import { AsyncLocalStorage } from 'node:async_hooks';
import { InstancesClient } from '@google-cloud/compute';
import { OAuth2Client } from 'google-auth-library';
import { VipdError } from '../../errors';
import { cloudOutcome } from '../../metrics/cloud-outcome';
import { abortedError, throwIfAborted } from '../call-context';
import type { CloudCallContext } from '../provider';
import type { CloudRequestSink } from '../requests';
import { classifyGcpError } from './errors';
import type { GceMetadataClient } from './metadata';
import type { GcpOperation } from './operations';

export const DEFAULT_GCP_ENDPOINT = 'https://compute.googleapis.com';
export const DEFAULT_GCP_REQUEST_TIMEOUT_MS = 3_000;

export interface GcpClientSettings {
  /** null: https://compute.googleapis.com. */
  readonly endpoint: string | null;
  readonly metadata: GceMetadataClient;
  readonly requestTimeoutMs?: number;
  readonly requests?: CloudRequestSink;
  /** Another OAuth2 client (tests: Application Default Credentials); default: one fed by vipd's metadata client. */
  readonly authClient?: OAuth2Client;
  readonly nowMs?: () => number;
}

/**
 * The Compute clients over REST, one attempt per call. Every request
 * goes through the client's own `fetchImplementation`, which adds the signal of the call context that
 * started it (carried by AsyncLocalStorage through the SDK's promise
 * chain): the context ends a request in flight, not only the wait for it.
 * The transporter's own timeout ends a hung call (the SDK's per-call
 * `timeout` does not over REST).
 */
export class GcpClients {
  readonly instances: InstancesClient;
  readonly auth: OAuth2Client;
  /** Base URL of the API, for the requests the SDK cannot make (see request()). */
  readonly baseUrl: string;
  private readonly scope = new AsyncLocalStorage<AbortSignal>();
  private readonly now: () => number;

  constructor(private readonly s: GcpClientSettings) {
    const endpoint = new URL(s.endpoint ?? DEFAULT_GCP_ENDPOINT);
    if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:')
      throw new VipdError('VIPD_E_CONFIG', `provider.gcp.endpoint must be http(s):// (got ${endpoint.href})`);
    this.baseUrl = endpoint.origin;
    this.now = s.nowMs ?? (() => performance.now());
    const fetchImplementation = (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
      const own = this.scope.getStore();
      const signals = [init?.signal, own].filter((x): x is AbortSignal => x !== undefined && x !== null);
      return globalThis.fetch(input, { ...init, ...(signals.length > 0 ? { signal: signals.length === 1 ? signals[0] : AbortSignal.any(signals) } : {}) });
    };
    const transporterOptions = { fetchImplementation, timeout: s.requestTimeoutMs ?? DEFAULT_GCP_REQUEST_TIMEOUT_MS, retry: false };
    if (s.authClient !== undefined) {
      this.auth = s.authClient;
      Object.assign(this.auth.transporter.defaults, transporterOptions);
    } else {
      this.auth = new OAuth2Client({ transporterOptions });
      this.auth.refreshHandler = async () => {
        const t = await s.metadata.token(this.scope.getStore());
        return { access_token: t.accessToken, expiry_date: Date.now() + t.expiresInSeconds * 1000 };
      };
    }
    const options = {
      apiEndpoint: endpoint.hostname,
      port: endpoint.port === '' ? (endpoint.protocol === 'http:' ? 80 : 443) : Number(endpoint.port),
      protocol: endpoint.protocol === 'http:' ? 'http' : 'https',
      fallback: 'rest' as const,
      authClient: this.auth,
    };
    this.instances = new InstancesClient(options);
  }

  /**
   * One Compute request under the call context: counted by the API
   * operation it is, aborted with the context, and any failure classified.
   * An aborted context wins over what the SDK made of the abort.
   */
  async call<T>(operation: GcpOperation, ctx: CloudCallContext, send: () => Promise<T>): Promise<T> {
    throwIfAborted(ctx);
    const started = this.now();
    try {
      const out = await this.scope.run(ctx.signal, send);
      this.s.requests?.cloudRequest(operation, 'ok', (this.now() - started) / 1000);
      return out;
    } catch (e) {
      const aborted = abortedError(ctx);
      const err = aborted ?? classifyGcpError(e, operation);
      this.s.requests?.cloudRequest(operation, aborted !== null ? 'aborted' : cloudOutcome(err), (this.now() - started) / 1000);
      throw err;
    }
  }

  /**
   * The authorized raw request, for what the SDK cannot send: the PATCH of an
   * empty aliasIpRanges, and the operation wait with a timeout of its own.
   */
  request<T>(options: { method: 'PATCH' | 'GET' | 'POST'; url: string; data?: unknown; timeoutMs?: number }): Promise<{ data: T }> {
    const { timeoutMs, ...rest } = options;
    return this.auth.request<T>({ ...rest, ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }), signal: this.scope.getStore() });
  }
}
