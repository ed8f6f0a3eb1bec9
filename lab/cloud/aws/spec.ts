import { VipdError } from '../../../src/errors';
import { canonicalIpv4, cidrContains, ipv4Number, parseIpv4Cidr } from '../../../src/util/ip';
import { normalizeMac } from '../../../src/cloud/aws/mac';
import { parseIamPolicy, type IamPolicy } from './iam-policy';

/**
 * The emulated AWS cloud's starting state: the `aws` flavour of a lab cloud
 * state file (`--state FILE.json`, see ../spec.ts). Validated strictly: a
 * lab that starts from a state no real VPC could be in would test nothing.
 */
export interface AwsLabCloudSpec {
  readonly region: string;
  readonly availabilityZone: string;
  readonly accountId: string;
  readonly subnets: readonly LabSubnetSpec[];
  readonly instances: readonly LabInstanceSpec[];
  readonly networkInterfaces: readonly LabEniSpec[];
  readonly elasticIps: readonly LabElasticIpSpec[];
  /** Static API users (the AWS CLI in tests); instances use their role's credentials. */
  readonly users: readonly LabUserSpec[];
  /** Addresses used as VIPs: blackholed on the fabric while nobody holds them. */
  readonly vips: readonly string[];
  /** Delay between an API change and traffic/metadata following it. */
  readonly propagationDelayMs: number;
}

export interface LabSubnetSpec {
  readonly id: string;
  readonly vpcId: string;
  readonly cidr: string;
}

export interface LabInstanceSpec {
  readonly id: string;
  readonly type: string;
  readonly state: 'pending' | 'running' | 'stopping' | 'stopped';
  /** Instance role name; null: no instance profile (no credentials in metadata). */
  readonly role: string | null;
  /** Source addresses of this instance's metadata requests (default: its ENIs' primary IPs). */
  readonly sourceAddresses: readonly string[];
  /** EC2 actions the role may call; null: all. */
  readonly allowedActions: readonly string[] | null;
  /** The role's IAM identity policy (action and resource ARN of every call); null: none checked. */
  readonly policy: IamPolicy | null;
}

export interface LabEniSpec {
  readonly id: string;
  readonly mac: string;
  readonly subnetId: string;
  readonly instanceId: string | null;
  readonly deviceIndex: number;
  /** The first is the primary address. */
  readonly privateIps: readonly string[];
  readonly sourceDestCheck: boolean;
  readonly description: string;
}

export interface LabElasticIpSpec {
  readonly allocationId: string;
  readonly publicIp: string;
  /** Initially associated with this ENI + private address, or null. */
  readonly networkInterfaceId: string | null;
  readonly privateIpAddress: string | null;
}

export interface LabUserSpec {
  readonly name: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly allowedActions: readonly string[] | null;
}

/** The aws flavour's entry in a lab cloud state file (../spec.ts). */
export type AwsCloudSpec = AwsLabCloudSpec & { readonly cloud: 'aws' };

type Obj = Record<string, unknown>;

