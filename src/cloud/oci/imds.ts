import { request as httpRequest } from 'node:http';
import { VipdError } from '../../errors';

/**
 * A small OCI instance metadata (v2) client on node:http. Every request
 * carries `Authorization: Bearer Oracle` (v2 refuses requests without it);
 * there is no session token. It binds a source address when told to (the
 * lab tells instances apart by source, as the real service does).
 */
export interface OciImdsOptions {
  /** Default http://169.254.169.254; the client appends /opc/v2/. */
  readonly baseUrl?: string;
  readonly localAddress?: string;
  readonly timeoutMs?: number;
}

export const DEFAULT_OCI_IMDS_BASE_URL = 'http://169.254.169.254';
const DEFAULT_TIMEOUT_MS = 1_000;
const MAX_BODY_BYTES = 1024 * 1024;

export class OciImdsClient {
  readonly baseUrl: string;
  private readonly url: URL;
  private readonly timeoutMs: number;

  constructor(private readonly opts: OciImdsOptions = {}) {
    this.baseUrl = (opts.baseUrl ?? DEFAULT_OCI_IMDS_BASE_URL).replace(/\/+$/, '');
    this.url = new URL(this.baseUrl);
    if (this.url.protocol !== 'http:') throw new VipdError('VIPD_E_CONFIG', `metadata endpoint must be http:// (got ${this.baseUrl})`);
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** The /opc/v2/ base the SDK's instance-principal builder reads its certificates from. */
  get v2Base(): string {
    return `${this.baseUrl}/opc/v2/`;
  }

  /** GET /opc/v2/<path>, parsed as JSON. A non-JSON answer is a metadata error, never an empty value. */
  async getJson(path: string, signal?: AbortSignal): Promise<unknown> {
    const fullPath = `/opc/v2/${path.replace(/^\/+/, '')}`;
    const body = await this.get(fullPath, signal);
    try {
      return JSON.parse(body) as unknown;
    } catch {
      throw new VipdError('VIPD_E_METADATA', `instance metadata ${fullPath} answered something that is not JSON: "${body.slice(0, 80)}"`, {
        details: { path: fullPath },
      });
    }
  }

  private get(path: string, signal: AbortSignal | undefined): Promise<string> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (f: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        f();
      };
      const onAbort = (): void => {
        const reason: unknown = signal?.reason;
        finish(() => reject(reason instanceof VipdError ? reason : new VipdError('VIPD_E_CANCELLED', `instance metadata GET ${path} aborted by its caller`)));
        req.destroy();
      };
      const fail = (err: Error & { code?: string }, what: string): void =>
        finish(() =>
          reject(
            new VipdError('VIPD_E_METADATA', `instance metadata GET ${path} at ${this.baseUrl} ${what}: ${err.message}`, {
              transient: true,
              cause: err,
              details: { path, endpoint: this.baseUrl, errno: err.code ?? null },
            }),
          ),
        );
      const req = httpRequest(
        {
          protocol: 'http:',
          host: this.url.hostname.replace(/^\[|\]$/g, ''),
          port: this.url.port === '' ? 80 : Number(this.url.port),
          method: 'GET',
          path,
          headers: { authorization: 'Bearer Oracle' },
          localAddress: this.opts.localAddress,
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY_BYTES) req.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
            else chunks.push(c);
          });
          res.on('error', (err) => fail(err, 'failed while reading'));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const body = Buffer.concat(chunks).toString('utf8');
            if (status === 200) finish(() => resolve(body));
            else
              finish(() =>
                reject(
                  new VipdError(
                    'VIPD_E_METADATA',
                    `instance metadata GET ${path} answered HTTP ${status}${status === 401 ? ' (v2 needs Authorization: Bearer Oracle; is metadata v1-only here?)' : status === 404 ? ' (this path does not exist on this instance)' : ''}`,
                    {
                      transient: status >= 500 || status === 429,
                      details: { path, status, body: body.slice(0, 200) },
                    },
                  ),
                ),
              );
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
