import { createHash, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VipdError } from '../../../src/errors';
import type { Ec2CallRecord } from '../call-log';
import type { LabCloudControlClient } from '../control-client';
import { labCloudDir, launchLabCloud, stopLabCloud, type LaunchedLabCloud } from '../launch';
import { LAB_API_HOST, LAB_IMDS_ADDRESS, LAB_SUBNET_CIDR, parseFabricRoute, type FabricRoute, type LabCloudNodeFacts } from '../aws/in-lab';
import type { Lab } from '../../netns/lab';
import type { LabProcess } from '../../netns/spawner';
import { parseOciLabCloudSpec } from './spec';

/**
 * The emulated OCI cloud inside a Lab: one instance + VNIC per node (the
 * node's real eth0 MAC and primary address), the emulator in the fabric
 * namespace with its metadata service on 169.254.169.254:80 and its Core
 * Services API (and federation endpoint) on the subnet gateway. A node
 * signs as its instance principal, or with its own API key (an OCI config
 * file per node, written here); either way the call log names the node
 * that made each call. The fabric routes each VIP as the VCN does.
 */
export const OCI_LAB_API_PORT = 8774;
export const OCI_LAB_REGION = 'us-ashburn-1';
export const OCI_LAB_TENANCY = 'ocid1.tenancy.oc1..aaaalabtenancy';
export const OCI_LAB_SUBNET = 'ocid1.subnet.oc1.iad.aaaalabsubnet';

export interface OciLabCloudOptions {
  readonly vips: readonly string[];
  readonly propagationMs?: number;
  /** Per node index: the operations its policy allows (absent: all). */
  readonly allowedOperations?: Readonly<Record<number, readonly string[]>>;
  readonly dir?: string;
  readonly logLevel?: string;
}

export interface OciLabNode extends LabCloudNodeFacts {
  readonly index: number;
  readonly instanceId: string;
  readonly vnicId: string;
  /** The API user this node signs as (the caller in the call log). */
  readonly userId: string;
  /** Its OCI config file (auth api_key). */
  readonly configFile: string;
}

export function ociLabInstanceId(i: number): string {
  return `ocid1.instance.oc1.iad.lab${i}`;
}

export function ociLabVnicId(i: number): string {
  return `ocid1.vnic.oc1.iad.lab${i}`;
}

export function ociLabUserId(i: number): string {
  return `ocid1.user.oc1..lab${i}`;
}

/** Starts the emulator in the lab's fabric and waits until it serves. */
export async function startOciLabCloud(lab: Lab, opts: OciLabCloudOptions): Promise<OciLabCloudHandle> {
  const facts = await Promise.all(Array.from({ length: lab.options.nodes }, async (_, k) => ({ mac: await lab.nodeMac(k + 1), primaryIp: lab.nodeIp(k + 1) })));
  const dir = opts.dir ?? labCloudDir('vipd-ocilab-');
  const users = facts.map((_, k) => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const fingerprint = createHash('md5')
      .update(publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex')
      .match(/../g)!
      .join(':');
    const keyFile = join(dir, `n${k + 1}-api-key.pem`);
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
    const configFile = join(dir, `n${k + 1}-oci-config`);
    writeFileSync(
      configFile,
      `[DEFAULT]\nuser=${ociLabUserId(k + 1)}\nfingerprint=${fingerprint}\nkey_file=${keyFile}\ntenancy=${OCI_LAB_TENANCY}\nregion=${OCI_LAB_REGION}\n`,
      { mode: 0o600 },
    );
    return { userId: ociLabUserId(k + 1), fingerprint, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), configFile };
  });
  const spec = {
    cloud: 'oci',
    region: OCI_LAB_REGION,
    tenancyId: OCI_LAB_TENANCY,
    subnets: [{ id: OCI_LAB_SUBNET, cidr: LAB_SUBNET_CIDR }],
    instances: facts.map((f, k) => ({ id: ociLabInstanceId(k + 1), sourceAddresses: [f.primaryIp] })),
    vnics: facts.map((f, k) => ({
      id: ociLabVnicId(k + 1),
      mac: f.mac,
      subnetId: OCI_LAB_SUBNET,
      instanceId: ociLabInstanceId(k + 1),
      privateIps: [f.primaryIp],
    })),
    users: users.map((u, k) => ({
      userId: u.userId,
      fingerprint: u.fingerprint,
      publicKeyPem: u.publicKeyPem,
      allowedOperations: opts.allowedOperations?.[k + 1] ?? null,
    })),
    vips: [...opts.vips],
    propagationDelayMs: opts.propagationMs ?? 0,
  };
  const { cloud: _cloud, ...rest } = spec;
  parseOciLabCloudSpec(rest);
  const launched = await launchLabCloud(lab, {
    spec,
    dir,
    ownsDir: opts.dir === undefined,
    metadataAddress: LAB_IMDS_ADDRESS,
    apiHost: LAB_API_HOST,
    apiPort: OCI_LAB_API_PORT,
    propagationMs: opts.propagationMs,
    logLevel: opts.logLevel,
  });
  const nodes: OciLabNode[] = facts.map((f, k) => ({
    ...f,
    index: k + 1,
    instanceId: ociLabInstanceId(k + 1),
    vnicId: ociLabVnicId(k + 1),
    userId: users[k]!.userId,
    configFile: users[k]!.configFile,
  }));
  return new OciLabCloudHandle(lab, launched, nodes);
}