export function parseAwsLabCloudSpec(input: unknown): AwsLabCloudSpec {
  const root = obj(input, '$');
  const subnets = arr(root.subnets, '$.subnets').map((s, i) => parseSubnet(s, `$.subnets[${i}]`));
  const instances = arr(root.instances, '$.instances').map((s, i) => parseInstance(s, `$.instances[${i}]`));
  const enis = arr(root.networkInterfaces, '$.networkInterfaces').map((s, i) => parseEni(s, `$.networkInterfaces[${i}]`));
  const elasticIps = arr(root.elasticIps ?? [], '$.elasticIps').map((s, i) => parseEip(s, `$.elasticIps[${i}]`));
  const users = arr(root.users ?? [], '$.users').map((s, i) => parseUser(s, `$.users[${i}]`));
  const vips = arr(root.vips ?? [], '$.vips').map((v, i) => ipv4(v, `$.vips[${i}]`));
  const delay = root.propagationDelayMs ?? 0;
  if (typeof delay !== 'number' || !Number.isInteger(delay) || delay < 0) fail('$.propagationDelayMs', 'must be a non-negative integer (ms)');

  unique(
    subnets.map((s) => s.id),
    '$.subnets',
    'id',
  );
  unique(
    instances.map((s) => s.id),
    '$.instances',
    'id',
  );
  unique(
    enis.map((s) => s.id),
    '$.networkInterfaces',
    'id',
  );
  unique(
    enis.map((s) => s.mac),
    '$.networkInterfaces',
    'mac',
  );
  unique(
    enis.flatMap((s) => s.privateIps),
    '$.networkInterfaces',
    'private address',
  );
  unique(
    elasticIps.map((s) => s.allocationId),
    '$.elasticIps',
    'allocationId',
  );
  unique(
    users.map((s) => s.accessKeyId),
    '$.users',
    'accessKeyId',
  );

  enis.forEach((eni, i) => {
    const where = `$.networkInterfaces[${i}]`;
    const subnet = subnets.find((s) => s.id === eni.subnetId);
    if (subnet === undefined) fail(`${where}.subnetId`, `unknown subnet ${eni.subnetId}`);
    const cidr = parseIpv4Cidr(subnet.cidr)!;
    for (const ip of eni.privateIps) {
      if (!cidrContains(cidr, ipv4Number(ip)!)) fail(`${where}.privateIps`, `${ip} is outside ${subnet.cidr}`);
    }
    if (eni.instanceId !== null && !instances.some((x) => x.id === eni.instanceId)) fail(`${where}.instanceId`, `unknown instance ${eni.instanceId}`);
  });
  for (const inst of instances) {
    const own = enis.filter((e) => e.instanceId === inst.id);
    if (!own.some((e) => e.deviceIndex === 0)) fail('$.instances', `instance ${inst.id} has no network interface with deviceIndex 0`);
    unique(
      own.map((e) => String(e.deviceIndex)),
      `$.instances(${inst.id})`,
      'deviceIndex',
    );
  }
  elasticIps.forEach((eip, i) => {
    if (eip.networkInterfaceId === null) return;
    const eni = enis.find((e) => e.id === eip.networkInterfaceId);
    if (eni === undefined || eip.privateIpAddress === null || !eni.privateIps.includes(eip.privateIpAddress)) {
      fail(`$.elasticIps[${i}]`, 'association must name an existing ENI and one of its private addresses');
    }
  });

  const withSources = instances.map((inst) => ({
    ...inst,
    sourceAddresses: inst.sourceAddresses.length > 0 ? inst.sourceAddresses : enis.filter((e) => e.instanceId === inst.id).map((e) => e.privateIps[0]!),
  }));
  unique(
    withSources.flatMap((i) => i.sourceAddresses),
    '$.instances',
    'source address',
  );

  return {
    region: str(root.region, '$.region', /^[a-z]{2}(-[a-z]+)+-[0-9]+$/),
    availabilityZone: str(root.availabilityZone, '$.availabilityZone', /^[a-z]{2}(-[a-z]+)+-[0-9]+[a-z]$/),
    accountId: root.accountId === undefined ? '123456789012' : str(root.accountId, '$.accountId', /^[0-9]{12}$/),
    subnets,
    instances: withSources,
    networkInterfaces: enis,
    elasticIps,
    users,
    vips,
    propagationDelayMs: delay,
  };
}

function parseSubnet(v: unknown, where: string): LabSubnetSpec {
  const o = obj(v, where);
  const cidr = str(o.cidr, `${where}.cidr`);
  if (parseIpv4Cidr(cidr) === null) fail(`${where}.cidr`, `"${cidr}" is not an IPv4 CIDR`);
  return { id: str(o.id, `${where}.id`, /^subnet-[0-9a-z]+$/), vpcId: str(o.vpcId, `${where}.vpcId`, /^vpc-[0-9a-z]+$/), cidr };
}

function parseInstance(v: unknown, where: string): LabInstanceSpec {
  const o = obj(v, where);
  const state = o.state ?? 'running';
  if (state !== 'pending' && state !== 'running' && state !== 'stopping' && state !== 'stopped')
    fail(`${where}.state`, 'must be pending|running|stopping|stopped');
  return {
    id: str(o.id, `${where}.id`, /^i-[0-9a-z]+$/),
    type: str(o.type ?? 't3.large', `${where}.type`, /^[a-z0-9]+\.[a-z0-9]+$/),
    state,
    role: o.role === null || o.role === undefined ? null : str(o.role, `${where}.role`, /^[\w+=,.@-]{1,64}$/),
    sourceAddresses: arr(o.sourceAddresses ?? [], `${where}.sourceAddresses`).map((s, i) => ipv4(s, `${where}.sourceAddresses[${i}]`)),
    allowedActions: actions(o.allowedActions, `${where}.allowedActions`),
    policy: o.policy === undefined || o.policy === null ? null : parseIamPolicy(o.policy, `${where}.policy`),
  };
}

