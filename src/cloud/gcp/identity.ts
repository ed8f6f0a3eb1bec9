import { VipdError } from '../../errors';
import { formatIpv4Cidr, formatIpv4, ipv4Number } from '../../util/ip';
import type { CloudIdentity } from '../provider';
import type { MacOf } from '../aws/mac';
import type { GceMetadataClient, MetadataNic } from './metadata';

/** What the GCP adapter learns from metadata before it can name its NIC to the API. */
export interface GcpMetadataIdentity {
  readonly instanceName: string;
  readonly instanceId: string;
  readonly project: string;
  readonly zone: string;
  readonly nic: MetadataNic;
  readonly subnetCidr: string;
}

/**
 * This VM and the metadata entry of the configured interface, found by MAC
 * (never "nic0": on a multi-NIC VM the first one is the wrong one half the
 * time). The API's NIC name comes later, matched by the entry's address.
 */
export async function readGcpMetadataIdentity(
  metadata: GceMetadataClient,
  interfaceName: string,
  macOf: MacOf,
  config: { project: string | null; zone: string | null },
): Promise<GcpMetadataIdentity> {
  const mac = await macOf(interfaceName);
  const [instanceName, instanceId, zonePath, project, nics] = await Promise.all([
    metadata.get('instance/name'),
    metadata.get('instance/id'),
    metadata.get('instance/zone'),
    metadata.get('project/project-id'),
    metadata.networkInterfaces(),
  ]);
  // projects/<number>/zones/<zone>: the zone is the last segment.
  const zone = zonePath.split('/').pop() ?? '';
  expect(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(instanceName), 'instance/name', instanceName);
  expect(/^[a-z]+-[a-z]+[0-9]+-[a-z]$/.test(zone), 'instance/zone', zonePath);
  expect(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(project), 'project/project-id', project);
  const nic = nics.find((n) => n.mac === mac);
  if (nic === undefined) {
    throw new VipdError(
      'VIPD_E_IDENTITY',
      `interface ${interfaceName} (MAC ${mac}) matches no network interface of this VM; metadata lists ${nics.map((n) => n.mac).join(', ') || 'none'}`,
      {
        details: { interfaceName, mac, metadataMacs: nics.map((n) => n.mac) },
      },
    );
  }
  const ip = ipv4Number(nic.ip);
  const mask = ipv4Number(nic.subnetmask);
  expect(ip !== null, 'network-interfaces ip', nic.ip);
  const prefix = mask === null ? -1 : prefixOfMask(mask);
  expect(prefix >= 0, 'network-interfaces subnetmask', nic.subnetmask);
  const size = 2 ** (32 - prefix);
  const subnetCidr = formatIpv4Cidr({ network: Math.floor(ip! / size) * size, prefix });
  return { instanceName, instanceId, project: config.project ?? project, zone: config.zone ?? zone, nic: { ...nic, ip: formatIpv4(ip!) }, subnetCidr };
}

export function toCloudIdentity(m: GcpMetadataIdentity, nicName: string, interfaceName: string): CloudIdentity {
  return {
    provider: 'gcp',
    instanceId: m.instanceName,
    nicId: nicName,
    mac: m.nic.mac,
    subnetCidr: m.subnetCidr,
    region: m.zone.replace(/-[a-z]$/, ''),
    extra: { project: m.project, zone: m.zone, instanceNumericId: m.instanceId, networkIP: m.nic.ip, interfaceName },
  };
}

function prefixOfMask(mask: number): number {
  for (let p = 0; p <= 32; p++) {
    if (mask === (p === 0 ? 0 : 2 ** 32 - 2 ** (32 - p))) return p;
  }
  return -1;
}

function expect(ok: boolean, path: string, value: string): void {
  if (!ok)
    throw new VipdError('VIPD_E_METADATA', `instance metadata ${path} answered "${value.slice(0, 80)}", which is not a valid value`, { details: { path } });
}