export class OciLabCloudHandle {
  readonly region = OCI_LAB_REGION;
  private stopped: Promise<void> | null = null;

  readonly process: LabProcess;
  readonly control: LabCloudControlClient;
  readonly imdsUrl: string;
  readonly apiUrl: string;

  constructor(
    private readonly lab: Lab,
    private readonly launched: LaunchedLabCloud,
    readonly nodes: readonly OciLabNode[],
  ) {
    ({ process: this.process, control: this.control, imdsUrl: this.imdsUrl, apiUrl: this.apiUrl } = launched);
  }

  /**
   * The `provider.oci` block of a vipd config for node i: by default the
   * instance principal (identity certificates from the lab's metadata,
   * federation at the emulator's /v1/x509), as on a real instance; or the
   * node's own API key.
   */
  vipdProviderConfig(i: number, auth: 'instance_principal' | 'api_key' = 'instance_principal'): Record<string, string | null> {
    const common = { region: this.region, endpoint: this.apiUrl, metadataEndpoint: this.imdsUrl.replace(/:80$/, '') };
    return auth === 'api_key' ? { ...common, auth, configFile: this.node(i).configFile } : { ...common, auth, federationEndpoint: this.apiUrl };
  }

  node(index: number): OciLabNode {
    const n = this.nodes[index - 1];
    if (!n) throw new VipdError('VIPD_E_INTERNAL', `the lab cloud has nodes 1-${this.nodes.length}, not ${index}`);
    return n;
  }

  nodeOfCaller(caller: string | null): number | null {
    return this.nodes.find((n) => n.userId === caller || n.instanceId === caller)?.index ?? null;
  }

  /** Who the control plane says holds each VIP (lab node index), null = nobody. */
  async holders(vips: readonly string[]): Promise<Map<string, number | null>> {
    const state = await this.control.state();
    const ips = state.privateIps;
    if (!Array.isArray(ips)) throw new VipdError('VIPD_E_INTERNAL', 'lab cloud state has no privateIps list');
    const out = new Map<string, number | null>();
    for (const vip of vips) {
      const rec = (ips as { ipAddress?: unknown; vnicId?: unknown }[]).find((p) => p.ipAddress === vip && typeof p.vnicId === 'string');
      out.set(vip, rec === undefined ? null : (this.nodes.find((n) => n.vnicId === rec.vnicId)?.index ?? null));
    }
    return out;
  }

  /** API calls of one operation from the call log, oldest first. */
  async apiCalls(operation?: string): Promise<Ec2CallRecord[]> {
    const calls = await this.control.calls();
    return operation === undefined ? calls.ec2 : calls.ec2.filter((c) => c.action === operation);
  }

  async fabricRoute(address: string): Promise<FabricRoute> {
    const exact = await this.lab.ipJson(this.lab.fabricNs, ['route', 'show', 'table', 'main', 'exact', `${address}/32`]);
    const get = Array.isArray(exact) && exact.length > 0 ? [] : await this.lab.ipJson(this.lab.fabricNs, ['route', 'get', address]);
    return parseFabricRoute(exact, get, address);
  }

  stop(): Promise<void> {
    this.stopped ??= stopLabCloud(this.launched);
    return this.stopped;
  }
}
