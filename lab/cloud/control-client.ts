import { request } from 'node:http';
import { VipdError } from '../../src/errors';
import type { Ec2CallRecord, ImdsCallRecord } from './call-log';
import type { FaultRule } from './faults';

/**
 * A typed client for the lab cloud's control endpoint, over TCP or a unix
 * socket (a socket file reaches into the fabric namespace from the host).
 * For tests and the lab runner; vipd itself never talks to it.
 */
export type ControlTarget = { readonly url: string } | { readonly socketPath: string };

export class LabCloudControlClient {
  constructor(
    private readonly target: ControlTarget,
    private readonly timeoutMs = 10_000,
  ) {}

  health(): Promise<{ ok: boolean }> {
    return this.call('GET', '/health');
  }

  state(): Promise<Record<string, unknown>> {
    return this.call('GET', '/state');
  }

  calls(): Promise<{ ec2: Ec2CallRecord[]; imds: ImdsCallRecord[] }> {
    return this.call('GET', '/calls');
  }

  clearCalls(): Promise<void> {
    return this.call('DELETE', '/calls');
  }

  addFault(rule: FaultRule): Promise<FaultRule> {
    return this.call('POST', '/faults', rule);
  }

  setFaults(rules: readonly FaultRule[]): Promise<unknown> {
    return this.call('PUT', '/faults', { rules });
  }

  clearFaults(): Promise<void> {
    return this.call('DELETE', '/faults');
  }

  setOutage(outage: {
    api?: string | null;
    metadata?: string | null;
    metadataInstances?: readonly string[] | null;
  }): Promise<{ api: string | null; metadata: string | null; metadataInstances: string[] | null }> {
    return this.call('PUT', '/outage', outage);
  }

  setPropagationDelay(delayMs: number): Promise<void> {
    return this.call('PUT', '/propagation', { delayMs });
  }

  /** Separate delays: the new holder's metadata listing the address, the old holder's dropping it, traffic following. */
  setPropagationDelays(delays: { winnerMetadataMs: number; loserMetadataMs: number; trafficMs: number }): Promise<void> {
    return this.call('PUT', '/propagation', delays);
  }

  setDescribePageSize(describePageSize: number | null): Promise<void> {
    return this.call('PUT', '/paging', { describePageSize });
  }

  expireMetadataTokens(): Promise<{ expired: number }> {
    return this.call('POST', '/imds/expire-tokens');
  }

  /** Role credentials issued from now on live lifetimeMs and are replaced in metadata rotateBeforeMs before they expire. */
  setRoleCredentialLifetime(lifetimeMs: number, rotateBeforeMs: number): Promise<void> {
    return this.call('PUT', '/credentials', { lifetimeMs, rotateBeforeMs });
  }

  /** Eventual consistency: Describe* answers show the cloud's state of readLagMs ago (0: live). */
  setReadLag(readLagMs: number): Promise<void> {
    return this.call('PUT', '/consistency', { readLagMs });
  }

  /** Every role credential expires now (EC2 answers RequestExpired); metadata serves new ones. */
  expireRoleCredentials(): Promise<{ expired: number }> {
    return this.call('POST', '/credentials/expire');
  }

  setInstanceState(instanceId: string, state: 'pending' | 'running' | 'stopping' | 'stopped'): Promise<void> {
    return this.call('PUT', `/instances/${encodeURIComponent(instanceId)}/state`, { state });
  }

  /** Waits until every fabric change queued so far has been applied. */
  settled(): Promise<void> {
    return this.call('GET', '/settled');
  }

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? '' : JSON.stringify(body);
    const where = 'url' in this.target ? new URL(path, this.target.url) : null;
    return new Promise((resolve, reject) => {
      const req = request(
        {
          method,
          ...(where !== null
            ? { host: where.hostname, port: where.port, path: where.pathname }
            : { socketPath: (this.target as { socketPath: string }).socketPath, path }),
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
          timeout: this.timeoutMs,
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = text === '' ? undefined : JSON.parse(text);
            } catch {
              reject(new VipdError('VIPD_E_CONTROL', `lab cloud control ${method} ${path}: answer is not JSON: ${text.slice(0, 200)}`));
              return;
            }
            if ((res.statusCode ?? 500) >= 400) {
              const msg = typeof parsed === 'object' && parsed !== null && 'error' in parsed ? String((parsed as { error: unknown }).error) : text;
              reject(new VipdError('VIPD_E_CONTROL', `lab cloud control ${method} ${path} answered ${res.statusCode}: ${msg}`));
              return;
            }
            resolve(parsed as T);
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (e) => reject(new VipdError('VIPD_E_CONTROL', `lab cloud control ${method} ${path} failed: ${e.message}`, { cause: e })));
      req.end(payload);
    });
  }
}
