import { VipdError } from '../../../src/errors';
import type { CommandResult } from '../../../src/os/runner';
import type { Ec2CallRecord } from '../call-log';
import type { LabCloudControlClient } from '../control-client';
import { labCloudDir, launchLabCloud, stopLabCloud, type LaunchedLabCloud } from '../launch';
import { parseAwsLabCloudSpec } from './spec';
import type { Lab } from '../../netns/lab';
import type { LabProcess } from '../../netns/spawner';
import { SUBNET_GATEWAY, SUBNET_PREFIX } from '../../netns/topology';

/**
 * The emulated AWS cloud inside a Lab: one instance + ENI per node (the
 * node's real eth0 MAC and primary address), the emulator running in the
 * fabric namespace with its metadata service on 169.254.169.254:80 (nodes
 * reach it through their default route, as on an instance) and its EC2
 * API on the subnet gateway. The fabric routes each VIP the way the VPC
 * does: a /32 via the holder's primary address, or a blackhole while
 * nobody holds it. A /32 beats the bridge's connected /24, so once the
 * cloud knows a VIP, ARP on the bridge (gratuitous or not) no longer
 * decides where its packets go: only the API call does.
 */
export const LAB_IMDS_ADDRESS = '169.254.169.254';
export const LAB_API_HOST = SUBNET_GATEWAY;
export const LAB_API_PORT = 8773;
export const LAB_REGION = 'eu-west-1';
export const LAB_AZ = 'eu-west-1a';
export const LAB_SUBNET_CIDR = `10.0.1.0/${SUBNET_PREFIX}`;
export const LAB_ROLE = 'vipd-node';

export interface LabCloudNodeFacts {
  readonly mac: string;
  readonly primaryIp: string;
}

export interface LabCloudNode extends LabCloudNodeFacts {
  /** Lab node index (1-based). */
  readonly index: number;
  readonly instanceId: string;
  readonly eniId: string;
}

export interface LabCloudOptions {
  /** Addresses used as VIPs: nobody holds them at start, so the fabric blackholes them. */
  readonly vips: readonly string[];
  /** Delay between an API change and metadata/traffic following it (default 0). */
  readonly propagationMs?: number;
  /** Decides the per-ENI address limit (default t3.large: 12). */
  readonly instanceType?: string;
  /** Per node index: the EC2 actions its instance role may call (absent: all). */
  readonly allowedActions?: Readonly<Record<number, readonly string[]>>;
  /** Where the state file and control socket go (default: a new temp dir, removed on stop). */
  readonly dir?: string;
  readonly logLevel?: string;
}

