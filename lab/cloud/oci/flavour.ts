import { createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { VipdError } from '../../../src/errors';
import { sleep } from '../../../src/util/timers';
import type { ApiRequest, FlavourContext, HttpAnswer, InstanceState, LabCloudFlavour, MetadataRequest } from '../flavour';
import { handleOciRequest, type OciPrincipal } from './api';
import { OciImdsService } from './imds';
import { InstancePrincipals } from './principals';
import { headerMap } from './signature';
import { OciApiError, OciModel } from './model';
import type { OciCloudSpec } from './spec';

/**
 * The oci flavour of the lab cloud: the Core Services REST API (requests
 * signed with an API key `<tenancy>/<user>/<fingerprint>`, or with an
 * instance principal's session token `ST$<jwt>`), OCI's private IP
 * semantics (model.ts) and instance metadata v2.
 */
export class OciFlavour implements LabCloudFlavour {
  readonly cloud = 'oci' as const;
  readonly model: OciModel;
  private readonly imds: OciImdsService;
  private readonly keys = new Map<string, { key: KeyObject; principal: OciPrincipal }>();
  private readonly principals: InstancePrincipals;
  private pageSize: number | null = null;
  private inFlight = 0;
  private maxInFlightSeen = 0;

  constructor(
    private readonly spec: OciCloudSpec,
    private readonly ctx: FlavourContext,
  ) {
    this.model = new OciModel(
      spec,
      (address, vnicId) => {
        ctx.logger.info({ vip: address, vnic: vnicId }, 'control plane: address holder changed');
        ctx.dataplane.change(address, vnicId);
      },
      ctx.wallNowMs,
    );
    for (const u of spec.users) {
      this.keys.set(`${spec.tenancyId}/${u.userId}/${u.fingerprint}`, {
        key: createPublicKey(u.publicKeyPem),
        principal: { id: u.userId, allowedOperations: u.allowedOperations },
      });
    }
    this.principals = new InstancePrincipals(
      spec.tenancyId,
      spec.instances.map((i) => i.id),
      spec.sessionTokenLifetimeS,
      ctx.wallNowMs,
    );
    this.imds = new OciImdsService({ spec, model: this.model, log: ctx.calls, clock: ctx.clock, identityOf: (id) => this.principals.identityOf(id) });
  }

  routedAddresses(): ReadonlyArray<readonly [string, string | null]> {
    const tracked = new Set<string>(this.spec.vips);
    for (const v of this.spec.vnics) for (const ip of v.privateIps.slice(1)) tracked.add(ip);
    return [...tracked].map((a) => [a, this.model.holderOf(a)] as const);
  }

  nextHopOf(vnicId: string): string | null {
    const v = this.model.vnics.find((n) => n.id === vnicId);
    return v === undefined || v.instanceId === null ? null : v.primaryIp;
  }

  /** The most API requests the emulator was serving at once (tests read it to see concurrency without timing). */
  get maxInFlight(): number {
    return this.maxInFlightSeen;
  }

  async serveApi(req: ApiRequest): Promise<HttpAnswer> {
    this.inFlight++;
    this.maxInFlightSeen = Math.max(this.maxInFlightSeen, this.inFlight);
    try {
      return await this.handle(req);
    } finally {
      this.inFlight--;
    }
  }

  private async handle(req: ApiRequest): Promise<HttpAnswer> {
    if (req.method === 'POST' && req.target.split('?')[0] === '/v1/x509') return this.federate(req);
    return handleOciRequest(req, {
      model: this.model,
      keyOf: (id) => this.keys.get(id) ?? this.sessionKey(id),
      faults: this.ctx.faults,
      log: this.ctx.calls,
      clock: this.ctx.clock,
      wallNowMs: this.ctx.wallNowMs,
      sleep: (ms) => sleep(this.ctx.timers, ms),
      pageSize: () => this.pageSize,
      compartmentId: this.spec.compartmentId,
      availabilityDomain: `Uocm:${this.spec.region.toUpperCase()}-AD-1`,
    });
  }

  /** Instance principal federation: certificate in, session token out (logged as operation FederateX509). */
  private federate(req: ApiRequest): HttpAnswer {
    const answer = this.principals.federate({ method: req.method, target: req.target, headers: headerMap(req.rawHeaders), body: req.body });
    const requestId = randomUUID();
    this.ctx.calls.addEc2({
      atMs: this.ctx.clock.nowMs(),
      action: 'FederateX509',
      params: {},
      caller: answer.caller,
      source: req.source,
      status: answer.status,
      result: answer.status === 200 ? 'ok' : String(answer.body['code']),
      requestId,
      body: req.body.toString('utf8'),
    });
    return { status: answer.status, headers: { 'content-type': 'application/json', 'opc-request-id': requestId }, body: JSON.stringify(answer.body) };
  }

  private sessionKey(keyId: string): { key: KeyObject; principal: { id: string; allowedOperations: readonly string[] | null } } | null {
    const s = this.principals.session(keyId);
    if (s === null) return null;
    return {
      key: s.key,
      principal: { id: s.instanceId, allowedOperations: this.spec.instances.find((i) => i.id === s.instanceId)?.allowedOperations ?? null },
    };
  }

  apiUnavailable(): HttpAnswer {
    return errorAnswer(503, 'ServiceUnavailable', 'The service is unavailable. Please try again shortly.');
  }

  apiInternalError(): HttpAnswer {
    return errorAnswer(500, 'InternalServerError', 'emulator failure');
  }

  serveMetadata(req: MetadataRequest): HttpAnswer {
    return this.imds.handle(req);
  }

  instanceOf(source: string): string | null {
    return this.spec.instances.find((i) => i.sourceAddresses.includes(source))?.id ?? null;
  }

  hasInstance(id: string): boolean {
    return this.spec.instances.some((i) => i.id === id);
  }

  setInstanceState(id: string, state: InstanceState): void {
    try {
      this.model.setInstanceState(id, state);
    } catch (e) {
      if (e instanceof OciApiError) throw new VipdError('VIPD_E_CONFIG', e.message, { cause: e });
      throw e;
    }
  }

  /** OCI metadata v2 has no session tokens; this ends the instance principals' API sessions instead. */
  expireMetadataTokens(): number {
    return this.principals.revokeSessions();
  }

  /** OCI has no role credentials: instance principals renew their session token by its exp (sessionTokenLifetimeS). */
  setRoleCredentialLifetime(): void {
    throw new VipdError(
      'VIPD_E_CONFIG',
      'the oci flavour has no role credentials: set sessionTokenLifetimeS in its spec, or revoke sessions with expireRoleCredentials',
    );
  }

  /** The nearest OCI event: every session token issued so far stops being accepted. */
  expireRoleCredentials(): number {
    return this.principals.revokeSessions();
  }

  setReadLag(): void {
    throw new VipdError('VIPD_E_CONFIG', 'a read lag is emulated by the aws flavour only');
  }

  setListPageSize(size: number | null): void {
    this.pageSize = size;
  }

  state(): Record<string, unknown> {
    return { ...this.model.snapshot(), listPageSize: this.pageSize, maxInFlight: this.maxInFlightSeen };
  }
}

function errorAnswer(status: number, code: string, message: string): HttpAnswer {
  return { status, headers: { 'content-type': 'application/json', 'opc-request-id': `${Date.now()}` }, body: JSON.stringify({ code, message }) };
}
