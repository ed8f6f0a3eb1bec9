import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { VipdError } from '../../src/errors';
import { processClock, type MonotonicClock } from '../../src/util/clock';
import type { Logger } from '../../src/util/logger';
import { realTimers, sleep, type Timers } from '../../src/util/timers';
import { CallLog } from './call-log';
import { handleControlRequest, type LabCloudControls } from './control';
import { Dataplane } from './dataplane';
import { handleEc2Request } from './aws/ec2-api';
import { Ec2Model, type Instance } from './aws/ec2-model';
import type { FabricProgrammer } from './fabric';
import { API_OUTAGES, FaultInjector, METADATA_OUTAGES, type ApiOutage, type MetadataOutage } from './faults';
import { ImdsService, type RoleCredentials } from './aws/imds-service';
import { ManagedServer, readBody, sourceOf, type ListenTarget } from './managed-server';
import type { KeyRecord } from './aws/sigv4';
import type { LabCloudSpec } from './aws/spec';
import { ec2ErrorDocument } from './aws/xml';

/**
 * The emulated cloud as one object: EC2 control plane + instance metadata +
 * data plane (fabric routes) + a control endpoint for tests. Runs in-process
 * for tests or as its own process (main.ts) inside the lab's fabric
 * namespace, where its metadata listener sits on 169.254.169.254:80.
 */
export interface LabCloudDeps {
  readonly fabric: FabricProgrammer;
  readonly logger: Logger;
  readonly clock?: MonotonicClock;
  readonly timers?: Timers;
  readonly random?: () => number;
  /** Wall-clock ms, for SigV4 timestamps and credential expiry strings only. */
  readonly wallNowMs?: () => number;
}

export interface LabCloudListen {
  readonly imds: { readonly host: string; readonly port: number };
  readonly api: { readonly host: string; readonly port: number };
  readonly control?: ListenTarget;
}

export interface LabCloudEndpoints {
  readonly imdsUrl: string;
  readonly apiUrl: string;
  readonly controlUrl: string | null;
  readonly controlSocket: string | null;
}

export interface Outage {
  readonly api: ApiOutage | null;
  readonly metadata: MetadataOutage | null;
  /** With metadata http500: only these instances' metadata calls fail (one node's metadata broken); null = every caller. */
  readonly metadataInstances: readonly string[] | null;
}

const MAX_API_BODY = 1024 * 1024;
const ROLE_CREDENTIAL_LIFETIME_MS = 6 * 3600 * 1000;

export class LabCloud implements LabCloudControls {
  readonly model: Ec2Model;
  readonly faults: FaultInjector;
  readonly calls = new CallLog();
  readonly dataplane: Dataplane;
  private readonly imds: ImdsService;
  private readonly clock: MonotonicClock;
  private readonly timers: Timers;
  private readonly wallNowMs: () => number;
  private readonly log: Logger;
  private readonly roleCredentials = new Map<string, RoleCredentials>();
  private readonly keys = new Map<string, KeyRecord>();
  private outageState: Outage = { api: null, metadata: null, metadataInstances: null };
  private pageSize: number | null = null;
  private readonly servers: ManagedServer[] = [];
  private apiServer: ManagedServer | null = null;
  private imdsServer: ManagedServer | null = null;

  constructor(
    private readonly spec: LabCloudSpec,
    deps: LabCloudDeps,
  ) {
    this.clock = deps.clock ?? processClock;
    this.timers = deps.timers ?? realTimers;
    this.wallNowMs = deps.wallNowMs ?? (() => Date.now());
    this.log = deps.logger.child({ component: 'lab-cloud' });
    this.faults = new FaultInjector(deps.random ?? Math.random);
    this.dataplane = new Dataplane({
      fabric: deps.fabric,
      logger: this.log,
      timers: this.timers,
      clock: this.clock,
      delayMs: spec.propagationDelayMs,
      nextHopOfEni: (eniId) => {
        const eni = this.model.enis.find((e) => e.id === eniId);
        return eni === undefined || eni.instanceId === null ? null : (eni.ips.find((i) => i.primary)?.address ?? null);
      },
    });
    this.model = new Ec2Model(spec, (address, eniId) => {
      this.log.info({ vip: address, eni: eniId }, 'control plane: address holder changed');
      this.dataplane.change(address, eniId);
    });
    for (const inst of this.model.instances) this.issueRoleCredentials(inst);
    for (const u of spec.users) {
      this.keys.set(u.accessKeyId, { secretAccessKey: u.secretAccessKey, sessionToken: null, principal: { kind: 'user', id: u.name, allowedActions: u.allowedActions } });
    }
    this.imds = new ImdsService({ model: this.model, dataplane: this.dataplane, clock: this.clock, log: this.calls, credentialsOf: (id) => this.roleCredentials.get(id) ?? null });
  }

