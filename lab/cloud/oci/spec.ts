import { createPublicKey } from 'node:crypto';
import { VipdError } from '../../../src/errors';
import { canonicalIpv4, cidrContains, ipv4Number, parseIpv4Cidr } from '../../../src/util/ip';
import { normalizeMac } from '../../../src/cloud/aws/mac';

/**
 * The emulated OCI cloud's starting state: the `oci` flavour of a lab
 * cloud state file (../spec.ts). Validated strictly: a lab that starts
 * from a state no real VCN could be in would test nothing.
 */
export interface OciLabCloudSpec {
  /** Canonical region name (us-ashburn-1). */
  readonly region: string;
  readonly tenancyId: string;
  readonly compartmentId: string;
  readonly subnets: readonly OciLabSubnetSpec[];
  readonly instances: readonly OciLabInstanceSpec[];
  readonly vnics: readonly OciLabVnicSpec[];
  /** API-key users: keyId `<tenancy>/<userId>/<fingerprint>`. */
  readonly users: readonly OciLabUserSpec[];
  /** Addresses used as VIPs: blackholed on the fabric while nobody holds them. */
  readonly vips: readonly string[];
  readonly propagationDelayMs: number;
  /** Secondary private IPs one VNIC may hold (OCI documents 63-64). */
  readonly secondaryLimitPerVnic: number;
  /** Lifetime of an instance principal session token (its JWT exp). */
  readonly sessionTokenLifetimeS: number;
  /** Reserved public IPs of the compartment. */
  readonly publicIps: readonly OciLabPublicIpSpec[];
  /** How long an UpdatePublicIp assignment stays ASSIGNING before it is ASSIGNED. */
  readonly publicIpAssignDelayMs: number;
}

export interface OciLabPublicIpSpec {
  readonly id: string;
  readonly ipAddress: string;
  /** The private address (of a VNIC in the spec) it starts assigned to; null: AVAILABLE. */
  readonly assignedTo: string | null;
}

export interface OciLabSubnetSpec {
  readonly id: string;
  readonly cidr: string;
}

export interface OciLabInstanceSpec {
  readonly id: string;
  /** Source addresses of this instance's metadata requests (default: its VNICs' primary IPs). */
  readonly sourceAddresses: readonly string[];
  /** Operations its instance principal may call; null: all (the policy grants `use private-ips`, `use vnics`). */
  readonly allowedOperations: readonly string[] | null;
}

export interface OciLabVnicSpec {
  readonly id: string;
  readonly mac: string;
  readonly subnetId: string;
  readonly instanceId: string | null;
  /** The first is the primary address. */
  readonly privateIps: readonly string[];
}

export interface OciLabUserSpec {
  readonly userId: string;
  readonly fingerprint: string;
  readonly publicKeyPem: string;
  readonly allowedOperations: readonly string[] | null;
}

export type OciCloudSpec = OciLabCloudSpec & { readonly cloud: 'oci' };

type Obj = Record<string, unknown>;

