import { randomUUID, type KeyObject } from 'node:crypto';
import type { MonotonicClock } from '../../../src/util/clock';
import type { CallLog } from '../call-log';
import type { FaultInjector, InjectedError } from '../faults';
import type { ApiRequest, HttpAnswer } from '../flavour';
import { OciApiError, type OciModel, type PrivateIpRecord, type PublicIpRecord, type VnicRecord } from './model';
import { headerMap, verifyOciSignature } from './signature';

/** Who signed a request, and what its policy lets it call (null: everything). */
export interface OciPrincipal {
  readonly id: string;
  readonly allowedOperations: readonly string[] | null;
}

export interface OciApiDeps {
  readonly model: OciModel;
  readonly keyOf: (keyId: string) => { readonly key: KeyObject; readonly principal: OciPrincipal } | null;
  readonly faults: FaultInjector;
  readonly log: CallLog;
  readonly clock: MonotonicClock;
  readonly wallNowMs: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly pageSize: () => number | null;
  readonly compartmentId: string;
  readonly availabilityDomain: string;
}

const PREFIX = '/20160918';

/**
 * The Core Services (VirtualNetwork) REST API as oci-core calls it, under
 * /20160918: privateIps list (by vnicId, or ipAddress + subnetId; paged with
 * `page` and `opc-next-page`), create, get, update, delete; vnics get;
 * publicIps get, update (assign to a private IP) and
 * actions/getByPrivateIpId.
 * Lists are JSON arrays, errors `{"code","message"}`, every answer carries
 * opc-request-id. Every request is signed (signature.ts) and logged.
 */
export async function handleOciRequest(req: ApiRequest, deps: OciApiDeps): Promise<HttpAnswer> {
  const requestId = randomUUID().replace(/-/g, '').toUpperCase();
  const url = new URL(req.target, 'http://lab');
  const route = routeOf(req.method, url.pathname);
  const operation = route?.operation ?? 'Unknown';
  const query = Object.fromEntries(url.searchParams);
  let caller: string | null = null;
  const answer = await (async (): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> => {
    try {
      const headers = headerMap(req.rawHeaders);
      const verified = verifyOciSignature(
        { method: req.method, target: req.target, headers, body: req.body },
        (id) => deps.keyOf(id)?.key ?? null,
        deps.wallNowMs(),
      );
      if (!verified.ok)
        throw new OciApiError(
          401,
          'NotAuthenticated',
          `The required information to complete authentication was not provided or was incorrect (${verified.reason}).`,
        );
      const principal = deps.keyOf(verified.keyId)!.principal;
      caller = principal.id;
      if (route === null) throw new OciApiError(404, 'NotAuthorizedOrNotFound', `no such resource: ${req.method} ${url.pathname}`);
      const fault = deps.faults.evaluate(operation);
      if (fault.latencyMs > 0) await deps.sleep(fault.latencyMs);
      if (fault.error !== null) throw injected(fault.error);
      if (principal.allowedOperations !== null && !principal.allowedOperations.includes(operation)) {
        throw new OciApiError(404, 'NotAuthorizedOrNotFound', 'Authorization failed or requested resource not found.');
      }
      return route.run(url, parseBody(req.body), deps);
    } catch (e) {
      if (e instanceof OciApiError) return { status: e.status, body: { code: e.code, message: e.message } };
      throw e;
    }
  })();
  const status = answer.status;
  const body = status === 204 ? '' : JSON.stringify(answer.body);
  const result = status < 300 ? 'ok' : ((answer.body as { code?: string }).code ?? String(status));
  deps.log.addEc2({
    atMs: deps.clock.nowMs(),
    action: operation,
    params: { ...query, ...(route?.id !== undefined ? { id: route.id } : {}) },
    caller,
    source: req.source,
    status,
    result,
    requestId,
    body: req.body.toString('utf8'),
  });
  return { status, headers: { 'content-type': 'application/json', 'opc-request-id': requestId, ...(answer.headers ?? {}) }, body };
}

interface Route {
  readonly operation: string;
  readonly id?: string;
  run(url: URL, body: Record<string, unknown>, deps: OciApiDeps): { status: number; body: unknown; headers?: Record<string, string> };
}

function routeOf(method: string, path: string): Route | null {
  if (!path.startsWith(`${PREFIX}/`)) return null;
  const parts = path
    .slice(PREFIX.length + 1)
    .split('/')
    .map(decodeURIComponent);
  const [kind, id, extra] = parts;
  if (kind === 'privateIps' && id === undefined) {
    if (method === 'GET') return { operation: 'ListPrivateIps', run: listPrivateIps };
    if (method === 'POST')
      return {
        operation: 'CreatePrivateIp',
        run: (_u, b, d) => ok(renderPrivateIp(d.model.create(reqStr(b, 'vnicId'), optStr(b, 'ipAddress'), optStr(b, 'displayName')), d)),
      };
  }
  if (kind === 'privateIps' && id !== undefined && extra === undefined) {
    if (method === 'GET') return { operation: 'GetPrivateIp', id, run: (_u, _b, d) => ok(renderPrivateIp(d.model.privateIp(id), d)) };
    if (method === 'PUT')
      return {
        operation: 'UpdatePrivateIp',
        id,
        run: (_u, b, d) => ok(renderPrivateIp(d.model.update(id, { vnicId: optStr(b, 'vnicId'), displayName: optStr(b, 'displayName') }), d)),
      };
    if (method === 'DELETE') return { operation: 'DeletePrivateIp', id, run: (_u, _b, d) => (d.model.delete(id), { status: 204, body: '' }) };
  }
  if (kind === 'publicIps' && id === 'actions' && extra === 'getByPrivateIpId' && method === 'POST') {
    return { operation: 'GetPublicIpByPrivateIpId', run: (_u, b, d) => ok(renderPublicIp(d.model.publicIpOf(reqStr(b, 'privateIpId')), d)) };
  }
  if (kind === 'publicIps' && id !== undefined && id !== 'actions' && extra === undefined) {
    if (method === 'GET') return { operation: 'GetPublicIp', id, run: (_u, _b, d) => ok(renderPublicIp(d.model.publicIp(id), d)) };
    if (method === 'PUT')
      return { operation: 'UpdatePublicIp', id, run: (_u, b, d) => ok(renderPublicIp(d.model.assignPublicIp(id, optStr(b, 'privateIpId')), d)) };
  }
  if (kind === 'vnics' && id !== undefined && extra === undefined && method === 'GET')
    return { operation: 'GetVnic', id, run: (_u, _b, d) => ok(renderVnic(d.model.vnic(id), d)) };
  return null;
}