  async start(listen: LabCloudListen): Promise<LabCloudEndpoints> {
    // Secondary addresses and VIPs: the fabric starts out agreeing with the cloud.
    const tracked = new Set<string>(this.spec.vips);
    for (const eni of this.model.enis) for (const ip of eni.ips) if (!ip.primary) tracked.add(ip.address);
    this.dataplane.init([...tracked].map((a) => [a, this.model.holderOf(a)?.id ?? null] as const));

    this.imdsServer = new ManagedServer('imds', (req, res) => void this.serveImds(req, res));
    this.apiServer = new ManagedServer('ec2', (req, res) => void this.serveApi(req, res));
    this.servers.push(this.imdsServer, this.apiServer);
    const imdsPort = await this.imdsServer.listen(listen.imds);
    const apiPort = await this.apiServer.listen(listen.api);
    let controlUrl: string | null = null;
    let controlSocket: string | null = null;
    if (listen.control !== undefined) {
      const control = new ManagedServer('control', (req, res) => void handleControlRequest(req, res, this, this.log));
      this.servers.push(control);
      const port = await control.listen(listen.control);
      if ('socketPath' in listen.control) controlSocket = listen.control.socketPath;
      else controlUrl = `http://${hostForUrl(listen.control.host)}:${port}`;
    }
    const endpoints = {
      imdsUrl: `http://${hostForUrl(listen.imds.host)}:${imdsPort}`,
      apiUrl: `http://${hostForUrl(listen.api.host)}:${apiPort}`,
      controlUrl,
      controlSocket,
    };
    this.log.info({ ...endpoints, propagationDelayMs: this.dataplane.propagationDelayMs }, 'lab cloud listening');
    return endpoints;
  }

  async stop(): Promise<void> {
    this.dataplane.stop();
    await Promise.all(this.servers.map((s) => s.close()));
    await this.dataplane.settled();
  }

  // ---- controls (also reachable through the control endpoint) ----

  get outage(): Outage {
    return this.outageState;
  }

  async setOutage(next: { api?: string | null; metadata?: string | null; metadataInstances?: unknown }): Promise<Outage> {
    const api = next.api === undefined ? this.outageState.api : next.api;
    const metadata = next.metadata === undefined ? this.outageState.metadata : next.metadata;
    if (api !== null && !API_OUTAGES.includes(api as ApiOutage)) throw new VipdError('VIPD_E_CONFIG', `api outage must be one of ${API_OUTAGES.join('|')} or null`);
    if (metadata !== null && !METADATA_OUTAGES.includes(metadata as MetadataOutage)) {
      throw new VipdError('VIPD_E_CONFIG', `metadata outage must be one of ${METADATA_OUTAGES.join('|')} or null`);
    }
    // Absent: kept while the metadata outage stays http500 (setting only `api` must not widen it to every caller).
    const instancesInput = next.metadataInstances === undefined ? (metadata === 'http500' ? this.outageState.metadataInstances : null) : next.metadataInstances;
    const metadataInstances = this.parseMetadataInstances(instancesInput, metadata as MetadataOutage | null);
    this.outageState = { api: api as ApiOutage | null, metadata: metadata as MetadataOutage | null, metadataInstances };
    await this.apiServer?.setMode(serverMode(this.outageState.api));
    await this.imdsServer?.setMode(serverMode(this.outageState.metadata));
    this.log.warn({ outage: this.outageState }, 'outage mode set');
    return this.outageState;
  }

  expireMetadataTokens(): number {
    return this.imds.expireTokens();
  }

  setPropagationDelay(ms: number): void {
    if (!Number.isInteger(ms) || ms < 0 || ms > 600_000) throw new VipdError('VIPD_E_CONFIG', 'propagation delay must be an integer 0..600000 ms');
    this.dataplane.setDelay(ms);
  }

  setDescribePageSize(size: number | null): void {
    if (size !== null && (!Number.isInteger(size) || size < 1)) throw new VipdError('VIPD_E_CONFIG', 'page size must be a positive integer or null');
    this.pageSize = size;
  }

  setInstanceState(id: string, state: Instance['state']): void {
    this.model.setInstanceState(id, state);
  }

  settled(): Promise<void> {
    return this.dataplane.settled();
  }

  /** Role credentials issued to an instance (tests compare with what the SDK signed with). */
  credentialsOf(instanceId: string): RoleCredentials | null {
    return this.roleCredentials.get(instanceId) ?? null;
  }

  state(): Record<string, unknown> {
    return {
      ...this.model.snapshot(),
      dataplane: this.dataplane.view(),
      propagationDelayMs: this.dataplane.propagationDelayMs,
      describePageSize: this.pageSize,
      faults: this.faults.list(),
      outage: this.outageState,
      fabric: this.dataplane.fabricEvents(),
      metadataTokens: this.imds.tokenCount(),
    };
  }

