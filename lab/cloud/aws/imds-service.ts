import { randomBytes } from 'node:crypto';
import type { MonotonicClock } from '../../../src/util/clock';
import type { CallLog } from '../call-log';
import type { Dataplane } from '../dataplane';
import type { Ec2Model, Eni, Instance } from './ec2-model';

/**
 * The emulated instance metadata service, IMDSv2 only (tokens required, as
 * a hardened instance is configured). The caller is identified by its
 * source address, as the real service does; each instance sees only its own
 * interfaces. Secondary addresses appear in local-ipv4s only once the data
 * plane has caught up with the API (the propagation delay).
 */
export interface RoleCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** ISO-8601 wall-clock time, as the real service writes it. */
  readonly expiration: string;
  readonly lastUpdated: string;
}

export interface ImdsServiceDeps {
  readonly model: Ec2Model;
  readonly dataplane: Dataplane;
  readonly clock: MonotonicClock;
  readonly log: CallLog;
  readonly credentialsOf: (instanceId: string) => RoleCredentials | null;
}

export interface ImdsRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly source: string;
}

export interface ImdsAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const MAX_TTL_SECONDS = 21_600;

interface Token {
  readonly instanceId: string;
  readonly expiresAtMs: number;
}

export class ImdsService {
  private tokens = new Map<string, Token>();

  constructor(private readonly deps: ImdsServiceDeps) {}

  /** Invalidate every issued token (tests: "the token expired"). */
  expireTokens(): number {
    const n = this.tokens.size;
    this.tokens = new Map();
    return n;
  }

  tokenCount(): number {
    return this.tokens.size;
  }

  handle(req: ImdsRequest): ImdsAnswer {
    const instance = this.deps.model.instances.find((i) => i.sourceAddresses.includes(req.source)) ?? null;
    const answer = this.route(req, instance);
    this.deps.log.addImds({
      atMs: this.deps.clock.nowMs(),
      method: req.method,
      path: req.path,
      caller: instance?.id ?? null,
      source: req.source,
      status: answer.status,
    });
    return answer;
  }

  private route(req: ImdsRequest, instance: Instance | null): ImdsAnswer {
    if (header(req, 'x-forwarded-for') !== undefined) return text(403, 'Forbidden');
    if (instance === null) return text(403, `No instance has source address ${req.source}`);
    const path = req.path.split('?')[0] ?? '';
    if (path === '/latest/api/token') {
      if (req.method !== 'PUT') return text(405, 'Method Not Allowed');
      const ttlText = header(req, 'x-aws-ec2-metadata-token-ttl-seconds');
      const ttl = ttlText !== undefined && /^[0-9]+$/.test(ttlText) ? Number(ttlText) : NaN;
      if (!(ttl >= 1 && ttl <= MAX_TTL_SECONDS)) return text(400, 'Bad Request: x-aws-ec2-metadata-token-ttl-seconds must be 1-21600');
      const token = randomBytes(32).toString('base64url');
      this.tokens.set(token, { instanceId: instance.id, expiresAtMs: this.deps.clock.nowMs() + ttl * 1000 });
      return { status: 200, headers: { 'content-type': 'text/plain', 'x-aws-ec2-metadata-token-ttl-seconds': String(ttl) }, body: token };
    }
    if (req.method !== 'GET') return text(405, 'Method Not Allowed');
    const token = header(req, 'x-aws-ec2-metadata-token');
    const known = token === undefined ? undefined : this.tokens.get(token);
    if (known === undefined || known.instanceId !== instance.id || known.expiresAtMs <= this.deps.clock.nowMs()) {
      if (token !== undefined && known !== undefined) this.tokens.delete(token);
      return text(401, 'Unauthorized');
    }
    const prefix = '/latest/meta-data/';
    if (path === '/latest/meta-data') return text(301, '');
    if (!path.startsWith(prefix)) return text(404, 'Not Found');
    const value = this.metadata(instance, path.slice(prefix.length));
    return value === null ? text(404, 'Not Found') : text(200, value);
  }

