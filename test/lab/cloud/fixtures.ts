import { EC2Client } from '@aws-sdk/client-ec2';
import { silentLogger } from '../../../src/util/logger';
import { LabCloudControlClient } from '../../../lab/cloud/control-client';
import type { FabricProgrammer, FabricRoute } from '../../../lab/cloud/fabric';
import { LabCloud, type LabCloudEndpoints } from '../../../lab/cloud/lab-cloud';
import type { AwsCloudSpec } from '../../../lab/cloud/aws/spec';
import { labCloudSpecOf, parseLabCloudSpec, type LabCloudSpec } from '../../../lab/cloud/spec';

// Static credentials are used below: the SDK must never probe a metadata address.
process.env.AWS_EC2_METADATA_DISABLED = 'true';

export const REGION = 'eu-west-1';
export const ADMIN = { accessKeyId: 'AKIALABADMIN00000001', secretAccessKey: 'lab-admin-secret-key-0000000000000000' };

/**
 * node1 has two ENIs; its VIP interface is the SECOND (device 1), so any
 * code that takes "the first interface" picks the wrong one.
 */
export const NODE1 = {
  id: 'i-0a00000000000001',
  source: '127.0.0.11',
  eni0: 'eni-0a000000000000001',
  mac0: '02:00:00:00:01:01',
  eni: 'eni-0a000000000000002',
  mac: '02:00:00:00:01:02',
  primary: '10.0.1.20',
};
export const NODE2 = { id: 'i-0b00000000000002', source: '127.0.0.12', eni: 'eni-0b000000000000001', mac: '02:00:00:00:02:01', primary: '10.0.1.11' };
export const SMALL = { id: 'i-0c00000000000003', source: '127.0.0.13', eni: 'eni-0c000000000000001', mac: '02:00:00:00:03:01', primary: '10.0.1.12' };
export const VIPS = ['10.0.1.42', '10.0.1.43', '10.0.1.44'] as const;
export const EIP = { allocationId: 'eipalloc-0e000000000000001', publicIp: '198.51.100.10' };

export function labSpecJson(): Record<string, unknown> {
  return {
    region: REGION,
    availabilityZone: `${REGION}a`,
    subnets: [
      { id: 'subnet-0a000000000000001', vpcId: 'vpc-0a000000000000001', cidr: '10.0.1.0/24' },
      { id: 'subnet-0a000000000000002', vpcId: 'vpc-0a000000000000001', cidr: '10.0.2.0/24' },
    ],
    instances: [
      { id: NODE1.id, type: 't3.large', role: 'vipd-node', sourceAddresses: [NODE1.source] },
      { id: NODE2.id, type: 't3.large', role: 'vipd-node', sourceAddresses: [NODE2.source] },
      { id: SMALL.id, type: 't3.micro', role: 'vipd-node', sourceAddresses: [SMALL.source] },
    ],
    networkInterfaces: [
      { id: NODE1.eni0, mac: NODE1.mac0, subnetId: 'subnet-0a000000000000002', instanceId: NODE1.id, deviceIndex: 0, privateIps: ['10.0.2.10'] },
      {
        id: NODE1.eni,
        mac: NODE1.mac,
        subnetId: 'subnet-0a000000000000001',
        instanceId: NODE1.id,
        deviceIndex: 1,
        privateIps: [NODE1.primary],
        sourceDestCheck: false,
      },
      { id: NODE2.eni, mac: NODE2.mac, subnetId: 'subnet-0a000000000000001', instanceId: NODE2.id, deviceIndex: 0, privateIps: [NODE2.primary] },
      { id: SMALL.eni, mac: SMALL.mac, subnetId: 'subnet-0a000000000000001', instanceId: SMALL.id, deviceIndex: 0, privateIps: [SMALL.primary] },
    ],
    elasticIps: [{ allocationId: EIP.allocationId, publicIp: EIP.publicIp }],
    users: [{ name: 'admin', ...ADMIN }],
    vips: [...VIPS],
  };
}

export function labSpec(patch: (s: Record<string, unknown>) => void = () => undefined): AwsCloudSpec {
  const json = labSpecJson();
  patch(json);
  return labCloudSpecOf(parseLabCloudSpec(json), 'aws');
}

export type FabricCall = { readonly op: 'route'; readonly vip: string; readonly via: string } | { readonly op: 'blackhole'; readonly vip: string };

export class RecordingFabric implements FabricProgrammer {
  readonly calls: FabricCall[] = [];
  readonly batches: string[][] = [];

  async routeTo(vip: string, via: string): Promise<void> {
    this.calls.push({ op: 'route', vip, via });
  }

  async blackhole(vip: string): Promise<void> {
    this.calls.push({ op: 'blackhole', vip });
  }

  /** Recorded as one call per VIP, in order; `batches` keeps how they were grouped. */
  async program(routes: readonly FabricRoute[]): Promise<void> {
    this.batches.push(routes.map((r) => r.vip));
    for (const r of routes) this.calls.push(r.via === null ? { op: 'blackhole', vip: r.vip } : { op: 'route', vip: r.vip, via: r.via });
  }

  /** The last thing programmed for this VIP. */
  last(vip: string): FabricCall | undefined {
    return [...this.calls].reverse().find((c) => c.vip === vip);
  }
}

export interface RunningLab<S extends LabCloudSpec = AwsCloudSpec> {
  readonly cloud: LabCloud<S>;
  readonly endpoints: LabCloudEndpoints;
  readonly fabric: RecordingFabric;
  readonly control: LabCloudControlClient;
  stop(): Promise<void>;
}

export async function startLab<S extends LabCloudSpec = AwsCloudSpec>(spec: S = labSpec() as S): Promise<RunningLab<S>> {
  const fabric = new RecordingFabric();
  const cloud = new LabCloud(spec, { fabric, logger: silentLogger() });
  const endpoints = await cloud.start({
    imds: { host: '127.0.0.1', port: 0 },
    api: { host: '127.0.0.1', port: 0 },
    control: { host: '127.0.0.1', port: 0 },
  });
  const control = new LabCloudControlClient({ url: endpoints.controlUrl! });
  return { cloud, endpoints, fabric, control, stop: () => cloud.stop() };
}

export function adminClient(lab: RunningLab, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = ADMIN): EC2Client {
  return new EC2Client({ region: REGION, endpoint: lab.endpoints.apiUrl, credentials, maxAttempts: 1 });
}

/** A client signing with the role credentials the emulator issued to an instance. */
export function instanceClient(lab: RunningLab, instanceId: string): EC2Client {
  const c = lab.cloud.flavour.credentialsOf(instanceId)!;
  return adminClient(lab, { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken });
}

/** Polls `check` until it is true or `timeoutMs` passes (state, not timing, is asserted). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 15_000, stepMs = 50): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
