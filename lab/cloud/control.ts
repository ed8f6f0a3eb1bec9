import type { IncomingMessage, ServerResponse } from 'node:http';
import { isVipdError } from '../../src/errors';
import type { Logger } from '../../src/util/logger';
import type { CallLog } from './call-log';
import type { FaultInjector } from './faults';
import type { InstanceState } from './flavour';
import { readBody } from './managed-server';

/** What the control endpoint drives: the emulated cloud (LabCloud), seen through the controls it offers tests. */
export interface LabCloudControls {
  readonly calls: CallLog;
  readonly faults: FaultInjector;
  state(): Record<string, unknown>;
  setOutage(next: { api?: string | null; metadata?: string | null; metadataInstances?: unknown }): Promise<unknown>;
  setPropagationDelay(ms: number): void;
  setDescribePageSize(size: number | null): void;
  expireMetadataTokens(): number;
  setRoleCredentialLifetime(settings: { lifetimeMs: unknown; rotateBeforeMs: unknown }): void;
  expireRoleCredentials(): number;
  setReadLag(ms: number): void;
  setPropagationDelays(d: { winnerMetadataMs: unknown; loserMetadataMs: unknown; trafficMs: unknown }): void;
  setInstanceState(id: string, state: InstanceState): void;
  /** Resolves once queued fabric changes are done. */
  settled(): Promise<void>;
}

/**
 * The test-facing control endpoint (HTTP + JSON): read state and the call
 * log, inject faults and outages, expire metadata tokens, change the
 * propagation delay. Not part of any cloud; never exposed to vipd.
 *
 *   GET    /health
 *   GET    /state
 *   GET    /calls                       -> { ec2: [...], imds: [...] }
 *   DELETE /calls
 *   GET    /faults | POST /faults (one rule) | PUT /faults (all rules) | DELETE /faults
 *   PUT    /outage        { api?: refuse|reset|http503|hang|null, metadata?: refuse|reset|http500|http429|hang|null, metadataInstances?: [instance id]|null }
 *   PUT    /propagation   { delayMs } | { winnerMetadataMs, loserMetadataMs, trafficMs }
 *   PUT    /paging        { describePageSize: n|null }
 *   POST   /imds/expire-tokens
 *   PUT    /credentials   { lifetimeMs, rotateBeforeMs }  (role credentials issued from now on)
 *   PUT    /consistency  { readLagMs }  (the API's Describe calls show the state of that long ago)
 *   POST   /credentials/expire   (every role credential EC2 accepts now expires; metadata serves new ones)
 *   PUT    /instances/ID/state  { state }
 *   GET    /settled       (waits until queued fabric changes are done)
 */
export async function handleControlRequest(req: IncomingMessage, res: ServerResponse, cloud: LabCloudControls, logger: Logger): Promise<void> {
  const send = (status: number, value: unknown): void => {
    const body = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  try {
    const raw = await readBody(req, 1024 * 1024);
    const body: unknown = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
    const o = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = `${req.method ?? 'GET'} ${path}`;
    const instanceState = /^PUT \/instances\/([^/]+)\/state$/.exec(route);
    switch (true) {
      case route === 'GET /health':
        return send(200, { ok: true });
      case route === 'GET /state':
        return send(200, cloud.state());
      case route === 'GET /calls':
        return send(200, { ec2: cloud.calls.ec2(), imds: cloud.calls.imds() });
      case route === 'DELETE /calls':
        cloud.calls.clear();
        return send(200, { ok: true });
      case route === 'GET /faults':
        return send(200, cloud.faults.list());
      case route === 'POST /faults':
        return send(200, cloud.faults.add(body));
      case route === 'PUT /faults':
        cloud.faults.replace(o.rules ?? body);
        return send(200, cloud.faults.list());
      case route === 'DELETE /faults':
        cloud.faults.clear();
        return send(200, { ok: true });
      case route === 'PUT /outage':
        return send(
          200,
          await cloud.setOutage({
            api: o.api as string | null | undefined,
            metadata: o.metadata as string | null | undefined,
            metadataInstances: o.metadataInstances,
          }),
        );
      case route === 'PUT /propagation':
        if (o.delayMs === undefined) {
          cloud.setPropagationDelays({ winnerMetadataMs: o.winnerMetadataMs, loserMetadataMs: o.loserMetadataMs, trafficMs: o.trafficMs });
          return send(200, { winnerMetadataMs: o.winnerMetadataMs, loserMetadataMs: o.loserMetadataMs, trafficMs: o.trafficMs });
        }
        cloud.setPropagationDelay(o.delayMs as number);
        return send(200, { delayMs: o.delayMs });
      case route === 'PUT /paging':
        cloud.setDescribePageSize((o.describePageSize ?? null) as number | null);
        return send(200, { describePageSize: o.describePageSize ?? null });
      case route === 'POST /imds/expire-tokens':
        return send(200, { expired: cloud.expireMetadataTokens() });
      case route === 'PUT /credentials':
        cloud.setRoleCredentialLifetime({ lifetimeMs: o.lifetimeMs, rotateBeforeMs: o.rotateBeforeMs });
        return send(200, { lifetimeMs: o.lifetimeMs, rotateBeforeMs: o.rotateBeforeMs });
      case route === 'PUT /consistency':
        cloud.setReadLag(o.readLagMs as number);
        return send(200, { readLagMs: o.readLagMs });
      case route === 'POST /credentials/expire':
        return send(200, { expired: cloud.expireRoleCredentials() });
      case instanceState !== null: {
        const state = o.state;
        if (state !== 'pending' && state !== 'running' && state !== 'stopping' && state !== 'stopped')
          return send(400, { error: 'state must be pending|running|stopping|stopped' });
        cloud.setInstanceState(decodeURIComponent(instanceState![1]!), state);
        return send(200, { ok: true });
      }
      case route === 'GET /settled':
        await cloud.settled();
        return send(200, { ok: true });
      default:
        return send(404, { error: `no control route ${route}` });
    }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const status = isVipdError(e) || e instanceof SyntaxError ? 400 : 500;
    if (status === 500) logger.error({ err: message }, 'control request failed');
    if (!res.headersSent) send(status, { error: message });
  }
}
