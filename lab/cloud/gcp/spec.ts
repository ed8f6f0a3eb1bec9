import { VipdError } from '../../../src/errors';
import { canonicalIpv4, cidrContains, ipv4Number, parseIpv4Cidr } from '../../../src/util/ip';
import { normalizeMac } from '../../../src/cloud/aws/mac';
import { parseAliasRange } from '../../../src/cloud/gcp/alias-ranges';

/**
 * The emulated GCP cloud's starting state: the `gcp` flavour of a lab cloud
 * state file. Validated strictly, like the aws one: a lab that starts from
 * a state no real VPC could be in would test nothing.
 */
export interface GcpLabCloudSpec {
  readonly project: string;
  readonly projectNumber: string;
  readonly zone: string;
  readonly subnet: GcpLabSubnetSpec;
  readonly instances: readonly GcpLabInstanceSpec[];
  /** Addresses used as VIPs: blackholed on the fabric while nobody holds them. */
  readonly vips: readonly string[];
  readonly propagationDelayMs: number;
  /** How long an updateNetworkInterface operation stays RUNNING before DONE. */
  readonly operationMs: number;
  /** The longest zoneOperations.wait holds before answering with a running operation (Compute: up to 2 minutes, or less). */
  readonly operationWaitCapMs: number;
  /** Alias ranges per NIC. */
  readonly aliasLimit: number;
  /** Whether updateNetworkInterface works on a STOPPED/TERMINATED instance (real behaviour unknown: switchable). */
  readonly updatesWhenStopped: boolean;
  /** How adding an alias another VM holds is refused (real behaviour unknown): an HTTP 400 or an operation that ends in error. */
  readonly aliasInUse: 'http400' | 'operationError';
}

export interface GcpLabSubnetSpec {
  readonly name: string;
  readonly ipCidrRange: string;
  readonly secondaryRanges: readonly { readonly rangeName: string; readonly ipCidrRange: string }[];
}

export type GceStatus = 'PROVISIONING' | 'STAGING' | 'RUNNING' | 'STOPPING' | 'STOPPED' | 'TERMINATED';

export interface GcpLabInstanceSpec {
  readonly name: string;
  readonly id: string;
  readonly status: GceStatus;
  /** Source addresses of this instance's metadata requests (default: its NICs' networkIPs). */
  readonly sourceAddresses: readonly string[];
  /** IAM permissions of its service account; null: all. */
  readonly permissions: readonly string[] | null;
  readonly networkInterfaces: readonly GcpLabNicSpec[];
}

export interface GcpLabNicSpec {
  readonly name: string;
  readonly networkIP: string;
  readonly mac: string;
  readonly aliasIpRanges: readonly { readonly ipCidrRange: string; readonly subnetworkRangeName: string | null }[];
}

export type GcpCloudSpec = { readonly cloud: 'gcp' } & GcpLabCloudSpec;

const STATUSES: readonly GceStatus[] = ['PROVISIONING', 'STAGING', 'RUNNING', 'STOPPING', 'STOPPED', 'TERMINATED'];