export function parseOciLabCloudSpec(input: unknown): OciLabCloudSpec {
  const root = obj(input, '$');
  const allowed = new Set([
    'region',
    'tenancyId',
    'compartmentId',
    'subnets',
    'instances',
    'vnics',
    'users',
    'vips',
    'propagationDelayMs',
    'secondaryLimitPerVnic',
    'sessionTokenLifetimeS',
    'publicIps',
    'publicIpAssignDelayMs',
  ]);
  for (const k of Object.keys(root)) if (!allowed.has(k)) bad(`$.${k}`, 'is not a known key');
  const region = str(root.region, '$.region', /^[a-z]{2}(-[a-z]+)+-[0-9]+$/);
  const tenancyId = str(root.tenancyId, '$.tenancyId', /^ocid1\.tenancy\./);
  const compartmentId = root.compartmentId === undefined ? tenancyId : str(root.compartmentId, '$.compartmentId', /^ocid1\.(compartment|tenancy)\./);
  const subnets = arr(root.subnets, '$.subnets').map((s, i) => {
    const o = obj(s, `$.subnets[${i}]`);
    const cidr = str(o.cidr, `$.subnets[${i}].cidr`);
    if (parseIpv4Cidr(cidr) === null) bad(`$.subnets[${i}].cidr`, 'is not an IPv4 CIDR');
    return { id: str(o.id, `$.subnets[${i}].id`, /^ocid1\.subnet\./), cidr };
  });
  const vnics = arr(root.vnics, '$.vnics').map((s, i): OciLabVnicSpec => {
    const p = `$.vnics[${i}]`;
    const o = obj(s, p);
    const mac = normalizeMac(str(o.mac, `${p}.mac`));
    if (mac === null) bad(`${p}.mac`, 'is not a MAC address');
    const subnetId = str(o.subnetId, `${p}.subnetId`);
    const subnet = subnets.find((n) => n.id === subnetId);
    if (subnet === undefined) bad(`${p}.subnetId`, 'names no subnet');
    const ips = arr(o.privateIps, `${p}.privateIps`).map((a, j) => {
      const ip = canonicalIpv4(str(a, `${p}.privateIps[${j}]`));
      if (ip === null || !cidrContains(parseIpv4Cidr(subnet!.cidr)!, ipv4Number(ip)!)) bad(`${p}.privateIps[${j}]`, `must be an address of ${subnet!.cidr}`);
      return ip!;
    });
    if (ips.length === 0) bad(`${p}.privateIps`, 'needs the primary address');
    return {
      id: str(o.id, `${p}.id`, /^ocid1\.vnic\./),
      mac: mac!,
      subnetId,
      instanceId: o.instanceId === undefined || o.instanceId === null ? null : str(o.instanceId, `${p}.instanceId`),
      privateIps: ips,
    };
  });
  const instances = arr(root.instances, '$.instances').map((s, i): OciLabInstanceSpec => {
    const p = `$.instances[${i}]`;
    const o = obj(s, p);
    const id = str(o.id, `${p}.id`, /^ocid1\.instance\./);
    const own = vnics.filter((v) => v.instanceId === id).map((v) => v.privateIps[0]!);
    const sources = o.sourceAddresses === undefined ? own : arr(o.sourceAddresses, `${p}.sourceAddresses`).map((a, j) => str(a, `${p}.sourceAddresses[${j}]`));
    return { id, sourceAddresses: sources, allowedOperations: ops(o.allowedOperations, `${p}.allowedOperations`) };
  });
  for (const [i, v] of vnics.entries()) {
    if (v.instanceId !== null && !instances.some((n) => n.id === v.instanceId)) bad(`$.vnics[${i}].instanceId`, 'names no instance');
  }
  const users = (root.users === undefined ? [] : arr(root.users, '$.users')).map((s, i): OciLabUserSpec => {
    const p = `$.users[${i}]`;
    const o = obj(s, p);
    const publicKeyPem = str(o.publicKeyPem, `${p}.publicKeyPem`);
    try {
      createPublicKey(publicKeyPem);
    } catch {
      bad(`${p}.publicKeyPem`, 'is not a PEM public key');
    }
    return {
      userId: str(o.userId, `${p}.userId`, /^ocid1\.user\./),
      fingerprint: str(o.fingerprint, `${p}.fingerprint`, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/),
      publicKeyPem,
      allowedOperations: ops(o.allowedOperations, `${p}.allowedOperations`),
    };
  });
  const vips = arr(root.vips, '$.vips').map((a, i) => {
    const ip = canonicalIpv4(str(a, `$.vips[${i}]`));
    if (ip === null) bad(`$.vips[${i}]`, 'is not an IPv4 address');
    return ip!;
  });
  const propagationDelayMs = int(root.propagationDelayMs, '$.propagationDelayMs', 0, 600_000, 0);
  const secondaryLimitPerVnic = int(root.secondaryLimitPerVnic, '$.secondaryLimitPerVnic', 0, 1000, 64);
  const sessionTokenLifetimeS = int(root.sessionTokenLifetimeS, '$.sessionTokenLifetimeS', 1, 86_400, 3600);
  const publicIps = (root.publicIps === undefined ? [] : arr(root.publicIps, '$.publicIps')).map((s, i): OciLabPublicIpSpec => {
    const p = `$.publicIps[${i}]`;
    const o = obj(s, p);
    const ipAddress = canonicalIpv4(str(o.ipAddress, `${p}.ipAddress`));
    if (ipAddress === null) bad(`${p}.ipAddress`, 'is not an IPv4 address');
    let assignedTo: string | null = null;
    if (o.assignedTo !== undefined && o.assignedTo !== null) {
      assignedTo = canonicalIpv4(str(o.assignedTo, `${p}.assignedTo`));
      if (assignedTo === null || !vnics.some((v) => v.privateIps.includes(assignedTo!)))
        bad(`${p}.assignedTo`, 'must be a private address of a VNIC in the spec');
    }
    return { id: str(o.id, `${p}.id`, /^ocid1\.publicip\./), ipAddress: ipAddress!, assignedTo };
  });
  const publicIpAssignDelayMs = int(root.publicIpAssignDelayMs, '$.publicIpAssignDelayMs', 0, 600_000, 0);
  return {
    region,
    tenancyId,
    compartmentId,
    subnets,
    instances,
    vnics,
    users,
    vips,
    propagationDelayMs,
    secondaryLimitPerVnic,
    sessionTokenLifetimeS,
    publicIps,
    publicIpAssignDelayMs,
  };
}

function ops(v: unknown, path: string): readonly string[] | null {
  if (v === undefined || v === null) return null;
  return arr(v, path).map((a, i) => str(a, `${path}[${i}]`, /^[A-Z][A-Za-z]+$/));
}

function bad(path: string, why: string): never {
  throw new VipdError('VIPD_E_CONFIG', `lab cloud state: ${path} ${why}`);
}

function obj(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(path, 'must be an object');
  return v as Obj;
}

function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) bad(path, 'must be an array');
  return v as unknown[];
}

function str(v: unknown, path: string, shape?: RegExp): string {
  if (typeof v !== 'string' || v === '' || (shape !== undefined && !shape.test(v)))
    bad(path, `must be a string${shape !== undefined ? ` matching ${String(shape)}` : ''}`);
  return v as string;
}

function int(v: unknown, path: string, min: number, max: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(path, `must be an integer ${min}..${max}`);
  return v as number;
}
