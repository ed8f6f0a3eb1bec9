import { parseLabCloudSpec } from '../../../../lab/cloud/spec';
import type { GcpCloudSpec } from '../../../../lab/cloud/gcp/spec';
import { startLab, type RunningLab } from '../fixtures';

export const PROJECT = 'vipd-lab';
export const ZONE = 'europe-west1-b';
export const VIP = '10.0.1.42';
export const VIP2 = '10.0.1.43';

/** vipd-a's VIP interface is its SECOND NIC (nic1): the adapter must find it by MAC, never assume nic0. */
export const A = {
  name: 'vipd-a',
  source: '127.0.0.11',
  nic0: { mac: '42:01:0a:00:00:0a', ip: '10.0.0.10' },
  mac: '42:01:0a:00:01:0a',
  ip: '10.0.1.10',
  nic: 'nic1',
} as const;
export const B = { name: 'vipd-b', source: '127.0.0.12', mac: '42:01:0a:00:01:0b', ip: '10.0.1.11', nic: 'nic0' } as const;

export function gcpSpecJson(): Record<string, unknown> {
  return {
    cloud: 'gcp',
    project: PROJECT,
    projectNumber: '123456789012',
    zone: ZONE,
    subnet: { name: 'lab', ipCidrRange: '10.0.0.0/16', secondaryRanges: [{ rangeName: 'pods', ipCidrRange: '10.8.0.0/16' }] },
    instances: [
      {
        name: A.name,
        id: '4001',
        sourceAddresses: [A.source],
        networkInterfaces: [
          { name: 'nic0', networkIP: A.nic0.ip, mac: A.nic0.mac },
          { name: 'nic1', networkIP: A.ip, mac: A.mac },
        ],
      },
      {
        name: B.name,
        id: '4002',
        sourceAddresses: [B.source],
        networkInterfaces: [
          {
            name: 'nic0',
            networkIP: B.ip,
            mac: B.mac,
            aliasIpRanges: [{ ipCidrRange: `${VIP}/32` }, { ipCidrRange: '10.0.1.50' }, { ipCidrRange: '10.8.1.0/24', subnetworkRangeName: 'pods' }],
          },
        ],
      },
    ],
    vips: [VIP, VIP2],
    operationMs: 50,
  };
}

export function gcpSpec(patch: (s: Record<string, unknown>) => void = () => undefined): GcpCloudSpec {
  const json = gcpSpecJson();
  patch(json);
  const spec = parseLabCloudSpec(json);
  if (spec.cloud !== 'gcp') throw new Error('a gcp state file');
  return spec;
}

export function startGcpLab(spec: GcpCloudSpec = gcpSpec()): Promise<RunningLab<GcpCloudSpec>> {
  return startLab(spec);
}

/** The instances' NIC patch: a spec's instance by name. */
export function instanceJson(json: Record<string, unknown>, name: string): Record<string, unknown> {
  return (json.instances as Record<string, unknown>[]).find((i) => i.name === name)!;
}
