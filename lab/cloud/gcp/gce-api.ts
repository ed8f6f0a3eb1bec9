import { randomBytes } from 'node:crypto';
import type { MonotonicClock } from '../../../src/util/clock';
import type { Timers } from '../../../src/util/timers';
import type { CallLog } from '../call-log';
import type { FaultInjector } from '../faults';
import type { ApiRequest, HttpAnswer } from '../flavour';
import { type GceOperation, googleError, instanceJson, operationJson } from './gce-json';
import { GceApiError, type GceInstance, type GceModel } from './gce-model';

/**
 * The Compute REST surface vipd uses: GET instances/{i}, PATCH
 * instances/{i}/updateNetworkInterface?networkInterface=N, GET
 * operations/{op}, POST operations/{op}/wait, under
 * /compute/v1/projects/{p}/zones/{z}/. The Bearer token must be one this
 * cloud's metadata issued (it names the calling instance, whose service
 * account's permissions apply). Updates run as operations: RUNNING for
 * `operationMs`, then DONE (the change applied then) or DONE with `error`.
 */
export interface GceApiDeps {
  readonly model: GceModel;
  readonly tokens: (token: string) => string | null;
  readonly faults: FaultInjector;
  readonly log: CallLog;
  readonly clock: MonotonicClock;
  readonly timers: Timers;
  readonly sleep: (ms: number) => Promise<void>;
  readonly wallNowMs: () => number;
  /** The longest a wait call long-polls before it answers RUNNING (Google: about 2 minutes). */
  readonly waitCapMs: number;
}

const PERMISSION: Readonly<Record<string, string>> = {
  'instances.get': 'compute.instances.get',
  'instances.updateNetworkInterface': 'compute.instances.updateNetworkInterface',
  'zoneOperations.get': 'compute.zoneOperations.get',
  'zoneOperations.wait': 'compute.zoneOperations.get',
};

interface Route {
  readonly action: string;
  readonly instance: string | null;
  readonly operation: string | null;
  readonly nic: string | null;
  readonly requestId: string | null;
}

export class GceApi {
  private readonly operations = new Map<string, GceOperation & { done: Promise<void>; finish: () => void }>();
  private readonly byRequestId = new Map<string, string>();
  /** Updates received and not yet answered, by requestId: a re-send waits for the first one's operation. */
  private readonly inFlight = new Map<string, Promise<HttpAnswer>>();
  private readonly timersPending = new Set<ReturnType<Timers['setTimeout']>>();

  constructor(private readonly deps: GceApiDeps) {}

  stop(): void {
    for (const t of this.timersPending) this.deps.timers.clearTimeout(t);
    this.timersPending.clear();
  }

  async serve(req: ApiRequest): Promise<HttpAnswer> {
    const { model } = this.deps;
    const url = new URL(req.target, 'http://compute.local');
    let route: Route | null = null;
    let caller: string | null = null;
    const body = req.body.toString('utf8');
    const answer = await (async (): Promise<HttpAnswer> => {
      try {
        route = parseRoute(req.method, url, model.spec.project, model.spec.zone);
        caller = this.authenticate(req.rawHeaders);
        const permission = PERMISSION[route.action]!;
        const account = model.instance(caller);
        if (account.permissions !== null && !account.permissions.includes(permission)) {
          throw new GceApiError(
            403,
            'forbidden',
            `Required '${permission}' permission for 'projects/${model.spec.project}/zones/${model.spec.zone}/${route.instance !== null ? `instances/${route.instance}` : `operations/${route.operation ?? ''}`}'`,
          );
        }
        const pending = route.requestId !== null ? this.inFlight.get(route.requestId) : undefined;
        if (pending !== undefined) return await pending;
        const fault = this.deps.faults.evaluate(route.action);
        const current = route;
        const running = (async (): Promise<HttpAnswer> => {
          try {
            if (fault.latencyMs > 0) await this.deps.sleep(fault.latencyMs);
            if (fault.error !== null && fault.error.status !== null)
              throw new GceApiError(fault.error.status, fault.error.code, fault.error.message ?? `injected ${fault.error.code}`);
            const opError = fault.error !== null ? { code: fault.error.code, message: fault.error.message ?? `injected ${fault.error.code}` } : null;
            return await this.run(current, body, opError);
          } catch (e) {
            if (e instanceof GceApiError) return json(e.status, googleError(e.status, e.reason, e.message));
            throw e;
          }
        })();
        const id = route.requestId;
        if (id !== null && route.action === 'instances.updateNetworkInterface') {
          this.inFlight.set(id, running);
          void running.finally(() => this.inFlight.delete(id)).catch(() => undefined);
        }
        return await running;
      } catch (e) {
        if (e instanceof GceApiError) return json(e.status, googleError(e.status, e.reason, e.message));
        throw e;
      }
    })();
    const r = route as Route | null;
    this.deps.log.addEc2({
      atMs: this.deps.clock.nowMs(),
      action: r?.action ?? `${req.method} ${url.pathname}`,
      params: {
        ...(r?.instance ? { instance: r.instance } : {}),
        ...(r?.nic ? { networkInterface: r.nic } : {}),
        ...(r?.operation ? { operation: r.operation } : {}),
        ...(r?.requestId ? { requestId: r.requestId } : {}),
      },
      caller,
      source: req.source,
      status: answer.status,
      result: answer.status < 400 ? 'ok' : reasonOf(answer.body),
      requestId: r?.requestId ?? '',
      body,
    });
    return answer;
  }