export interface LabCloudHandle {
  readonly control: LabCloudControlClient;
  readonly nodes: readonly LabCloudNode[];
  readonly region: string;
  readonly imdsUrl: string;
  readonly apiUrl: string;
  readonly process: LabProcess;
  /** The `provider.aws` block of a vipd config for a node of this lab. */
  vipdProviderConfig(): { region: string; endpoint: string; metadataEndpoint: string };
  /** Environment for vipd or the AWS CLI in a node: the SDK's default chain reaches only the emulator. */
  env(base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  node(index: number): LabCloudNode;
  /** The lab node index of an instance id, or null. */
  nodeOfInstance(instanceId: string): number | null;
  /** Who the control plane says holds each VIP (lab node index), null = nobody. */
  holders(vips: readonly string[]): Promise<Map<string, number | null>>;
  /** EC2 calls of one action from the call log, oldest first. */
  ec2Calls(action?: string): Promise<Ec2CallRecord[]>;
  /** The fabric's own route for an address: where packets to it really go. */
  fabricRoute(address: string): Promise<FabricRoute>;
  /**
   * argv of the AWS CLI against this cloud (what a keepalived notify script
   * runs); run it in a node namespace with env(): the CLI then signs with
   * that node's instance role, read from the emulated metadata service.
   */
  awsCliArgv(args: readonly string[]): string[];
  /** Runs the AWS CLI inside node i; resolves with the result even on a non-zero exit. */
  awsCli(node: number, args: readonly string[]): Promise<CommandResult>;
  /** SIGTERM, wait for exit, remove the temp dir (the lab's teardown kills it anyway). */
  stop(): Promise<void>;
}

export const AWS_CLI = '/usr/bin/aws';

export type FabricRoute =
  { readonly kind: 'blackhole' } | { readonly kind: 'via'; readonly gateway: string } | { readonly kind: 'connected'; readonly dev: string };

/** Instance and ENI ids for lab node i: stable, so logs of two runs compare. */
export function labInstanceId(i: number): string {
  return `i-0lab${i.toString(16).padStart(12, '0')}`;
}

export function labEniId(i: number): string {
  return `eni-0lab${i.toString(16).padStart(12, '0')}`;
}

/** The emulator's state file for these nodes (pure; checked by parseAwsLabCloudSpec before use). */
export function labCloudSpec(nodes: readonly LabCloudNodeFacts[], opts: LabCloudOptions): Record<string, unknown> {
  const type = opts.instanceType ?? 't3.large';
  return {
    cloud: 'aws',
    region: LAB_REGION,
    availabilityZone: LAB_AZ,
    subnets: [{ id: 'subnet-0lab0001', vpcId: 'vpc-0lab0001', cidr: LAB_SUBNET_CIDR }],
    instances: nodes.map((_, k) => ({
      id: labInstanceId(k + 1),
      type,
      role: LAB_ROLE,
      sourceAddresses: [nodes[k]!.primaryIp],
      allowedActions: opts.allowedActions?.[k + 1] ?? null,
    })),
    networkInterfaces: nodes.map((n, k) => ({
      id: labEniId(k + 1),
      mac: n.mac,
      subnetId: 'subnet-0lab0001',
      instanceId: labInstanceId(k + 1),
      deviceIndex: 0,
      privateIps: [n.primaryIp],
      sourceDestCheck: true,
      description: `lab node ${k + 1} eth0`,
    })),
    elasticIps: [],
    users: [],
    vips: [...opts.vips],
    propagationDelayMs: opts.propagationMs ?? 0,
  };
}

/**
 * Environment for processes that talk to the emulator from a node: every
 * AWS_* variable of the host is dropped (no host credential, profile,
 * endpoint or region may leak into the lab), credentials files point at
 * /dev/null, and the metadata endpoint is the link-local address, which
 * inside a lab node is the emulator. The default chain thus ends at the
 * instance role the emulator issues.
 */
export function labCloudEnv(base: NodeJS.ProcessEnv, region = LAB_REGION): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!k.startsWith('AWS_')) env[k] = v;
  return {
    ...env,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    // With the slash: botocore (the AWS CLI) appends "latest/..." to it as is.
    AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://${LAB_IMDS_ADDRESS}/`,
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_PAGER: '',
  };
}

/** The variables labCloudEnv sets or blanks, for callers that can only add to an environment. */
export function labCloudEnvOverrides(base: NodeJS.ProcessEnv, region = LAB_REGION): Record<string, string> {
  const out: Record<string, string> = {};
  // Blank rather than absent: both SDKs treat an empty variable as unset.
  for (const k of Object.keys(base)) if (k.startsWith('AWS_')) out[k] = '';
  for (const [k, v] of Object.entries(labCloudEnv({}, region))) if (v !== undefined) out[k] = v;
  return out;
}

/** `ip -json route show ADDRESS/32` (and the connected fallback) as a FabricRoute; anything unexpected throws. */
export function parseFabricRoute(exact: unknown, get: unknown, address: string): FabricRoute {
  if (!Array.isArray(exact) || !Array.isArray(get)) throw new VipdError('VIPD_E_OS_STATE', `ip -json route for ${address}: expected lists`);
  const own = exact[0] as { type?: unknown; gateway?: unknown } | undefined;
  if (own !== undefined) {
    if (own.type === 'blackhole') return { kind: 'blackhole' };
    if (typeof own.gateway === 'string') return { kind: 'via', gateway: own.gateway };
    throw new VipdError('VIPD_E_OS_STATE', `fabric route for ${address}/32 is neither a blackhole nor via a node: ${JSON.stringify(own)}`);
  }
  const chosen = get[0] as { gateway?: unknown; dev?: unknown } | undefined;
  if (chosen && typeof chosen.gateway === 'string') return { kind: 'via', gateway: chosen.gateway };
  if (chosen && typeof chosen.dev === 'string') return { kind: 'connected', dev: chosen.dev };
  throw new VipdError('VIPD_E_OS_STATE', `the fabric has no route for ${address}`);
}

