import { randomBytes, randomUUID } from 'node:crypto';
import { VipdError } from '../../../src/errors';
import { sleep } from '../../../src/util/timers';
import type { AwsCloudSpec } from './spec';
import type { ApiRequest, FlavourContext, HttpAnswer, InstanceState, LabCloudFlavour, MetadataRequest } from '../flavour';
import { handleEc2Request } from './ec2-api';
import { Ec2ApiError } from './ec2-errors';
import { Ec2Model, type Instance } from './ec2-model';
import { ImdsService, type RoleCredentials } from './imds-service';
import type { KeyRecord } from './sigv4';
import { ec2ErrorDocument } from './xml';

/** What EC2 issues an instance role: about six hours, with new credentials in metadata at least five minutes before expiry. */
const ROLE_CREDENTIAL_LIFETIME_MS = 6 * 3600 * 1000;
const ROLE_CREDENTIAL_ROTATE_BEFORE_MS = 5 * 60 * 1000;

/**
 * The aws flavour of the lab cloud: the EC2 Query API (SigV4 against the
 * keys it issued: static users and each instance role's credentials, served
 * by its IMDSv2), and the EC2 model of instances, ENIs and addresses.
 */
export class AwsFlavour implements LabCloudFlavour {
  readonly cloud = 'aws' as const;
  readonly model: Ec2Model;
  private readonly imds: ImdsService;
  private readonly roleCredentials = new Map<string, RoleCredentials>();
  private readonly keys = new Map<string, KeyRecord>();
  private pageSize: number | null = null;
  private credentialLifetimeMs = ROLE_CREDENTIAL_LIFETIME_MS;
  /** EC2's eventual consistency: Describe* shows the state of this long ago (0: live). */
  private readLagMs = 0;
  private readView: Ec2Model | null = null;
  private credentialRotateBeforeMs = ROLE_CREDENTIAL_ROTATE_BEFORE_MS;

  constructor(
    private readonly spec: AwsCloudSpec,
    private readonly ctx: FlavourContext,
  ) {
    this.model = new Ec2Model(spec, (address, eniId) => {
      ctx.logger.info({ vip: address, eni: eniId }, 'control plane: address holder changed');
      ctx.dataplane.change(address, eniId);
    });
    for (const inst of this.model.instances) this.issueRoleCredentials(inst);
    for (const u of spec.users) {
      this.keys.set(u.accessKeyId, {
        secretAccessKey: u.secretAccessKey,
        sessionToken: null,
        principal: { kind: 'user', id: u.name, allowedActions: u.allowedActions, policy: null },
        expiresAtMs: null,
      });
    }
    this.imds = new ImdsService({
      model: this.model,
      dataplane: ctx.dataplane,
      clock: ctx.clock,
      log: ctx.calls,
      credentialsOf: (id) => this.currentCredentials(id),
    });
  }

  routedAddresses(): ReadonlyArray<readonly [string, string | null]> {
    const tracked = new Set<string>(this.spec.vips);
    for (const eni of this.model.enis) for (const ip of eni.ips) if (!ip.primary) tracked.add(ip.address);
    return [...tracked].map((a) => [a, this.model.holderOf(a)?.id ?? null] as const);
  }

  nextHopOf(eniId: string): string | null {
    const eni = this.model.enis.find((e) => e.id === eniId);
    return eni === undefined || eni.instanceId === null ? null : (eni.ips.find((i) => i.primary)?.address ?? null);
  }

  async serveApi(req: ApiRequest): Promise<HttpAnswer> {
    const answer = await handleEc2Request(req, {
      model: this.model,
      keys: (id) => this.keys.get(id) ?? null,
      faults: this.ctx.faults,
      log: this.ctx.calls,
      clock: this.ctx.clock,
      wallNowMs: this.ctx.wallNowMs,
      sleep: (ms) => sleep(this.ctx.timers, ms),
      requestId: randomUUID,
      describePageSize: () => this.pageSize,
      readView: () => this.readView ?? this.model,
      changed: () => this.onChanged(),
    });
    return {
      status: answer.status,
      headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': answer.requestId, ...this.dateHeader() },
      body: answer.body,
    };
  }

  apiUnavailable(): HttpAnswer {
    return {
      status: 503,
      headers: { 'content-type': 'text/xml', ...this.dateHeader() },
      body: ec2ErrorDocument('Unavailable', 'The service is unavailable. Please try again shortly.', randomUUID()),
    };
  }

  apiInternalError(): HttpAnswer {
    return { status: 500, headers: { 'content-type': 'text/xml' }, body: ec2ErrorDocument('InternalError', 'emulator failure', randomUUID()) };
  }