function listPrivateIps(url: URL, _b: Record<string, unknown>, deps: OciApiDeps): { status: number; body: unknown; headers?: Record<string, string> } {
  const q = url.searchParams;
  const vnicId = q.get('vnicId');
  const ipAddress = q.get('ipAddress');
  const subnetId = q.get('subnetId');
  let all: PrivateIpRecord[];
  if (vnicId !== null) all = deps.model.listByVnic(vnicId);
  else if (ipAddress !== null && subnetId !== null) all = deps.model.listByAddress(ipAddress, subnetId);
  else if (subnetId !== null) all = deps.model.listBySubnet(subnetId);
  else throw new OciApiError(400, 'InvalidParameter', 'one of vnicId, subnetId (with ipAddress) is required');
  const limitText = q.get('limit');
  const limit = limitText !== null ? Number(limitText) : (deps.pageSize() ?? 100);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new OciApiError(400, 'InvalidParameter', 'limit must be 1-1000');
  const start = q.get('page') === null ? 0 : Number(q.get('page'));
  if (!Number.isInteger(start) || start < 0) throw new OciApiError(400, 'InvalidParameter', 'page is not a token this API gave');
  const items = all.slice(start, start + limit);
  const next = start + limit < all.length ? String(start + limit) : null;
  return { status: 200, body: items.map((p) => renderPrivateIp(p, deps)), headers: next === null ? {} : { 'opc-next-page': next } };
}

function ok(body: unknown): { status: number; body: unknown } {
  return { status: 200, body };
}

export function renderPrivateIp(p: PrivateIpRecord, deps: Pick<OciApiDeps, 'compartmentId' | 'availabilityDomain'>): Record<string, unknown> {
  return {
    id: p.id,
    availabilityDomain: deps.availabilityDomain,
    compartmentId: deps.compartmentId,
    displayName: p.displayName,
    hostnameLabel: null,
    ipAddress: p.ipAddress,
    isPrimary: p.isPrimary,
    subnetId: p.subnetId,
    timeCreated: p.timeCreated,
    vnicId: p.vnicId,
    lifetime: 'EPHEMERAL',
    ipState: p.vnicId === null ? 'AVAILABLE' : 'ASSIGNED',
    definedTags: {},
    freeformTags: {},
  };
}

function renderPublicIp(p: PublicIpRecord, deps: Pick<OciApiDeps, 'compartmentId' | 'model'>): Record<string, unknown> {
  return {
    id: p.id,
    compartmentId: deps.compartmentId,
    displayName: p.id.slice(-8),
    ipAddress: p.ipAddress,
    lifecycleState: deps.model.publicIpState(p),
    lifetime: 'RESERVED',
    scope: 'REGION',
    ...(p.privateIpId === null ? {} : { privateIpId: p.privateIpId, assignedEntityId: p.privateIpId, assignedEntityType: 'PRIVATE_IP' }),
    timeCreated: new Date(0).toISOString(),
    definedTags: {},
    freeformTags: {},
  };
}

function renderVnic(v: VnicRecord, deps: OciApiDeps): Record<string, unknown> {
  return {
    id: v.id,
    availabilityDomain: deps.availabilityDomain,
    compartmentId: deps.compartmentId,
    displayName: v.id.slice(-8),
    isPrimary: true,
    lifecycleState: 'AVAILABLE',
    macAddress: v.mac.toUpperCase(),
    privateIp: v.primaryIp,
    subnetId: v.subnetId,
    skipSourceDestCheck: false,
    timeCreated: new Date(0).toISOString(),
  };
}

const STATUS_OF: Readonly<Record<string, number>> = {
  TooManyRequests: 429,
  InternalServerError: 500,
  ServiceUnavailable: 503,
  NotAuthorizedOrNotFound: 404,
  NotAuthenticated: 401,
  InvalidParameter: 400,
  LimitExceeded: 400,
  Conflict: 409,
  IncorrectState: 409,
};

function injected(e: InjectedError): OciApiError {
  return new OciApiError(e.status ?? STATUS_OF[e.code] ?? 500, e.code, e.message ?? `injected ${e.code}`);
}

function parseBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    throw new OciApiError(400, 'InvalidParameter', 'the request body is not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new OciApiError(400, 'InvalidParameter', 'the request body must be a JSON object');
  return v as Record<string, unknown>;
}

function reqStr(b: Record<string, unknown>, k: string): string {
  const v = b[k];
  if (typeof v !== 'string' || v === '') throw new OciApiError(400, 'InvalidParameter', `${k} is required`);
  return v;
}

function optStr(b: Record<string, unknown>, k: string): string | undefined {
  const v = b[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new OciApiError(400, 'InvalidParameter', `${k} must be a string`);
  return v;
}
