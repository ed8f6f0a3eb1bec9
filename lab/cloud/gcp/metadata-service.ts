import { randomBytes } from 'node:crypto';
import { formatIpv4, ipv4Number, parseIpv4Cidr } from '../../../src/util/ip';
import { parseAliasRange } from '../../../src/cloud/gcp/alias-ranges';
import type { MonotonicClock } from '../../../src/util/clock';
import type { CallLog } from '../call-log';
import type { Dataplane } from '../dataplane';
import type { HttpAnswer, MetadataRequest } from '../flavour';
import { type GceInstance, type GceModel, holderKey } from './gce-model';

/**
 * The emulated GCE metadata server (/computeMetadata/v1/). Requests need
 * `Metadata-Flavor: Google` (else 403, as the real one) and every answer
 * carries it. The caller is the instance owning the source address. A NIC's
 * ipAliases show a /32 alias only once the data plane has applied it (the
 * propagation delay: real moves take up to a minute). The token endpoint
 * issues the Bearer tokens the API accepts.
 */
const TOKEN_LIFETIME_S = 3599;

export class GceMetadataService {
  private tokens = new Map<string, string>();

  constructor(private readonly deps: { readonly model: GceModel; readonly dataplane: Dataplane; readonly clock: MonotonicClock; readonly log: CallLog }) {}

  /** The instance a token was issued to; null: not one of ours. */
  tokenOwner(token: string): string | null {
    return this.tokens.get(token) ?? null;
  }

  expireTokens(): number {
    const n = this.tokens.size;
    this.tokens = new Map();
    return n;
  }

  tokenCount(): number {
    return this.tokens.size;
  }

  /** Issues a token for an instance directly (tests that act as another tool). */
  issueToken(instance: string): string {
    const token = `ya29.${randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, instance);
    return token;
  }

  handle(req: MetadataRequest): HttpAnswer {
    const instance = this.deps.model.instances.find((i) => i.sourceAddresses.includes(req.source)) ?? null;
    const answer = this.route(req, instance);
    this.deps.log.addImds({
      atMs: this.deps.clock.nowMs(),
      method: req.method,
      path: req.path,
      caller: instance?.name ?? null,
      source: req.source,
      status: answer.status,
    });
    return answer;
  }

  private route(req: MetadataRequest, instance: GceInstance | null): HttpAnswer {
    if (req.headers['x-forwarded-for'] !== undefined) return text(403, 'Forbidden');
    if (req.headers['metadata-flavor'] !== 'Google') {
      return text(403, `Your client does not have permission to get URL ${req.path} from this server. Missing Metadata-Flavor:Google header.`);
    }
    if (instance === null) return text(403, `No instance has source address ${req.source}`);
    if (req.method !== 'GET') return text(405, 'Method Not Allowed');
    const url = new URL(req.path, 'http://metadata.local');
    const prefix = '/computeMetadata/v1/';
    if (url.pathname === '/computeMetadata/v1/instance' || url.pathname === '/computeMetadata/v1/instance/') {
      return json({ id: Number(instance.id), name: instance.name, zone: this.zonePath() });
    }
    if (!url.pathname.startsWith(prefix)) return text(404, 'Not Found');
    const path = url.pathname.slice(prefix.length);
    const { model } = this.deps;
    const nics = instance.networkInterfaces.map((n) => this.nicJson(instance, n.name));
    switch (path) {
      case 'instance/name':
        return text(200, instance.name);
      case 'instance/id':
        return text(200, instance.id);
      case 'instance/zone':
        return text(200, this.zonePath());
      case 'instance/hostname':
        return text(200, `${instance.name}.${model.spec.zone}.c.${model.spec.project}.internal`);
      case 'project/project-id':
        return text(200, model.spec.project);
      case 'project/numeric-project-id':
        return text(200, model.spec.projectNumber);
      case 'instance/service-accounts/default/email':
        return text(200, `vipd@${model.spec.project}.iam.gserviceaccount.com`);
      case 'instance/service-accounts/default/token':
        return json({ access_token: this.issueToken(instance.name), expires_in: TOKEN_LIFETIME_S, token_type: 'Bearer' });
      case 'instance/network-interfaces/':
        if (url.searchParams.get('recursive') === 'true') return json(nics);
        return text(200, nics.map((_, i) => `${i}/\n`).join(''));
    }
    const nicPath = /^instance\/network-interfaces\/([0-9]+)\/(ip|mac|subnetmask|gateway|ip-aliases\/)$/.exec(path);
    if (nicPath !== null) {
      const nic = nics[Number(nicPath[1])];
      if (nic === undefined) return text(404, 'Not Found');
      const field = nicPath[2]!;
      if (field === 'ip-aliases/') return text(200, nic.ipAliases.map((_, i) => `${i}\n`).join(''));
      return text(200, String(nic[field as 'ip' | 'mac' | 'subnetmask' | 'gateway']));
    }
    return text(404, 'Not Found');
  }

  private zonePath(): string {
    return `projects/${this.deps.model.spec.projectNumber}/zones/${this.deps.model.spec.zone}`;
  }

  private nicJson(
    instance: GceInstance,
    nicName: string,
  ): { mac: string; ip: string; subnetmask: string; gateway: string; ipAliases: string[]; network: string } {
    const nic = instance.networkInterfaces.find((n) => n.name === nicName)!;
    const subnet = parseIpv4Cidr(this.deps.model.spec.subnet.ipCidrRange)!;
    const mask = formatIpv4(2 ** 32 - 2 ** (32 - subnet.prefix));
    // /32 aliases as the data plane has them (after the propagation delay); wider ranges from the record.
    const singles = this.deps.dataplane.visibleOn(holderKey(instance.name, nicName)).map((a) => `${a}/32`);
    const wider = nic.aliasIpRanges.filter((r) => (parseAliasRange(r.ipCidrRange)?.prefix ?? 32) < 32).map((r) => r.ipCidrRange);
    return {
      mac: nic.mac,
      ip: nic.networkIP,
      subnetmask: mask,
      gateway: formatIpv4(subnet.network + 1),
      ipAliases: [...wider, ...singles.sort((a, b) => (ipv4Number(a.split('/')[0]!) ?? 0) - (ipv4Number(b.split('/')[0]!) ?? 0))],
      network: `projects/${this.deps.model.spec.projectNumber}/networks/default`,
    };
  }
}

function text(status: number, body: string): HttpAnswer {
  return { status, headers: { 'content-type': 'application/text', 'metadata-flavor': 'Google' }, body };
}

function json(value: unknown): HttpAnswer {
  return { status: 200, headers: { 'content-type': 'application/json', 'metadata-flavor': 'Google' }, body: JSON.stringify(value) };
}
