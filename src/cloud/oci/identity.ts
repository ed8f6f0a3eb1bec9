import { VipdError } from '../../errors';
import { canonicalIpv4, formatIpv4Cidr, parseIpv4Cidr } from '../../util/ip';
import type { CloudIdentity } from '../provider';
import { normalizeMac, type MacOf } from '../aws/mac';
import type { OciImdsClient } from './imds';

/**
 * Who this instance is and which VNIC backs the configured interface, from
 * instance metadata v2. The VNIC is found by the interface's MAC (metadata
 * may write it in upper case), never by position. Metadata has no subnet
 * OCID: the provider reads it with one GetVnic. Any metadata failure is an
 * error: identity is never guessed.
 */
export async function readOciIdentity(
  imds: OciImdsClient,
  interfaceName: string,
  macOf: MacOf,
  configRegion: string | null,
  signal?: AbortSignal,
): Promise<CloudIdentity> {
  const mac = await macOf(interfaceName);
  const [instance, vnics] = await Promise.all([imds.getJson('instance/', signal), imds.getJson('vnics/', signal)]);
  const inst = objectAt(instance, 'instance/');
  const id = stringField(inst, 'id', 'instance/', /^ocid1\.instance\./);
  const region = stringField(inst, 'canonicalRegionName', 'instance/', /^[a-z]{2}(-[a-z]+)+-[0-9]+$/);
  const compartmentId = stringField(inst, 'compartmentId', 'instance/', /^ocid1\.(compartment|tenancy)\./);
  if (!Array.isArray(vnics)) throw new VipdError('VIPD_E_METADATA', 'instance metadata vnics/ is not a list');
  const listed = vnics.map((v, i) => {
    const o = objectAt(v, `vnics/[${i}]`);
    const m = normalizeMac(stringField(o, 'macAddr', `vnics/[${i}]`));
    if (m === null) throw new VipdError('VIPD_E_METADATA', `instance metadata vnics/[${i}].macAddr is not a MAC address`);
    return { mac: m, o, i };
  });
  const mine = listed.find((v) => v.mac === mac);
  if (mine === undefined) {
    throw new VipdError(
      'VIPD_E_IDENTITY',
      `interface ${interfaceName} (MAC ${mac}) matches no VNIC of this instance; metadata lists ${listed.map((v) => v.mac).join(', ') || 'none'}`,
      {
        details: { interfaceName, mac, metadataMacs: listed.map((v) => v.mac) },
      },
    );
  }
  const where = `vnics/[${mine.i}]`;
  const vnicId = stringField(mine.o, 'vnicId', where, /^ocid1\.vnic\./);
  const cidr = parseIpv4Cidr(stringField(mine.o, 'subnetCidrBlock', where));
  if (cidr === null) throw new VipdError('VIPD_E_METADATA', `instance metadata ${where}.subnetCidrBlock is not an IPv4 CIDR`);
  const primary = canonicalIpv4(stringField(mine.o, 'privateIp', where));
  if (primary === null) throw new VipdError('VIPD_E_METADATA', `instance metadata ${where}.privateIp is not an IPv4 address`);
  const router = typeof mine.o['virtualRouterIp'] === 'string' ? mine.o['virtualRouterIp'] : '';
  return {
    provider: 'oci',
    instanceId: id,
    nicId: vnicId,
    mac,
    subnetCidr: formatIpv4Cidr(cidr),
    region: configRegion ?? region,
    extra: { compartmentId, primaryAddress: primary, virtualRouterIp: router, interfaceName, metadataRegion: region },
  };
}

function objectAt(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new VipdError('VIPD_E_METADATA', `instance metadata ${path} is not an object`);
  return v as Record<string, unknown>;
}

function stringField(o: Record<string, unknown>, key: string, path: string, shape?: RegExp): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '' || (shape !== undefined && !shape.test(v))) {
    throw new VipdError('VIPD_E_METADATA', `instance metadata ${path}.${key} is missing or malformed: ${JSON.stringify(v)?.slice(0, 80) ?? 'undefined'}`, {
      details: { path, key },
    });
  }
  return v;
}