  serveMetadata(req: MetadataRequest): HttpAnswer {
    return this.imds.handle(req);
  }

  instanceOf(source: string): string | null {
    return this.model.instances.find((i) => i.sourceAddresses.includes(source))?.id ?? null;
  }

  hasInstance(id: string): boolean {
    return this.model.instances.some((i) => i.id === id);
  }

  setInstanceState(id: string, state: InstanceState): void {
    try {
      this.model.setInstanceState(id, state);
    } catch (e) {
      if (e instanceof Ec2ApiError) throw new VipdError('VIPD_E_CONFIG', e.message, { cause: e });
      throw e;
    }
  }

  expireMetadataTokens(): number {
    return this.imds.expireTokens();
  }

  setRoleCredentialLifetime(lifetimeMs: number, rotateBeforeMs: number): void {
    this.credentialLifetimeMs = lifetimeMs;
    this.credentialRotateBeforeMs = rotateBeforeMs;
    for (const inst of this.model.instances) this.issueRoleCredentials(inst);
  }

  expireRoleCredentials(): number {
    const now = this.ctx.wallNowMs();
    let n = 0;
    for (const [id, key] of this.keys) {
      if (key.principal.kind !== 'instance' || (key.expiresAtMs !== null && key.expiresAtMs <= now)) continue;
      this.keys.set(id, { ...key, expiresAtMs: now });
      n++;
    }
    for (const inst of this.model.instances) this.issueRoleCredentials(inst);
    this.ctx.logger.warn({ expired: n }, 'role credentials expired');
    return n;
  }

  setReadLag(ms: number): void {
    this.readLagMs = ms;
    // From now on reads lag behind the changes made from now on; a lag of 0 reads live again.
    this.readView = ms > 0 ? this.model.frozenCopy() : null;
  }

  private onChanged(): void {
    if (this.readLagMs === 0) return;
    const copy = this.model.frozenCopy();
    // Timers fire in order: at t the view is the state after the last change made before t - lag.
    this.ctx.timers.setTimeout(() => {
      if (this.readLagMs > 0) this.readView = copy;
    }, this.readLagMs);
  }

  setListPageSize(size: number | null): void {
    this.pageSize = size;
  }

  state(): Record<string, unknown> {
    return { ...this.model.snapshot(), describePageSize: this.pageSize, readLagMs: this.readLagMs, metadataTokens: this.imds.tokenCount() };
  }

  /** Role credentials issued to an instance (tests compare with what the SDK signed with). */
  credentialsOf(instanceId: string): RoleCredentials | null {
    return this.roleCredentials.get(instanceId) ?? null;
  }

  /** What metadata serves now: the successor once the current credentials are within the rotation lead of expiry. */
  private currentCredentials(instanceId: string): RoleCredentials | null {
    const current = this.roleCredentials.get(instanceId) ?? null;
    const inst = this.model.instances.find((i) => i.id === instanceId);
    if (current === null || inst === undefined) return current;
    if (Date.parse(current.expiration) - this.ctx.wallNowMs() > this.credentialRotateBeforeMs) return current;
    this.issueRoleCredentials(inst);
    return this.roleCredentials.get(instanceId) ?? null;
  }

  /** EC2's own clock, as real answers carry it: the SDK corrects a skewed client clock from it. */
  private dateHeader(): Record<string, string> {
    return { date: new Date(this.ctx.wallNowMs()).toUTCString() };
  }

  private issueRoleCredentials(inst: Instance): void {
    if (inst.role === null) return;
    const now = this.ctx.wallNowMs();
    const creds: RoleCredentials = {
      accessKeyId: `ASIA${alnum(16)}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: `IQoJb3JpZ2luX2VjE${randomBytes(96).toString('base64')}`,
      expiration: new Date(now + this.credentialLifetimeMs).toISOString().replace(/\.[0-9]{3}Z$/, 'Z'),
      lastUpdated: new Date(now).toISOString().replace(/\.[0-9]{3}Z$/, 'Z'),
    };
    this.roleCredentials.set(inst.id, creds);
    this.keys.set(creds.accessKeyId, {
      secretAccessKey: creds.secretAccessKey,
      sessionToken: creds.sessionToken,
      principal: { kind: 'instance', id: inst.id, allowedActions: inst.allowedActions, policy: inst.policy },
      // Whole seconds, as the Expiration string the client reads: neither side may think it lasts longer.
      expiresAtMs: Date.parse(creds.expiration),
    });
  }
}

function alnum(n: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return [...randomBytes(n)].map((b) => alphabet[b % alphabet.length]).join('');
}
