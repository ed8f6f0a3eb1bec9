import * as http from 'node:http';
import { VipdError } from '../errors';
import type { TrackerCheck } from './tracker-check';

/**
 * GET url; up when the status equals expectStatus. Redirects are not
 * followed (a 301 is compared as-is), TLS certificates are verified, and
 * each probe opens a fresh connection (agent: false) so a pooled socket
 * cannot hide a server that stopped accepting. The deadline covers DNS,
 * connect, TLS and the response headers; the body is never read.
 */
export class HttpCheck implements TrackerCheck {
  private readonly url: URL;
  private readonly get: typeof http.get;

  constructor(
    url: string,
    private readonly expectStatus: number,
  ) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (e) {
      throw new VipdError('VIPD_E_CONFIG', `http tracker url ${JSON.stringify(url)} is not a valid URL`, { cause: e });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new VipdError('VIPD_E_CONFIG', `http tracker url ${url} must use http: or https:, not ${parsed.protocol}`);
    }
    if (!Number.isInteger(expectStatus) || expectStatus < 100 || expectStatus > 599) {
      throw new VipdError('VIPD_E_CONFIG', `http tracker expectStatus ${expectStatus} is not an HTTP status (100-599)`);
    }
    this.url = parsed;
    this.get = parsed.protocol === 'https:' ? httpsGet() : http.get;
  }

  run(timeoutMs: number): Promise<void> {
    const url = this.url;
    const get = this.get;
    return new Promise<void>((resolve, reject) => {
      const abort = new AbortController();
      // Errors reach logs and /status: never with the URL's user:password.
      const shown = redactedUrl(url);
      let settled = false;
      const settle = (err: VipdError | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => {
        settle(
          new VipdError('VIPD_E_TRACKER', `GET ${shown} got no response within ${timeoutMs} ms`, {
            transient: true,
            details: { url: shown, timeoutMs },
          }),
        );
        abort.abort();
      }, timeoutMs);
      const req = get(url, { agent: false, signal: abort.signal, headers: { 'user-agent': 'vipd-tracker', connection: 'close' } }, (res) => {
        const status = res.statusCode ?? 0;
        res.destroy();
        if (status === this.expectStatus) settle(null);
        else
          settle(
            new VipdError('VIPD_E_TRACKER', `GET ${shown} answered ${status}, expected ${this.expectStatus}`, {
              transient: true,
              details: { url: shown, status, expectStatus: this.expectStatus },
            }),
          );
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        settle(
          new VipdError('VIPD_E_TRACKER', `GET ${shown} failed: ${e.code ?? e.message}`, {
            transient: true,
            cause: e,
            details: { url: shown, errno: e.code ?? null },
          }),
        );
      });
    });
  }
}

function redactedUrl(url: URL): string {
  if (url.username === '' && url.password === '') return url.href;
  const copy = new URL(url.href);
  copy.username = '***';
  copy.password = '';
  return copy.href;
}

/**
 * node:https (and with it tls) is loaded by the first https tracker, when the
 * config is applied (start or reload), never on a probe: a daemon without one
 * does not keep TLS resident (docs/benchmarks.md, Footprint).
 */
function httpsGet(): typeof http.get {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only for an https URL
  const https = require('node:https') as typeof import('node:https');
  return https.get;
}
