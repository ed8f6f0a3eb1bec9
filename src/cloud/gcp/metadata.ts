import { request as httpRequest, type IncomingMessage } from 'node:http';
import { VipdError } from '../../errors';

/**
 * vipd's own client of the GCE metadata server (node:http). Every request
 * carries `Metadata-Flavor: Google` and every answer must carry it back:
 * an answer without it did not come from the metadata server (a proxy, a
 * captive portal, a process squatting the address) and is not believed.
 * Used for identity, confirm (the NIC's ipAliases) and the access token.
 */
export interface GceMetadataOptions {
  /** Default http://169.254.169.254 (the link-local server on every VM). */
  readonly baseUrl?: string;
  /** Source address to bind (loopback tests tell instances apart this way). */
  readonly localAddress?: string;
  readonly timeoutMs?: number;
}

/** One NIC as metadata lists it (`instance/network-interfaces/?recursive=true`): no NIC name, but the MAC. */
export interface MetadataNic {
  readonly mac: string;
  readonly ip: string;
  readonly subnetmask: string;
  readonly gateway: string | null;
  readonly ipAliases: readonly string[];
}

export interface MetadataToken {
  readonly accessToken: string;
  readonly expiresInSeconds: number;
}

export const DEFAULT_GCE_METADATA_URL = 'http://169.254.169.254';
const DEFAULT_TIMEOUT_MS = 1_000;
const MAX_BODY_BYTES = 1024 * 1024;
const PREFIX = '/computeMetadata/v1/';

export class GceMetadataClient {
  readonly baseUrl: string;
  private readonly url: URL;
  private readonly timeoutMs: number;

  constructor(private readonly opts: GceMetadataOptions = {}) {
    this.baseUrl = (opts.baseUrl ?? DEFAULT_GCE_METADATA_URL).replace(/\/+$/, '');
    this.url = new URL(this.baseUrl);
    if (this.url.protocol !== 'http:') throw new VipdError('VIPD_E_CONFIG', `metadata endpoint must be http:// (got ${this.baseUrl})`);
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** GET /computeMetadata/v1/<path>: the answer text. */
  async get(path: string, signal?: AbortSignal): Promise<string> {
    const full = PREFIX + path.replace(/^\/+/, '');
    const answer = await this.send(full, signal);
    if (answer.status !== 200) throw statusError(full, answer.status, answer.body);
    return answer.body;
  }

  async getJson(path: string, signal?: AbortSignal): Promise<unknown> {
    const text = await this.get(path, signal);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new VipdError('VIPD_E_METADATA', `instance metadata ${path} is not JSON: "${text.slice(0, 80)}"`, { details: { path } });
    }
  }

  async networkInterfaces(signal?: AbortSignal): Promise<MetadataNic[]> {
    const path = 'instance/network-interfaces/?recursive=true';
    const json = await this.getJson(path, signal);
    if (!Array.isArray(json)) throw badValue(path, 'a list of network interfaces');
    return json.map((entry: unknown, i) => {
      const o = isRecord(entry) ? entry : {};
      const str = (k: string): string | null => (typeof o[k] === 'string' ? o[k] : null);
      const mac = str('mac');
      const ip = str('ip');
      const subnetmask = str('subnetmask');
      if (mac === null || ip === null || subnetmask === null) throw badValue(`${path}[${i}]`, 'mac, ip and subnetmask');
      const aliases = o.ipAliases ?? [];
      if (!Array.isArray(aliases) || aliases.some((a) => typeof a !== 'string')) throw badValue(`${path}[${i}].ipAliases`, 'a list of ranges');
      return { mac: mac.toLowerCase(), ip, subnetmask, gateway: str('gateway'), ipAliases: aliases as string[] };
    });
  }

  /** The default service account's access token (the instance's credentials; never a key file). */
  async token(signal?: AbortSignal): Promise<MetadataToken> {
    const path = 'instance/service-accounts/default/token';
    const json = await this.getJson(path, signal);
    const o = isRecord(json) ? json : {};
    if (typeof o.access_token !== 'string' || o.access_token === '' || typeof o.expires_in !== 'number') throw badValue(path, '{access_token, expires_in}');
    return { accessToken: o.access_token, expiresInSeconds: o.expires_in };
  }

  private send(path: string, signal?: AbortSignal): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        return true;
      };
      const onAbort = (): void => {
        if (!finish()) return;
        const reason: unknown = signal?.reason;
        reject(reason instanceof VipdError ? reason : new VipdError('VIPD_E_CANCELLED', `instance metadata GET ${path} aborted by its caller`));
        req.destroy();
      };
      const fail = (err: Error & { code?: string }, what: string): void => {
        if (!finish()) return;
        reject(
          new VipdError('VIPD_E_METADATA', `instance metadata GET ${path} at ${this.baseUrl} ${what}: ${err.message}`, {
            transient: true,
            cause: err,
            details: { path, endpoint: this.baseUrl, errno: err.code ?? null },
          }),
        );
      };
      const req = httpRequest(
        {
          protocol: 'http:',
          host: this.url.hostname.replace(/^\[|\]$/g, ''),
          port: this.url.port === '' ? 80 : Number(this.url.port),
          method: 'GET',
          path,
          headers: { 'Metadata-Flavor': 'Google' },
          localAddress: this.opts.localAddress,
          agent: false,
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY_BYTES) req.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
            else chunks.push(c);
          });
          res.on('error', (err) => fail(err, 'failed while reading'));
          res.on('end', () => {
            const flavour = res.headers['metadata-flavor'];
            if (flavour !== 'Google') {
              if (!finish()) return;
              reject(
                new VipdError(
                  'VIPD_E_METADATA',
                  `instance metadata GET ${path} at ${this.baseUrl} answered without "Metadata-Flavor: Google" (HTTP ${res.statusCode ?? 0}); this is not the GCE metadata server`,
                  {
                    // A 5xx from something in the way (a proxy) may clear; a 2xx from a stranger will not.
                    transient: (res.statusCode ?? 0) >= 500,
                    details: { path, endpoint: this.baseUrl, status: res.statusCode ?? 0 },
                  },
                ),
              );
              return;
            }
            if (!finish()) return;
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
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

function statusError(path: string, status: number, body: string): VipdError {
  const transient = status >= 500 || status === 429;
  const hint =
    status === 404
      ? ' (this path does not exist on this instance)'
      : status === 403
        ? ' (the request was refused; the Metadata-Flavor header is required)'
        : '';
  return new VipdError('VIPD_E_METADATA', `instance metadata GET ${path} answered HTTP ${status}${hint}`, {
    transient,
    details: { path, status, body: body.slice(0, 200) },
  });
}

function badValue(path: string, expected: string): VipdError {
  return new VipdError('VIPD_E_METADATA', `instance metadata ${path} is not ${expected}`, { details: { path } });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