  private authenticate(rawHeaders: readonly string[]): string {
    let auth: string | null = null;
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === 'authorization') auth = rawHeaders[i + 1]!;
    const m = auth === null ? null : /^Bearer (\S+)$/.exec(auth);
    const instance = m === null ? null : this.deps.tokens(m[1]!);
    if (instance === null)
      throw new GceApiError(
        401,
        'authError',
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      );
    return instance;
  }

  private async run(route: Route, body: string, opError: { code: string; message: string } | null): Promise<HttpAnswer> {
    const { model } = this.deps;
    const { project, zone } = model.spec;
    switch (route.action) {
      case 'instances.get':
        return json(200, JSON.stringify(instanceJson(model.instance(route.instance!), project, zone, model.spec.subnet.name)));
      case 'instances.updateNetworkInterface': {
        const again = route.requestId !== null ? this.byRequestId.get(route.requestId) : undefined;
        const known = again !== undefined ? this.operations.get(again) : undefined;
        // The same requestId is the same request: its operation, not a second change.
        if (known !== undefined) return json(200, JSON.stringify(operationJson(known, project, zone)));
        const instance = route.instance!;
        const nic = route.nic!;
        const ranges = model.checkUpdate(instance, nic, parseBody(body));
        // What the update would add that another NIC holds now, as the operation's error (null: none).
        const inUse = (): { code: string; message: string } | null => {
          if (ranges === null) return null;
          const added = ranges.filter((r) => !model.nic(instance, nic).aliasIpRanges.some((o) => o.ipCidrRange === r.ipCidrRange));
          const held = model.heldElsewhere(instance, nic, added);
          return held.length === 0
            ? null
            : { code: 'IP_IN_USE_BY_ANOTHER_RESOURCE', message: `IP range(s) ${held.join(', ')} already in use by another network interface.` };
        };
        const refused = inUse();
        if (refused !== null && model.spec.aliasInUse === 'http400') throw new GceApiError(400, 'invalid', refused.message);
        const error = opError ?? refused;
        // Checked again when the operation finishes: two updates that each passed the check above while the
        // other was still running must not leave one address on two NICs; the later one fails as in use.
        const apply = (): { code: string; message: string } | null => {
          const taken = inUse();
          if (taken === null) model.apply(instance, nic, ranges);
          return taken;
        };
        const op = this.startOperation(instance, nic, error === null ? apply : null, error);
        if (route.requestId !== null) this.byRequestId.set(route.requestId, op.name);
        return json(200, JSON.stringify(operationJson(op, project, zone)));
      }
      case 'zoneOperations.get':
        return json(200, JSON.stringify(operationJson(this.operation(route.operation!), project, zone)));
      case 'zoneOperations.wait': {
        const op = this.operation(route.operation!);
        if (op.status !== 'DONE') {
          let capTimer: ReturnType<Timers['setTimeout']> | undefined;
          await Promise.race([op.done, new Promise<void>((resolve) => (capTimer = this.deps.timers.setTimeout(resolve, this.deps.waitCapMs)))]);
          if (capTimer !== undefined) this.deps.timers.clearTimeout(capTimer);
        }
        return json(200, JSON.stringify(operationJson(op, project, zone)));
      }
      default:
        throw new GceApiError(404, 'notFound', 'Not Found');
    }
  }

  private operation(name: string): GceOperation & { done: Promise<void> } {
    const op = this.operations.get(name);
    if (op === undefined)
      throw new GceApiError(
        404,
        'notFound',
        `The resource 'projects/${this.deps.model.spec.project}/zones/${this.deps.model.spec.zone}/operations/${name}' was not found`,
      );
    return op;
  }

  /** `apply` runs when the operation finishes and returns the operation's error if the change could not be made then. */
  private startOperation(
    instance: string,
    nic: string,
    apply: (() => { code: string; message: string } | null) | null,
    error: { code: string; message: string } | null,
  ): GceOperation {
    const now = new Date(this.deps.wallNowMs()).toISOString();
    let finish = (): void => {};
    const done = new Promise<void>((resolve) => (finish = resolve));
    const op = {
      id: String(BigInt(`0x${randomBytes(7).toString('hex')}`)),
      name: `operation-${Date.now()}-${randomBytes(6).toString('hex')}`,
      instance,
      nic,
      status: 'RUNNING' as GceOperation['status'],
      error: null as GceOperation['error'],
      insertTime: now,
      endTime: null as string | null,
      done,
      finish,
    };
    this.operations.set(op.name, op);
    const complete = (): void => {
      op.error = apply !== null ? apply() : error;
      op.status = 'DONE';
      op.endTime = new Date(this.deps.wallNowMs()).toISOString();
      op.finish();
    };
    if (this.deps.model.spec.operationMs <= 0) complete();
    else {
      const t = this.deps.timers.setTimeout(() => {
        this.timersPending.delete(t);
        complete();
      }, this.deps.model.spec.operationMs);
      this.timersPending.add(t);
    }
    return op;
  }
}

