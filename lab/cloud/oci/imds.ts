import type { MonotonicClock } from '../../../src/util/clock';
import type { CallLog } from '../call-log';
import type { HttpAnswer, MetadataRequest } from '../flavour';
import type { OciModel } from './model';
import type { OciLabCloudSpec } from './spec';

/** What the metadata service serves beyond the model: the identity certificates of an instance (instance principals). */
export interface OciIdentityDocs {
  readonly cert: string;
  readonly key: string;
  readonly intermediate: string;
}

/**
 * OCI instance metadata v2 (/opc/v2/): `instance/`, `vnics/` and
 * `identity/{cert,key,intermediate}.pem`. v2 refuses a request without
 * `Authorization: Bearer Oracle` (401). The caller is known by its source
 * address, as on a real instance. `vnics/` lists each VNIC's primary
 * address only (no secondaries, as the real service) and writes MACs in
 * upper case, which real instances may do.
 */
export class OciImdsService {
  constructor(
    private readonly deps: {
      readonly spec: OciLabCloudSpec;
      readonly model: OciModel;
      readonly log: CallLog;
      readonly clock: MonotonicClock;
      readonly identityOf: (instanceId: string) => OciIdentityDocs | null;
    },
  ) {}

  handle(req: MetadataRequest): HttpAnswer {
    const source = req.source;
    const instance = this.deps.spec.instances.find((i) => i.sourceAddresses.includes(source)) ?? null;
    const answer = this.answer(req, instance?.id ?? null);
    this.deps.log.addImds({ atMs: this.deps.clock.nowMs(), method: req.method, path: req.path, caller: instance?.id ?? null, source, status: answer.status });
    return answer;
  }

  private answer(req: MetadataRequest, instanceId: string | null): HttpAnswer {
    if (req.method !== 'GET') return text(405, 'Method Not Allowed');
    const path = req.path.split('?')[0]!;
    if (!path.startsWith('/opc/v2/')) return text(404, 'Not Found');
    if (req.headers.authorization !== 'Bearer Oracle') return text(401, 'Unauthorized');
    if (instanceId === null) return text(404, 'Not Found');
    const { spec, model } = this.deps;
    const rest = path.slice('/opc/v2/'.length).replace(/\/$/, '');
    switch (rest) {
      case 'instance':
        return json({
          id: instanceId,
          displayName: instanceId.slice(-8),
          compartmentId: spec.compartmentId,
          canonicalRegionName: spec.region,
          region: spec.region.split('-')[1] ?? spec.region,
          availabilityDomain: `Uocm:${spec.region.toUpperCase()}-AD-1`,
          shape: 'VM.Standard.E4.Flex',
          state: (model.instanceState(instanceId) ?? 'running').toUpperCase(),
        });
      case 'instance/region':
        return text(200, spec.region);
      case 'vnics':
        return json(
          model.vnics
            .filter((v) => v.instanceId === instanceId)
            .map((v, nicIndex) => {
              const cidr = model.subnetCidr(v.subnetId);
              const [net] = cidr.split('/');
              const octets = net!.split('.').map(Number);
              return {
                vnicId: v.id,
                privateIp: v.primaryIp,
                vlanTag: 0,
                macAddr: v.mac.toUpperCase(),
                virtualRouterIp: `${octets[0]}.${octets[1]}.${octets[2]}.${octets[3]! + 1}`,
                subnetCidrBlock: cidr,
                nicIndex,
              };
            }),
        );
      case 'identity/cert.pem':
      case 'identity/key.pem':
      case 'identity/intermediate.pem': {
        const docs = this.deps.identityOf(instanceId);
        if (docs === null) return text(404, 'Not Found');
        return text(200, rest === 'identity/cert.pem' ? docs.cert : rest === 'identity/key.pem' ? docs.key : docs.intermediate);
      }
      default:
        return text(404, 'Not Found');
    }
  }
}

function text(status: number, body: string): HttpAnswer {
  return { status, headers: { 'content-type': 'text/plain' }, body };
}

function json(v: unknown): HttpAnswer {
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(v) };
}