function parseEni(v: unknown, where: string): LabEniSpec {
  const o = obj(v, where);
  const mac = normalizeMac(str(o.mac, `${where}.mac`));
  if (mac === null) fail(`${where}.mac`, 'must be a MAC address');
  const ips = arr(o.privateIps, `${where}.privateIps`).map((s, i) => ipv4(s, `${where}.privateIps[${i}]`));
  if (ips.length === 0) fail(`${where}.privateIps`, 'needs at least the primary address');
  const deviceIndex = o.deviceIndex ?? 0;
  if (typeof deviceIndex !== 'number' || !Number.isInteger(deviceIndex) || deviceIndex < 0) fail(`${where}.deviceIndex`, 'must be a non-negative integer');
  const sdc = o.sourceDestCheck ?? true;
  if (typeof sdc !== 'boolean') fail(`${where}.sourceDestCheck`, 'must be a boolean');
  return {
    id: str(o.id, `${where}.id`, /^eni-[0-9a-z]+$/),
    mac,
    subnetId: str(o.subnetId, `${where}.subnetId`),
    instanceId: o.instanceId === null || o.instanceId === undefined ? null : str(o.instanceId, `${where}.instanceId`),
    deviceIndex,
    privateIps: ips,
    sourceDestCheck: sdc,
    description: o.description === undefined ? '' : str(o.description, `${where}.description`),
  };
}

function parseEip(v: unknown, where: string): LabElasticIpSpec {
  const o = obj(v, where);
  return {
    allocationId: str(o.allocationId, `${where}.allocationId`, /^eipalloc-[0-9a-z]+$/),
    publicIp: ipv4(o.publicIp, `${where}.publicIp`),
    networkInterfaceId: o.networkInterfaceId === undefined || o.networkInterfaceId === null ? null : str(o.networkInterfaceId, `${where}.networkInterfaceId`),
    privateIpAddress: o.privateIpAddress === undefined || o.privateIpAddress === null ? null : ipv4(o.privateIpAddress, `${where}.privateIpAddress`),
  };
}

function parseUser(v: unknown, where: string): LabUserSpec {
  const o = obj(v, where);
  return {
    name: str(o.name, `${where}.name`),
    accessKeyId: str(o.accessKeyId, `${where}.accessKeyId`, /^[A-Z0-9]{16,128}$/),
    secretAccessKey: str(o.secretAccessKey, `${where}.secretAccessKey`, /^.{16,128}$/),
    allowedActions: actions(o.allowedActions, `${where}.allowedActions`),
  };
}

function actions(v: unknown, where: string): readonly string[] | null {
  if (v === undefined || v === null) return null;
  return arr(v, where).map((a, i) => str(a, `${where}[${i}]`, /^[A-Za-z]+$/));
}

function obj(v: unknown, where: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(where, 'must be an object');
  return v as Obj;
}

function arr(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) fail(where, 'must be an array');
  return v;
}

function str(v: unknown, where: string, pattern?: RegExp): string {
  if (typeof v !== 'string' || v === '') fail(where, 'must be a non-empty string');
  if (pattern !== undefined && !pattern.test(v)) fail(where, `"${v}" does not match ${String(pattern)}`);
  return v;
}

function ipv4(v: unknown, where: string): string {
  const ip = typeof v === 'string' ? canonicalIpv4(v) : null;
  if (ip === null || ip !== v) fail(where, `${JSON.stringify(v)} is not a canonical IPv4 address`);
  return ip;
}

function unique(values: readonly string[], where: string, what: string): void {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) fail(where, `duplicate ${what} ${v}`);
    seen.add(v);
  }
}

function fail(where: string, message: string): never {
  throw new VipdError('VIPD_E_CONFIG', `lab cloud state ${where}: ${message}`);
}
