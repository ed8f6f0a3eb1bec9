import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../../src/util/logger';
import { LabCloud, type LabCloudEndpoints } from '../../../../lab/cloud/lab-cloud';
import type { OciCloudSpec } from '../../../../lab/cloud/oci/spec';
import { labCloudSpecOf, parseLabCloudSpec } from '../../../../lab/cloud/spec';
import { RecordingFabric } from '../fixtures';

export const REGION = 'us-ashburn-1';
export const TENANCY = 'ocid1.tenancy.oc1..aaaalabtenancy';
export const SUBNET = 'ocid1.subnet.oc1.iad.aaaalabsubnet1';
export const OTHER_SUBNET = 'ocid1.subnet.oc1.iad.aaaalabsubnet2';
/** node1's VIP interface is eth1, its SECOND VNIC, so "the first VNIC" is the wrong one. */
export const NODE1 = {
  id: 'ocid1.instance.oc1.iad.node1',
  source: '127.0.0.21',
  vnic0: 'ocid1.vnic.oc1.iad.node1a',
  mac0: '02:00:17:00:01:01',
  vnic: 'ocid1.vnic.oc1.iad.node1b',
  mac: '02:00:17:00:01:0a',
  primary: '10.0.1.20',
  user: 'ocid1.user.oc1..node1',
};
export const NODE2 = {
  id: 'ocid1.instance.oc1.iad.node2',
  source: '127.0.0.22',
  vnic: 'ocid1.vnic.oc1.iad.node2a',
  mac: '02:00:17:00:02:0b',
  primary: '10.0.1.21',
  user: 'ocid1.user.oc1..node2',
};
export const VIPS = ['10.0.1.42', '10.0.1.43', '10.0.1.44'] as const;

export interface ApiKey {
  readonly userId: string;
  readonly fingerprint: string;
  readonly publicKeyPem: string;
  readonly privateKeyPem: string;
}

/** An RSA API signing key with OCI's fingerprint (MD5 of the DER public key, colon hex). */
export function apiKey(userId: string): ApiKey {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const fingerprint = createHash('md5').update(der).digest('hex').match(/../g)!.join(':');
  return {
    userId,
    fingerprint,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

export interface OciLabKeys {
  readonly node1: ApiKey;
  readonly node2: ApiKey;
}

export function ociSpecJson(keys: OciLabKeys, allowed: { node1?: readonly string[]; node2?: readonly string[] } = {}): Record<string, unknown> {
  return {
    cloud: 'oci',
    region: REGION,
    tenancyId: TENANCY,
    subnets: [
      { id: SUBNET, cidr: '10.0.1.0/24' },
      { id: OTHER_SUBNET, cidr: '10.0.2.0/24' },
    ],
    instances: [
      { id: NODE1.id, sourceAddresses: [NODE1.source] },
      { id: NODE2.id, sourceAddresses: [NODE2.source] },
    ],
    vnics: [
      { id: NODE1.vnic0, mac: NODE1.mac0, subnetId: OTHER_SUBNET, instanceId: NODE1.id, privateIps: ['10.0.2.10'] },
      { id: NODE1.vnic, mac: NODE1.mac, subnetId: SUBNET, instanceId: NODE1.id, privateIps: [NODE1.primary] },
      { id: NODE2.vnic, mac: NODE2.mac, subnetId: SUBNET, instanceId: NODE2.id, privateIps: [NODE2.primary] },
    ],
    users: [
      { userId: keys.node1.userId, fingerprint: keys.node1.fingerprint, publicKeyPem: keys.node1.publicKeyPem, allowedOperations: allowed.node1 ?? null },
      { userId: keys.node2.userId, fingerprint: keys.node2.fingerprint, publicKeyPem: keys.node2.publicKeyPem, allowedOperations: allowed.node2 ?? null },
    ],
    vips: [...VIPS],
  };
}

export interface RunningOciLab {
  readonly cloud: LabCloud<OciCloudSpec>;
  readonly endpoints: LabCloudEndpoints;
  readonly fabric: RecordingFabric;
  readonly keys: OciLabKeys;
  /** OCI config files (api_key auth), one per node. */
  readonly configFile: { readonly node1: string; readonly node2: string };
  /** Writes another OCI config file (a wrong key, a wrong fingerprint). */
  writeConfig(name: string, key: ApiKey): string;
  stop(): Promise<void>;
}

export async function startOciLab(
  patch: (s: Record<string, unknown>) => void = () => undefined,
  allowed: { node1?: readonly string[]; node2?: readonly string[] } = {},
  /** The emulator's wall clock (signature dates, token exp, public IP assignment delays). */
  wallNowMs?: () => number,
): Promise<RunningOciLab> {
  const keys = { node1: apiKey(NODE1.user), node2: apiKey(NODE2.user) };
  const json = ociSpecJson(keys, allowed);
  patch(json);
  const spec = labCloudSpecOf(parseLabCloudSpec(json), 'oci');
  const fabric = new RecordingFabric();
  const cloud = new LabCloud(spec, { fabric, logger: silentLogger(), wallNowMs });
  const endpoints = await cloud.start({ imds: { host: '127.0.0.1', port: 0 }, api: { host: '127.0.0.1', port: 0 } });
  const dir = mkdtempSync(join(tmpdir(), 'vipd-oci-'));
  const write = (name: string, key: ApiKey): string => {
    const pem = join(dir, `${name}.pem`);
    writeFileSync(pem, key.privateKeyPem, { mode: 0o600 });
    const file = join(dir, `${name}.config`);
    writeFileSync(file, `[DEFAULT]\nuser=${key.userId}\nfingerprint=${key.fingerprint}\nkey_file=${pem}\ntenancy=${TENANCY}\nregion=${REGION}\n`);
    return file;
  };
  const configFile = { node1: write('node1', keys.node1), node2: write('node2', keys.node2) };
  return {
    cloud,
    endpoints,
    fabric,
    keys,
    configFile,
    writeConfig: write,
    stop: async () => {
      await cloud.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