  private metadata(inst: Instance, path: string): string | null {
    const { model } = this.deps;
    const enis = model.enis.filter((e) => e.instanceId === inst.id).sort((a, b) => a.deviceIndex - b.deviceIndex);
    const first = enis[0]!;
    const primary = (eni: Eni): string => eni.ips.find((i) => i.primary)!.address;
    const fixed: Record<string, string> = {
      '': ['ami-id', 'hostname', 'iam/', 'instance-id', 'instance-type', 'local-hostname', 'local-ipv4', 'mac', 'network/', 'placement/'].join('\n'),
      'ami-id': 'ami-00000000000000001',
      'instance-id': inst.id,
      'instance-type': inst.type,
      'local-ipv4': primary(first),
      hostname: `ip-${primary(first).replace(/\./g, '-')}.${model.region}.compute.internal`,
      'local-hostname': `ip-${primary(first).replace(/\./g, '-')}.${model.region}.compute.internal`,
      mac: first.mac,
      'placement/': 'availability-zone\nregion',
      'placement/region': model.region,
      'placement/availability-zone': model.availabilityZone,
      'network/': 'interfaces/',
      'network/interfaces/': 'macs/',
      'network/interfaces/macs/': enis.map((e) => `${e.mac}/`).join('\n'),
    };
    const direct = fixed[path.endsWith('/') || path === '' ? path : path.replace(/\/$/, '')];
    if (direct !== undefined) return direct;

    if (path === 'iam/') return inst.role === null ? null : 'info\nsecurity-credentials/';
    if (path === 'iam/security-credentials/' || path === 'iam/security-credentials') return inst.role;
    if (path === 'iam/info' && inst.role !== null) {
      return JSON.stringify({
        Code: 'Success',
        LastUpdated: this.deps.credentialsOf(inst.id)?.lastUpdated,
        InstanceProfileArn: `arn:aws:iam::${model.accountId}:instance-profile/${inst.role}`,
        InstanceProfileId: 'AIPA0000000000000001',
      });
    }
    if (inst.role !== null && path === `iam/security-credentials/${inst.role}`) {
      const c = this.deps.credentialsOf(inst.id);
      if (c === null) return null;
      return JSON.stringify(
        {
          Code: 'Success',
          LastUpdated: c.lastUpdated,
          Type: 'AWS-HMAC',
          AccessKeyId: c.accessKeyId,
          SecretAccessKey: c.secretAccessKey,
          Token: c.sessionToken,
          Expiration: c.expiration,
        },
        null,
        2,
      );
    }

    const m = /^network\/interfaces\/macs\/([0-9a-f:]{17})\/(.*)$/.exec(path);
    if (m === null) return null;
    const eni = enis.find((e) => e.mac === m[1]);
    if (eni === undefined) return null;
    const subnet = model.subnetOf(eni);
    const visible = this.deps.dataplane.visibleOn(eni.id);
    const eips = model.eips.filter((e) => e.association?.eniId === eni.id && visible.concat(primary(eni)).includes(e.association.privateIp));
    const leafs: Record<string, string> = {
      '': [
        'device-number',
        'interface-id',
        'ipv4-associations/',
        'local-hostname',
        'local-ipv4s',
        'mac',
        'owner-id',
        'subnet-id',
        'subnet-ipv4-cidr-block',
        'vpc-id',
        'vpc-ipv4-cidr-block',
      ].join('\n'),
      'device-number': String(eni.deviceIndex),
      'interface-id': eni.id,
      'local-ipv4s': [primary(eni), ...visible].join('\n'),
      'local-hostname': `ip-${primary(eni).replace(/\./g, '-')}.${model.region}.compute.internal`,
      mac: eni.mac,
      'owner-id': model.accountId,
      'subnet-id': subnet.id,
      'subnet-ipv4-cidr-block': subnet.cidr,
      'vpc-id': subnet.vpcId,
      'vpc-ipv4-cidr-block': subnet.cidr,
      'ipv4-associations/': eips.map((e) => e.publicIp).join('\n'),
    };
    const sub = m[2] ?? '';
    if (leafs[sub] !== undefined) return leafs[sub]!;
    const assoc = /^ipv4-associations\/([0-9.]+)$/.exec(sub);
    if (assoc !== null) return eips.find((e) => e.publicIp === assoc[1])?.association?.privateIp ?? null;
    return null;
  }
}

function header(req: ImdsRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function text(status: number, body: string): ImdsAnswer {
  return { status, headers: { 'content-type': 'text/plain' }, body };
}
