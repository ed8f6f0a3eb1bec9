import type { IncomingMessage, ServerResponse } from 'node:http';
import { VipdError } from '../../src/errors';
import { processClock, type MonotonicClock } from '../../src/util/clock';
import type { Logger } from '../../src/util/logger';
import { realTimers, type Timers } from '../../src/util/timers';
import { CallLog } from './call-log';
import { handleControlRequest, type LabCloudControls } from './control';
import { Dataplane } from './dataplane';
import type { FabricProgrammer } from './fabric';
import { API_OUTAGES, FaultInjector, METADATA_OUTAGES, type ApiOutage, type MetadataOutage } from './faults';
import type { HttpAnswer, InstanceState } from './flavour';
import { type FlavourOf, createFlavour } from './flavours';
import { ManagedServer, readBody, sourceOf, type ListenTarget } from './managed-server';
import type { LabCloudSpec } from './spec';

/**
 * The emulated cloud as one object: one cloud's flavour (its API and
 * instance metadata, flavour.ts) over the shared parts: the data plane
 * (fabric routes following the control plane after a propagation delay),
 * fault injection, outage modes, the call log and a control endpoint for
 * tests. Runs in-process for tests or as its own process (main.ts) inside
 * the lab's fabric namespace, where its metadata listener sits on
 * 169.254.169.254:80.
 */
export interface LabCloudDeps {
  readonly fabric: FabricProgrammer;
  readonly logger: Logger;
  readonly clock?: MonotonicClock;
  readonly timers?: Timers;
  readonly random?: () => number;
  /** Wall-clock ms, for signature timestamps and credential expiry strings only. */
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

export class LabCloud<S extends LabCloudSpec = LabCloudSpec> implements LabCloudControls {
  readonly flavour: FlavourOf<S>;
  readonly faults: FaultInjector;
  readonly calls = new CallLog();
  readonly dataplane: Dataplane;
  private readonly clock: MonotonicClock;
  private readonly timers: Timers;
  private readonly log: Logger;
  private outageState: Outage = { api: null, metadata: null, metadataInstances: null };
  private readonly servers: ManagedServer[] = [];
  private apiServer: ManagedServer | null = null;
  private imdsServer: ManagedServer | null = null;

  constructor(spec: S, deps: LabCloudDeps) {
    this.clock = deps.clock ?? processClock;
    this.timers = deps.timers ?? realTimers;
    this.log = deps.logger.child({ component: 'lab-cloud', cloud: spec.cloud });
    this.faults = new FaultInjector(deps.random ?? Math.random);
    this.dataplane = new Dataplane({
      fabric: deps.fabric,
      logger: this.log,
      timers: this.timers,
      clock: this.clock,
      delayMs: spec.propagationDelayMs,
      nextHopOfEni: (holder) => this.flavour.nextHopOf(holder),
    });
    this.flavour = createFlavour(spec, {
      dataplane: this.dataplane,
      faults: this.faults,
      calls: this.calls,
      clock: this.clock,
      timers: this.timers,
      wallNowMs: deps.wallNowMs ?? (() => Date.now()),
      logger: this.log,
    });
  }

  async start(listen: LabCloudListen): Promise<LabCloudEndpoints> {
    // Secondary addresses and VIPs: the fabric starts out agreeing with the cloud.
    this.dataplane.init(this.flavour.routedAddresses());

    this.imdsServer = new ManagedServer('metadata', (req, res) => void this.serveMetadata(req, res));
    this.apiServer = new ManagedServer('api', (req, res) => void this.serveApi(req, res));
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
    if (api !== null && !API_OUTAGES.includes(api as ApiOutage))
      throw new VipdError('VIPD_E_CONFIG', `api outage must be one of ${API_OUTAGES.join('|')} or null`);
    if (metadata !== null && !METADATA_OUTAGES.includes(metadata as MetadataOutage)) {
      throw new VipdError('VIPD_E_CONFIG', `metadata outage must be one of ${METADATA_OUTAGES.join('|')} or null`);
    }
    // Absent: kept while the metadata outage stays http500 (setting only `api` must not widen it to every caller).
    const instancesInput = next.metadataInstances === undefined ? (isHttpOutage(metadata) ? this.outageState.metadataInstances : null) : next.metadataInstances;
    const metadataInstances = this.parseMetadataInstances(instancesInput, metadata as MetadataOutage | null);
    this.outageState = { api: api as ApiOutage | null, metadata: metadata as MetadataOutage | null, metadataInstances };
    await this.apiServer?.setMode(serverMode(this.outageState.api));
    await this.imdsServer?.setMode(serverMode(this.outageState.metadata));
    this.log.warn({ outage: this.outageState }, 'outage mode set');
    return this.outageState;
  }

  expireMetadataTokens(): number {
    return this.flavour.expireMetadataTokens();
  }

  setRoleCredentialLifetime(settings: { lifetimeMs: unknown; rotateBeforeMs: unknown }): void {
    const ok = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= 43_200_000;
    const { lifetimeMs, rotateBeforeMs } = settings;
    if (!ok(lifetimeMs, 1000) || !ok(rotateBeforeMs, 0) || rotateBeforeMs >= lifetimeMs) {
      throw new VipdError('VIPD_E_CONFIG', 'role credentials: lifetimeMs must be an integer 1000..43200000 and rotateBeforeMs an integer below it');
    }
    this.flavour.setRoleCredentialLifetime(lifetimeMs, rotateBeforeMs);
  }