function parseRoute(method: string, url: URL, project: string, zone: string): Route {
  const m = /^\/compute\/v1\/projects\/([^/]+)\/zones\/([^/]+)\/(instances|operations)\/([^/]+)(\/[A-Za-z]+)?$/.exec(url.pathname);
  if (m === null) throw new GceApiError(404, 'notFound', `Not Found: ${method} ${url.pathname}`);
  const [, p, z, kind, name, verb] = m;
  if (p !== project) throw new GceApiError(404, 'notFound', `The resource 'projects/${p}' was not found`);
  if (z !== zone) throw new GceApiError(404, 'notFound', `The resource 'projects/${p}/zones/${z}' was not found`);
  const requestId = url.searchParams.get('requestId');
  const base = { instance: null, operation: null, nic: null, requestId };
  if (kind === 'instances' && method === 'GET' && verb === undefined) return { ...base, action: 'instances.get', instance: name! };
  if (kind === 'instances' && method === 'PATCH' && verb === '/updateNetworkInterface') {
    const nic = url.searchParams.get('networkInterface');
    if (nic === null || nic === '') throw new GceApiError(400, 'required', "Required parameter 'networkInterface' not specified");
    return { ...base, action: 'instances.updateNetworkInterface', instance: name!, nic };
  }
  if (kind === 'operations' && method === 'GET' && verb === undefined) return { ...base, action: 'zoneOperations.get', operation: name! };
  if (kind === 'operations' && method === 'POST' && verb === '/wait') return { ...base, action: 'zoneOperations.wait', operation: name! };
  throw new GceApiError(404, 'notFound', `Not Found: ${method} ${url.pathname}`);
}

function parseBody(body: string): { aliasIpRanges?: unknown; fingerprint?: unknown } {
  try {
    const v = JSON.parse(body) as unknown;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new GceApiError(400, 'parseError', 'Invalid JSON payload received.');
}

function json(status: number, body: string): HttpAnswer {
  return { status, headers: { 'content-type': 'application/json; charset=UTF-8' }, body };
}

function reasonOf(body: string): string {
  try {
    const v = JSON.parse(body) as { error?: { errors?: { reason?: string }[] } };
    return v.error?.errors?.[0]?.reason ?? 'error';
  } catch {
    return 'error';
  }
}

export type { GceInstance };
