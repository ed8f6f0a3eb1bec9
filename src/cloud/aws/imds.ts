import { request as httpRequest, type IncomingMessage } from 'node:http';
import { VipdError } from '../../errors';
import type { MonotonicClock } from '../../util/clock';

/**
 * A small IMDSv2 client on node:http. The SDK's metadata code is not used
 * for identity because it neither binds a source address (the emulator
 * tells instances apart by source, as the real service does) nor exposes
 * its token cache. The token is cached, renewed ahead of expiry and once
 * on a 401 (the service was restarted or the token revoked).
 */
export interface ImdsClientOptions {
  /** Default http://169.254.169.254 (the link-local service on every instance). */
  readonly baseUrl?: string;
  /** Source address to bind (loopback tests tell instances apart this way). */
  readonly localAddress?: string;
  /** Per-request timeout; metadata answers in milliseconds, so this is short. */
  readonly timeoutMs?: number;
  readonly tokenTtlSeconds?: number;
  readonly clock: MonotonicClock;
}

export const DEFAULT_IMDS_BASE_URL = 'http://169.254.169.254';
const DEFAULT_TIMEOUT_MS = 1_000;
const DEFAULT_TOKEN_TTL_SECONDS = 21_600;
const MAX_BODY_BYTES = 1024 * 1024;
const TOKEN_HEADER = 'x-aws-ec2-metadata-token';
const TTL_HEADER = 'x-aws-ec2-metadata-token-ttl-seconds';

interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

interface CachedToken {
  readonly value: string;
  /** Monotonic ms after which a fresh token is fetched before use. */
  readonly renewAt: number;
}

export class ImdsClient {
  readonly baseUrl: string;
  private readonly url: URL;
  private readonly timeoutMs: number;
  private readonly ttlSeconds: number;
  private token: CachedToken | null = null;
  private tokenInFlight: Promise<string> | null = null;

  constructor(private readonly opts: ImdsClientOptions) {
    this.baseUrl = (opts.baseUrl ?? DEFAULT_IMDS_BASE_URL).replace(/\/+$/, '');
    this.url = new URL(this.baseUrl);
    if (this.url.protocol !== 'http:') {
      throw new VipdError('VIPD_E_CONFIG', `metadata endpoint must be http:// (got ${this.baseUrl})`);
    }
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.ttlSeconds = opts.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
  }

  /**
   * GET /latest/meta-data/<path>; the answer text (trimmed of a trailing newline).
   * `signal` cuts the request in flight; its reason (a VipdError) is what the call rejects with.
   */
  async get(path: string, signal?: AbortSignal): Promise<string> {
    return this.getPath(`/latest/meta-data/${path.replace(/^\/+/, '')}`, signal);
  }

  /** Lines of a listing answer (e.g. macs/, local-ipv4s), blanks dropped. */
  async getLines(path: string, signal?: AbortSignal): Promise<string[]> {
    const text = await this.get(path, signal);
    return text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
  }

  /** Forget the cached token (for tests and after a long suspend). */
  dropToken(): void {
    this.token = null;
  }

  private async getPath(fullPath: string, signal: AbortSignal | undefined): Promise<string> {
    let token = await this.currentToken();
    let answer = await this.send('GET', fullPath, { [TOKEN_HEADER]: token }, signal);
    if (answer.status === 401) {
      // The token was revoked or the service restarted: one fresh token, one more try.
      this.token = null;
      token = await this.currentToken();
      answer = await this.send('GET', fullPath, { [TOKEN_HEADER]: token }, signal);
    }
    if (answer.status === 200) return answer.body.replace(/\n$/, '');
    throw statusError('GET', fullPath, answer);
  }

  private currentToken(): Promise<string> {
    const cached = this.token;
    if (cached !== null && this.opts.clock.nowMs() < cached.renewAt) return Promise.resolve(cached.value);
    // Concurrent callers share one PUT instead of each fetching a token.
    this.tokenInFlight ??= this.fetchToken().finally(() => {
      this.tokenInFlight = null;
    });
    return this.tokenInFlight;
  }

  private async fetchToken(): Promise<string> {
    const startedAt = this.opts.clock.nowMs();
    const answer = await this.send('PUT', '/latest/api/token', { [TTL_HEADER]: String(this.ttlSeconds) });
    if (answer.status !== 200) throw statusError('PUT', '/latest/api/token', answer);
    const value = answer.body.trim();
    if (value === '') {
      throw new VipdError('VIPD_E_METADATA', 'instance metadata returned an empty session token', { details: { path: '/latest/api/token' } });
    }
    const grantedText = answer.headers[TTL_HEADER];
    const granted = typeof grantedText === 'string' && /^[0-9]+$/.test(grantedText) ? Number(grantedText) : this.ttlSeconds;
    const ttlMs = Math.min(granted, this.ttlSeconds) * 1000;
    // Renew well before expiry so a call never carries a token that dies in flight.
    const margin = Math.min(60_000, ttlMs / 10);
    this.token = { value, renewAt: startedAt + ttlMs - margin };
    return value;
  }

  private send(method: 'GET' | 'PUT', path: string, headers: Record<string, string>, signal?: AbortSignal): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const onAbort = (): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const reason: unknown = signal?.reason;
        reject(reason instanceof VipdError ? reason : new VipdError('VIPD_E_CANCELLED', `instance metadata ${method} ${path} aborted by its caller`));
        req.destroy();
      };
      const fail = (err: Error & { code?: string }, what: string): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        clearTimeout(timer);
        const hint = method === 'PUT' ? ' If vipd runs in a container, the token PUT may need http-put-response-hop-limit 2.' : '';
        reject(
          new VipdError('VIPD_E_METADATA', `instance metadata ${method} ${path} at ${this.baseUrl} ${what}: ${err.message}.${hint}`, {
            transient: true,
            cause: err,
            details: { method, path, endpoint: this.baseUrl, errno: err.code ?? null },
          }),
        );
      };
      const req = httpRequest(
        {
          protocol: 'http:',
          host: this.url.hostname.replace(/^\[|\]$/g, ''),
          port: this.url.port === '' ? 80 : Number(this.url.port),
          method,
          path,
          headers: { ...headers, 'content-length': '0' },
          localAddress: this.opts.localAddress,
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY_BYTES) {
              req.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
              return;
            }
            chunks.push(c);
          });
          res.on('error', (err) => fail(err, 'failed while reading'));
          res.on('end', () => {
            if (settled) return;
            settled = true;
            signal?.removeEventListener('abort', onAbort);
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
          });
        },
      );
      const timer = setTimeout(() => {
        const err = Object.assign(new Error(`no answer within ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' });
        fail(err, 'timed out');
        req.destroy(err);
      }, this.timeoutMs);
      req.on('error', (err) => fail(err, 'failed'));
      if (signal?.aborted === true) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
      req.end();
    });
  }
}

function statusError(method: string, path: string, answer: HttpAnswer): VipdError {
  // 5xx and 429 are the service's own trouble; 4xx means this request cannot work.
  const transient = answer.status >= 500 || answer.status === 429;
  const hint =
    answer.status === 404
      ? ' (this path does not exist on this instance)'
      : answer.status === 403
        ? ' (metadata access is disabled for this instance or this path)'
        : answer.status === 401
          ? ' (the session token was refused even after renewal)'
          : '';
  return new VipdError('VIPD_E_METADATA', `instance metadata ${method} ${path} answered HTTP ${answer.status}${hint}`, {
    transient,
    details: { method, path, status: answer.status, body: answer.body.slice(0, 200) },
  });
}