/** Starts the emulator in the lab's fabric and waits until it serves. */
export async function startLabCloud(lab: Lab, opts: LabCloudOptions): Promise<LabCloudHandle> {
  const facts = await Promise.all(Array.from({ length: lab.options.nodes }, async (_, k) => ({ mac: await lab.nodeMac(k + 1), primaryIp: lab.nodeIp(k + 1) })));
  const spec = labCloudSpec(facts, opts);
  parseAwsLabCloudSpec(spec);
  const launched = await launchLabCloud(lab, {
    spec,
    dir: opts.dir ?? labCloudDir('vipd-labcloud-'),
    ownsDir: opts.dir === undefined,
    metadataAddress: LAB_IMDS_ADDRESS,
    apiHost: LAB_API_HOST,
    apiPort: LAB_API_PORT,
    propagationMs: opts.propagationMs,
    logLevel: opts.logLevel,
  });
  const nodes: LabCloudNode[] = facts.map((f, k) => ({ ...f, index: k + 1, instanceId: labInstanceId(k + 1), eniId: labEniId(k + 1) }));
  return new RunningLabCloud(lab, launched, nodes);
}

class RunningLabCloud implements LabCloudHandle {
  readonly region = LAB_REGION;
  private stopped: Promise<void> | null = null;

  readonly process: LabProcess;
  readonly control: LabCloudControlClient;
  readonly imdsUrl: string;
  readonly apiUrl: string;

  constructor(
    private readonly lab: Lab,
    private readonly launched: LaunchedLabCloud,
    readonly nodes: readonly LabCloudNode[],
  ) {
    ({ process: this.process, control: this.control, imdsUrl: this.imdsUrl, apiUrl: this.apiUrl } = launched);
  }

  vipdProviderConfig(): { region: string; endpoint: string; metadataEndpoint: string } {
    return { region: this.region, endpoint: this.apiUrl, metadataEndpoint: this.imdsUrl.replace(/:80$/, '') };
  }

  env(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    return labCloudEnv(base, this.region);
  }

  node(index: number): LabCloudNode {
    const n = this.nodes[index - 1];
    if (!n) throw new VipdError('VIPD_E_INTERNAL', `the lab cloud has nodes 1-${this.nodes.length}, not ${index}`);
    return n;
  }

  nodeOfInstance(instanceId: string): number | null {
    return this.nodes.find((n) => n.instanceId === instanceId)?.index ?? null;
  }

  async holders(vips: readonly string[]): Promise<Map<string, number | null>> {
    const state = await this.control.state();
    const enis = state.networkInterfaces;
    if (!Array.isArray(enis)) throw new VipdError('VIPD_E_INTERNAL', 'lab cloud state has no networkInterfaces list');
    const out = new Map<string, number | null>();
    for (const vip of vips) {
      const holder = (enis as { instanceId?: unknown; ips?: { address?: unknown }[] }[]).find((e) => (e.ips ?? []).some((ip) => ip.address === vip));
      out.set(vip, holder === undefined ? null : typeof holder.instanceId === 'string' ? this.nodeOfInstance(holder.instanceId) : null);
    }
    return out;
  }

  async ec2Calls(action?: string): Promise<Ec2CallRecord[]> {
    const calls = await this.control.calls();
    return action === undefined ? calls.ec2 : calls.ec2.filter((c) => c.action === action);
  }

  async fabricRoute(address: string): Promise<FabricRoute> {
    const exact = await this.lab.ipJson(this.lab.fabricNs, ['route', 'show', 'table', 'main', 'exact', `${address}/32`]);
    const get = Array.isArray(exact) && exact.length > 0 ? [] : await this.lab.ipJson(this.lab.fabricNs, ['route', 'get', address]);
    return parseFabricRoute(exact, get, address);
  }

  awsCliArgv(args: readonly string[]): string[] {
    // Short timeouts and one attempt: the CLI's 60 s default is longer than any failover budget.
    return [
      AWS_CLI,
      '--endpoint-url',
      this.apiUrl,
      '--region',
      this.region,
      '--output',
      'json',
      '--cli-connect-timeout',
      '2',
      '--cli-read-timeout',
      '5',
      ...args,
    ];
  }

  awsCli(node: number, args: readonly string[]): Promise<CommandResult> {
    const [file, ...rest] = this.awsCliArgv(args);
    return this.lab.runnerIn(this.lab.nodeNs(node)).run(file!, rest, { timeoutMs: 60_000, env: { ...this.env(), AWS_MAX_ATTEMPTS: '1' } });
  }

  stop(): Promise<void> {
    this.stopped ??= stopLabCloud(this.launched);
    return this.stopped;
  }
}
