import { VipdError } from '../../../src/errors';
import type { Ec2CallRecord } from '../call-log';
import type { LabCloudControlClient } from '../control-client';
import { labCloudDir, launchLabCloud, stopLabCloud, type LaunchedLabCloud } from '../launch';
import type { Lab } from '../../netns/lab';
import type { LabProcess } from '../../netns/spawner';
import { SUBNET_GATEWAY, SUBNET_PREFIX } from '../../netns/topology';
import { parseLabCloudSpec } from '../spec';

/**
 * The emulated GCP cloud inside a Lab, shaped like the aws one: one VM per
 * node (its real eth0 MAC and address as nic0), the emulator in the fabric
 * namespace with its metadata server on 169.254.169.254:80 and the Compute
 * API on the subnet gateway; the fabric routes each alias /32 to the NIC
 * that holds it, or blackholes it while none does (as during the two-step
 * move).
 */
export const GCP_LAB_METADATA_ADDRESS = '169.254.169.254';
export const GCP_LAB_API_HOST = SUBNET_GATEWAY;
export const GCP_LAB_API_PORT = 8774;
export const GCP_LAB_PROJECT = 'vipd-lab';
export const GCP_LAB_ZONE = 'europe-west1-b';

export interface GcpLabNode {
  readonly index: number;
  readonly mac: string;
  readonly primaryIp: string;
  readonly instance: string;
}

export interface GcpLabCloudOptions {
  readonly vips: readonly string[];
  readonly propagationMs?: number;
  /** How long an update operation runs before DONE (default 300 ms). */
  readonly operationMs?: number;
  readonly dir?: string;
  readonly logLevel?: string;
}

export function gcpLabInstance(i: number): string {
  return `vipd-lab-${i}`;
}

/** The emulator's state file for these nodes (pure; checked by parseLabCloudSpec before use). */
export function gcpLabCloudSpec(nodes: readonly { mac: string; primaryIp: string }[], opts: GcpLabCloudOptions): Record<string, unknown> {
  return {
    cloud: 'gcp',
    project: GCP_LAB_PROJECT,
    zone: GCP_LAB_ZONE,
    subnet: { name: 'vipd-lab', ipCidrRange: `10.0.1.0/${SUBNET_PREFIX}`, secondaryRanges: [] },
    instances: nodes.map((n, k) => ({
      name: gcpLabInstance(k + 1),
      id: String(5_000_000 + k + 1),
      networkInterfaces: [{ name: 'nic0', networkIP: n.primaryIp, mac: n.mac }],
    })),
    vips: [...opts.vips],
    propagationDelayMs: opts.propagationMs ?? 0,
    operationMs: opts.operationMs ?? 300,
  };
}

export interface GcpLabCloudHandle {
  readonly control: LabCloudControlClient;
  readonly nodes: readonly GcpLabNode[];
  readonly process: LabProcess;
  readonly apiUrl: string;
  readonly metadataUrl: string;
  /** The `provider.gcp` block of node i's vipd config: every other VM is its peer. */
  vipdProviderConfig(node: number): Record<string, unknown>;
  node(index: number): GcpLabNode;
  nodeOfInstance(instance: string): number | null;
  /** Who the control plane says holds each VIP (lab node index), null = nobody. */
  holders(vips: readonly string[]): Promise<Map<string, number | null>>;
  /** Compute calls from the call log, oldest first (optionally of one method). */
  apiCalls(action?: string): Promise<Ec2CallRecord[]>;
  stop(): Promise<void>;
}

export async function startGcpLabCloud(lab: Lab, opts: GcpLabCloudOptions): Promise<GcpLabCloudHandle> {
  const facts = await Promise.all(Array.from({ length: lab.options.nodes }, async (_, k) => ({ mac: await lab.nodeMac(k + 1), primaryIp: lab.nodeIp(k + 1) })));
  const spec = gcpLabCloudSpec(facts, opts);
  parseLabCloudSpec(spec);
  const launched = await launchLabCloud(lab, {
    spec,
    dir: opts.dir ?? labCloudDir('vipd-gcpcloud-'),
    ownsDir: opts.dir === undefined,
    metadataAddress: GCP_LAB_METADATA_ADDRESS,
    apiHost: GCP_LAB_API_HOST,
    apiPort: GCP_LAB_API_PORT,
    propagationMs: opts.propagationMs,
    logLevel: opts.logLevel,
  });
  const nodes = facts.map((f, k) => ({ ...f, index: k + 1, instance: gcpLabInstance(k + 1) }));
  return new RunningGcpLabCloud(launched, nodes);
}

class RunningGcpLabCloud implements GcpLabCloudHandle {
  private stopped: Promise<void> | null = null;

  readonly process: LabProcess;
  readonly control: LabCloudControlClient;
  readonly metadataUrl: string;
  readonly apiUrl: string;

  constructor(
    private readonly launched: LaunchedLabCloud,
    readonly nodes: readonly GcpLabNode[],
  ) {
    ({ process: this.process, control: this.control, apiUrl: this.apiUrl } = launched);
    this.metadataUrl = launched.imdsUrl.replace(/:80$/, '');
  }

  vipdProviderConfig(node: number): Record<string, unknown> {
    const peers = this.nodes.filter((n) => n.index !== node).map((n) => n.instance);
    return { project: null, zone: null, peers, endpoint: this.apiUrl, metadataEndpoint: this.metadataUrl };
  }

  node(index: number): GcpLabNode {
    const n = this.nodes[index - 1];
    if (!n) throw new VipdError('VIPD_E_INTERNAL', `the lab cloud has nodes 1-${this.nodes.length}, not ${index}`);
    return n;
  }

  nodeOfInstance(instance: string): number | null {
    return this.nodes.find((n) => n.instance === instance)?.index ?? null;
  }

  async holders(vips: readonly string[]): Promise<Map<string, number | null>> {
    const state = await this.control.state();
    const instances = state.instances;
    if (!Array.isArray(instances)) throw new VipdError('VIPD_E_INTERNAL', 'lab cloud state has no instances list');
    const out = new Map<string, number | null>();
    for (const vip of vips) {
      const holder = (instances as { name: string; networkInterfaces: { aliasIpRanges: { ipCidrRange: string }[] }[] }[]).find((i) =>
        i.networkInterfaces.some((n) => n.aliasIpRanges.some((r) => r.ipCidrRange === vip || r.ipCidrRange === `${vip}/32`)),
      );
      out.set(vip, holder === undefined ? null : this.nodeOfInstance(holder.name));
    }
    return out;
  }

  async apiCalls(action?: string): Promise<Ec2CallRecord[]> {
    const calls = await this.control.calls();
    return action === undefined ? calls.ec2 : calls.ec2.filter((c) => c.action === action);
  }

  stop(): Promise<void> {
    this.stopped ??= stopLabCloud(this.launched);
    return this.stopped;
  }
}