  /** Separate delays for the winner's metadata, the loser's metadata and the traffic. */
  setPropagationDelays(d: { winnerMetadataMs: unknown; loserMetadataMs: unknown; trafficMs: unknown }): void {
    const ok = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 600_000;
    const { winnerMetadataMs, loserMetadataMs, trafficMs } = d;
    if (!ok(winnerMetadataMs) || !ok(loserMetadataMs) || !ok(trafficMs))
      throw new VipdError('VIPD_E_CONFIG', 'propagation delays (winnerMetadataMs, loserMetadataMs, trafficMs) must be integers 0..600000 ms');
    this.dataplane.setDelays({ winnerMetadataMs, loserMetadataMs, trafficMs });
  }

  setReadLag(ms: number): void {
    if (!Number.isInteger(ms) || ms < 0 || ms > 600_000) throw new VipdError('VIPD_E_CONFIG', 'read lag must be an integer 0..600000 ms');
    this.flavour.setReadLag(ms);
  }

  expireRoleCredentials(): number {
    return this.flavour.expireRoleCredentials();
  }

  setPropagationDelay(ms: number): void {
    if (!Number.isInteger(ms) || ms < 0 || ms > 600_000) throw new VipdError('VIPD_E_CONFIG', 'propagation delay must be an integer 0..600000 ms');
    this.dataplane.setDelay(ms);
  }

  setDescribePageSize(size: number | null): void {
    if (size !== null && (!Number.isInteger(size) || size < 1)) throw new VipdError('VIPD_E_CONFIG', 'page size must be a positive integer or null');
    this.flavour.setListPageSize(size);
  }

  setInstanceState(id: string, state: InstanceState): void {
    this.flavour.setInstanceState(id, state);
  }

  settled(): Promise<void> {
    return this.dataplane.settled();
  }

  state(): Record<string, unknown> {
    return {
      ...this.flavour.state(),
      dataplane: this.dataplane.view(),
      propagationDelayMs: this.dataplane.propagationDelayMs,
      propagationDelays: this.dataplane.propagationDelays,
      faults: this.faults.list(),
      outage: this.outageState,
      fabric: this.dataplane.fabricEvents(),
    };
  }

  // ---- serving ----

  private async serveApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (this.outageState.api === 'http503') {
        send(res, this.flavour.apiUnavailable());
        return;
      }
      const body = await readBody(req, MAX_API_BODY);
      send(res, await this.flavour.serveApi({ method: req.method ?? 'GET', target: req.url ?? '/', rawHeaders: req.rawHeaders, body, source: sourceOf(req) }));
    } catch (e) {
      this.log.error({ err: e instanceof Error ? e.message : String(e) }, 'API request failed inside the emulator');
      if (!res.headersSent) send(res, this.flavour.apiInternalError());
    }
  }

  private parseMetadataInstances(input: unknown, metadata: MetadataOutage | null): readonly string[] | null {
    if (input === null) return null;
    if (!Array.isArray(input) || input.length === 0 || !input.every((i) => typeof i === 'string')) {
      throw new VipdError('VIPD_E_CONFIG', 'metadataInstances must be a non-empty array of instance ids, or null');
    }
    // refuse/reset/hang are modes of the whole server; only an HTTP answer can depend on the caller.
    if (!isHttpOutage(metadata)) throw new VipdError('VIPD_E_CONFIG', 'metadataInstances needs metadata: http500 or http429');
    for (const id of input as string[]) {
      if (!this.flavour.hasInstance(id)) throw new VipdError('VIPD_E_CONFIG', `metadataInstances: instance ${id} does not exist`);
    }
    return [...(input as string[])];
  }

  private metadataFailsFor(source: string): boolean {
    if (!isHttpOutage(this.outageState.metadata)) return false;
    const only = this.outageState.metadataInstances;
    if (only === null) return true;
    const caller = this.flavour.instanceOf(source);
    return caller !== null && only.includes(caller);
  }

  private async serveMetadata(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (this.metadataFailsFor(sourceOf(req))) {
        if (this.outageState.metadata === 'http429') reply(res, 429, 'text/plain', 'Too Many Requests');
        else reply(res, 500, 'text/plain', 'Internal Server Error');
        return;
      }
      await readBody(req, 64 * 1024);
      send(res, this.flavour.serveMetadata({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, source: sourceOf(req) }));
    } catch (e) {
      this.log.error({ err: e instanceof Error ? e.message : String(e) }, 'metadata request failed inside the emulator');
      if (!res.headersSent) reply(res, 500, 'text/plain', 'emulator failure');
    }
  }
}

/** The metadata outages that are HTTP answers, which can depend on the caller. */
function isHttpOutage(outage: string | null | undefined): boolean {
  return outage === 'http500' || outage === 'http429';
}

function serverMode(outage: ApiOutage | MetadataOutage | null): 'up' | 'refuse' | 'reset' | 'hang' {
  return outage === 'refuse' || outage === 'reset' || outage === 'hang' ? outage : 'up';
}

function send(res: ServerResponse, answer: HttpAnswer): void {
  res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
  res.end(answer.body);
}

function reply(res: ServerResponse, status: number, contentType: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...extra, 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