export function parseGcpLabCloudSpec(input: Record<string, unknown>): GcpLabCloudSpec {
  const bad = (path: string, m: string): never => {
    throw new VipdError('VIPD_E_CONFIG', `lab cloud state: ${path} ${m}`);
  };
  const str = (o: Record<string, unknown>, k: string, path: string, re?: RegExp): string => {
    const v = o[k];
    if (typeof v !== 'string' || (re !== undefined && !re.test(v))) return bad(`${path}.${k}`, `must be a string${re ? ` matching ${re.source}` : ''}`);
    return v;
  };
  const obj = (v: unknown, path: string): Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : bad(path, 'must be an object');
  const arr = (v: unknown, path: string): unknown[] => (Array.isArray(v) ? v : bad(path, 'must be an array'));
  const intOf = (v: unknown, dflt: number, path: string, max: number): number => {
    if (v === undefined) return dflt;
    return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max ? v : bad(path, `must be an integer 0..${max}`);
  };
  const subnetIn = obj(input.subnet, '$.subnet');
  const subnetCidr = parseIpv4Cidr(str(subnetIn, 'ipCidrRange', '$.subnet'));
  if (subnetCidr === null) bad('$.subnet.ipCidrRange', 'must be an IPv4 CIDR');
  const secondaryRanges = arr(subnetIn.secondaryRanges ?? [], '$.subnet.secondaryRanges').map((r, i) => {
    const o = obj(r, `$.subnet.secondaryRanges[${i}]`);
    const rangeName = str(o, 'rangeName', `$.subnet.secondaryRanges[${i}]`);
    const ipCidrRange = str(o, 'ipCidrRange', `$.subnet.secondaryRanges[${i}]`);
    if (parseIpv4Cidr(ipCidrRange) === null) bad(`$.subnet.secondaryRanges[${i}].ipCidrRange`, 'must be an IPv4 CIDR');
    return { rangeName, ipCidrRange };
  });
  const subnet = { name: str(subnetIn, 'name', '$.subnet'), ipCidrRange: subnetIn.ipCidrRange as string, secondaryRanges };
  const seenIps = new Set<string>();
  const seenMacs = new Set<string>();
  const instances = arr(input.instances, '$.instances').map((raw, i) => {
    const p = `$.instances[${i}]`;
    const o = obj(raw, p);
    const status = (o.status ?? 'RUNNING') as GceStatus;
    if (!STATUSES.includes(status)) bad(`${p}.status`, `must be one of ${STATUSES.join('|')}`);
    const nics = arr(o.networkInterfaces, `${p}.networkInterfaces`).map((n, j) => {
      const np = `${p}.networkInterfaces[${j}]`;
      const no = obj(n, np);
      const networkIP = canonicalIpv4(str(no, 'networkIP', np));
      if (networkIP === null || !cidrContains(subnetCidr!, ipv4Number(networkIP)!)) return bad(`${np}.networkIP`, 'must be an address of the subnet');
      if (seenIps.has(networkIP)) bad(`${np}.networkIP`, 'is used twice');
      seenIps.add(networkIP);
      const mac = normalizeMac(str(no, 'mac', np));
      if (mac === null || seenMacs.has(mac)) return bad(`${np}.mac`, 'must be a unique MAC address');
      seenMacs.add(mac);
      const aliasIpRanges = arr(no.aliasIpRanges ?? [], `${np}.aliasIpRanges`).map((r, k) => {
        const ro = obj(r, `${np}.aliasIpRanges[${k}]`);
        const ipCidrRange = str(ro, 'ipCidrRange', `${np}.aliasIpRanges[${k}]`);
        if (parseAliasRange(ipCidrRange) === null) bad(`${np}.aliasIpRanges[${k}].ipCidrRange`, 'must be an IPv4 range');
        const name = ro.subnetworkRangeName;
        if (name !== undefined && name !== null && (typeof name !== 'string' || !secondaryRanges.some((s) => s.rangeName === name)))
          bad(`${np}.aliasIpRanges[${k}].subnetworkRangeName`, 'must name a secondary range of the subnet');
        return { ipCidrRange, subnetworkRangeName: (name as string | undefined) ?? null };
      });
      return { name: str(no, 'name', np, /^nic[0-9]$/), networkIP, mac, aliasIpRanges };
    });
    if (nics.length === 0) bad(`${p}.networkInterfaces`, 'must not be empty');
    const perms = o.permissions ?? null;
    if (perms !== null && (!Array.isArray(perms) || perms.some((x) => typeof x !== 'string'))) bad(`${p}.permissions`, 'must be null or an array of strings');
    const sources =
      o.sourceAddresses === undefined
        ? nics.map((n) => n.networkIP)
        : arr(o.sourceAddresses, `${p}.sourceAddresses`).map(
            (s, k) => canonicalIpv4(String(s)) ?? bad(`${p}.sourceAddresses[${k}]`, 'must be an IPv4 address'),
          );
    return {
      name: str(o, 'name', p, /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/),
      id: o.id === undefined ? String(1_000_000 + i) : str(o, 'id', p, /^[0-9]{1,20}$/),
      status,
      sourceAddresses: sources,
      permissions: perms as string[] | null,
      networkInterfaces: nics,
    };
  });
  if (new Set(instances.map((x) => x.name)).size !== instances.length) bad('$.instances', 'names must be unique');
  const vips = arr(input.vips ?? [], '$.vips').map((v, i) => canonicalIpv4(String(v)) ?? bad(`$.vips[${i}]`, 'must be an IPv4 address'));
  const aliasInUse = input.aliasInUse ?? 'http400';
  if (aliasInUse !== 'http400' && aliasInUse !== 'operationError') bad('$.aliasInUse', 'must be http400 or operationError');
  return {
    project: str(input, 'project', '$', /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/),
    projectNumber: input.projectNumber === undefined ? '123456789012' : str(input, 'projectNumber', '$', /^[0-9]{6,20}$/),
    zone: str(input, 'zone', '$', /^[a-z]+-[a-z]+[0-9]+-[a-z]$/),
    subnet,
    instances,
    vips,
    propagationDelayMs: intOf(input.propagationDelayMs, 0, '$.propagationDelayMs', 600_000),
    operationMs: intOf(input.operationMs, 100, '$.operationMs', 600_000),
    operationWaitCapMs: intOf(input.operationWaitCapMs, 120_000, '$.operationWaitCapMs', 120_000),
    aliasLimit: intOf(input.aliasLimit, 10, '$.aliasLimit', 100),
    updatesWhenStopped: input.updatesWhenStopped === undefined ? true : input.updatesWhenStopped === true,
    aliasInUse: aliasInUse as 'http400' | 'operationError',
  };
}