  // ---- serving ----

  private async serveApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (this.outageState.api === 'http503') {
        reply(res, 503, 'text/xml', ec2ErrorDocument('Unavailable', 'The service is unavailable. Please try again shortly.', randomUUID()), this.dateHeader());
        return;
      }
      const body = await readBody(req, MAX_API_BODY);
      const answer = await handleEc2Request(
        { method: req.method ?? 'GET', target: req.url ?? '/', rawHeaders: req.rawHeaders, body, source: sourceOf(req) },
        {
          model: this.model,
          keys: (id) => this.keys.get(id) ?? null,
          faults: this.faults,
          log: this.calls,
          clock: this.clock,
          wallNowMs: this.wallNowMs,
          sleep: (ms) => sleep(this.timers, ms),
          requestId: randomUUID,
          describePageSize: () => this.pageSize,
        },
      );
      reply(res, answer.status, 'text/xml;charset=UTF-8', answer.body, { 'x-amzn-requestid': answer.requestId, ...this.dateHeader() });
    } catch (e) {
      this.log.error({ err: e instanceof Error ? e.message : String(e) }, 'EC2 request failed inside the emulator');
      if (!res.headersSent) reply(res, 500, 'text/xml', ec2ErrorDocument('InternalError', 'emulator failure', randomUUID()));
    }
  }

  private parseMetadataInstances(input: unknown, metadata: MetadataOutage | null): readonly string[] | null {
    if (input === null) return null;
    if (!Array.isArray(input) || input.length === 0 || !input.every((i) => typeof i === 'string')) {
      throw new VipdError('VIPD_E_CONFIG', 'metadataInstances must be a non-empty array of instance ids, or null');
    }
    // refuse/reset/hang are modes of the whole server; only an HTTP answer can depend on the caller.
    if (metadata !== 'http500') throw new VipdError('VIPD_E_CONFIG', 'metadataInstances needs metadata: http500');
    for (const id of input as string[]) {
      if (!this.model.instances.some((i) => i.id === id)) throw new VipdError('VIPD_E_CONFIG', `metadataInstances: instance ${id} does not exist`);
    }
    return [...(input as string[])];
  }

  private metadataFailsFor(source: string): boolean {
    if (this.outageState.metadata !== 'http500') return false;
    const only = this.outageState.metadataInstances;
    if (only === null) return true;
    const caller = this.model.instances.find((i) => i.sourceAddresses.includes(source));
    return caller !== undefined && only.includes(caller.id);
  }

  /** EC2's own clock, as real answers carry it: the SDK corrects a skewed client clock from it. */
  private dateHeader(): Record<string, string> {
    return { date: new Date(this.wallNowMs()).toUTCString() };
  }

  private async serveImds(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (this.metadataFailsFor(sourceOf(req))) {
        reply(res, 500, 'text/plain', 'Internal Server Error');
        return;
      }
      await readBody(req, 64 * 1024);
      const answer = this.imds.handle({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, source: sourceOf(req) });
      res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
      res.end(answer.body);
    } catch (e) {
      this.log.error({ err: e instanceof Error ? e.message : String(e) }, 'metadata request failed inside the emulator');
      if (!res.headersSent) reply(res, 500, 'text/plain', 'emulator failure');
    }
  }

  private issueRoleCredentials(inst: Instance): void {
    if (inst.role === null) return;
    const now = this.wallNowMs();
    const creds: RoleCredentials = {
      accessKeyId: `ASIA${alnum(16)}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: `IQoJb3JpZ2luX2VjE${randomBytes(96).toString('base64')}`,
      expiration: new Date(now + ROLE_CREDENTIAL_LIFETIME_MS).toISOString().replace(/\.[0-9]{3}Z$/, 'Z'),
      lastUpdated: new Date(now).toISOString().replace(/\.[0-9]{3}Z$/, 'Z'),
    };
    this.roleCredentials.set(inst.id, creds);
    this.keys.set(creds.accessKeyId, {
      secretAccessKey: creds.secretAccessKey,
      sessionToken: creds.sessionToken,
      principal: { kind: 'instance', id: inst.id, allowedActions: inst.allowedActions },
    });
  }
}

function serverMode(outage: ApiOutage | MetadataOutage | null): 'up' | 'refuse' | 'reset' | 'hang' {
  return outage === 'refuse' || outage === 'reset' || outage === 'hang' ? outage : 'up';
}

function reply(res: ServerResponse, status: number, contentType: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...extra, 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function alnum(n: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return [...randomBytes(n)].map((b) => alphabet[b % alphabet.length]).join('');
}
