import { canonicalIpv4, cidrContains, cidrSize, formatIpv4, ipv4Number, parseIpv4Cidr, type Ipv4Cidr } from '../../../src/util/ip';
import { ipv4AddressesPerEni } from '../../../src/cloud/aws/instance-limits';
import { Ec2ApiError, notFoundEni } from './ec2-errors';
import type { AwsLabCloudSpec, LabInstanceSpec } from './spec';

/**
 * The emulated EC2 control plane: the authoritative record of which ENI
 * holds which private address and where each Elastic IP points. Pure
 * in-memory state with EC2's validation rules; every change is reported
 * through `onHolderChange` so the data plane (metadata, fabric routes) can
 * follow after the propagation delay, as it does in AWS.
 */
export interface PrivateIp {
  address: string;
  primary: boolean;
}

export interface Eni {
  readonly id: string;
  readonly mac: string;
  readonly subnetId: string;
  readonly instanceId: string | null;
  readonly deviceIndex: number;
  readonly description: string;
  ips: PrivateIp[];
  sourceDestCheck: boolean;
}

export interface EipAssociation {
  readonly associationId: string;
  readonly eniId: string;
  readonly privateIp: string;
}

export interface Eip {
  readonly allocationId: string;
  readonly publicIp: string;
  association: EipAssociation | null;
}

export interface Instance extends Omit<LabInstanceSpec, 'state'> {
  state: LabInstanceSpec['state'];
}

export interface Subnet {
  readonly id: string;
  readonly vpcId: string;
  readonly cidr: string;
  readonly block: Ipv4Cidr;
}

export type Filter = { readonly name: string; readonly values: readonly string[] };

/** Limit for an ENI not attached to any instance (no instance type to look up). */
const UNATTACHED_ENI_LIMIT = 50;
/** When the instance type is unknown to the table. */
const UNKNOWN_TYPE_LIMIT = 10;

export class Ec2Model {
  readonly region: string;
  readonly availabilityZone: string;
  readonly accountId: string;
  readonly subnets: readonly Subnet[];
  readonly instances: Instance[];
  readonly enis: Eni[];
  readonly eips: Eip[];
  private associationSeq = 0;

  constructor(
    spec: AwsLabCloudSpec,
    private readonly onHolderChange: (address: string, eniId: string | null) => void = () => undefined,
  ) {
    this.region = spec.region;
    this.availabilityZone = spec.availabilityZone;
    this.accountId = spec.accountId;
    this.subnets = spec.subnets.map((s) => ({ ...s, block: parseIpv4Cidr(s.cidr)! }));
    this.instances = spec.instances.map((i) => ({ ...i }));
    this.enis = spec.networkInterfaces.map((e) => ({
      id: e.id,
      mac: e.mac,
      subnetId: e.subnetId,
      instanceId: e.instanceId,
      deviceIndex: e.deviceIndex,
      description: e.description,
      ips: e.privateIps.map((address, i) => ({ address, primary: i === 0 })),
      sourceDestCheck: e.sourceDestCheck,
    }));
    this.eips = spec.elasticIps.map((e) => ({
      allocationId: e.allocationId,
      publicIp: e.publicIp,
      association:
        e.networkInterfaceId !== null && e.privateIpAddress !== null
          ? { associationId: this.nextAssociationId(), eniId: e.networkInterfaceId, privateIp: e.privateIpAddress }
          : null,
    }));
  }

  // ---- lookups ----

  eni(id: string): Eni {
    const eni = this.enis.find((e) => e.id === id);
    if (eni === undefined) throw notFoundEni(id);
    return eni;
  }

  subnetOf(eni: Eni): Subnet {
    return this.subnets.find((s) => s.id === eni.subnetId)!;
  }

  instance(id: string): Instance | undefined {
    return this.instances.find((i) => i.id === id);
  }

  /** The ENI currently holding `address` (primary or secondary), if any. */
  holderOf(address: string): Eni | null {
    return this.enis.find((e) => e.ips.some((ip) => ip.address === address)) ?? null;
  }

  primaryEniOf(instanceId: string): Eni | undefined {
    return this.enis.find((e) => e.instanceId === instanceId && e.deviceIndex === 0);
  }

  limitFor(eni: Eni): number {
    if (eni.instanceId === null) return UNATTACHED_ENI_LIMIT;
    const type = this.instance(eni.instanceId)?.type ?? '';
    return ipv4AddressesPerEni(type) ?? UNKNOWN_TYPE_LIMIT;
  }

  // ---- actions ----

  assignPrivateIpAddresses(req: { eniId: string; addresses: readonly string[]; count: number | null; allowReassignment: boolean }): {
    eniId: string;
    assigned: string[];
  } {
    const eni = this.eni(req.eniId);
    if (req.addresses.length === 0 && req.count === null) {
      throw new Ec2ApiError('MissingParameter', 'Either PrivateIpAddress or SecondaryPrivateIpAddressCount must be specified');
    }
    if (req.addresses.length > 0 && req.count !== null) {
      throw new Ec2ApiError('InvalidParameterCombination', 'PrivateIpAddress and SecondaryPrivateIpAddressCount cannot be specified together');
    }
    const subnet = this.subnetOf(eni);
    const wanted =
      req.count !== null ? this.freeAddresses(subnet, req.count) : req.addresses.map((a) => this.checkAssignable(a, eni, subnet, req.allowReassignment));
    const unique = [...new Set(wanted)];
    const adding = unique.filter((a) => !eni.ips.some((ip) => ip.address === a));
    const limit = this.limitFor(eni);
    if (eni.ips.length + adding.length > limit) {
      throw new Ec2ApiError('PrivateIpAddressLimitExceeded', `Number of private addresses will exceed limit. (limit ${limit} for ${eni.id})`);
    }
    for (const address of adding) {
      const from = this.holderOf(address);
      if (from !== null) from.ips = from.ips.filter((ip) => ip.address !== address);
      eni.ips.push({ address, primary: false });
      // An Elastic IP associated with the address moves with it (EC2 docs, AssignPrivateIpAddresses).
      for (const eip of this.eips) {
        if (eip.association !== null && from !== null && eip.association.eniId === from.id && eip.association.privateIp === address) {
          eip.association = { ...eip.association, eniId: eni.id };
        }
      }
      this.onHolderChange(address, eni.id);
    }
    return { eniId: eni.id, assigned: unique };
  }

  unassignPrivateIpAddresses(req: { eniId: string; addresses: readonly string[] }): void {
    const eni = this.eni(req.eniId);
    if (req.addresses.length === 0) throw new Ec2ApiError('MissingParameter', 'The request must contain the parameter PrivateIpAddress');
    const addresses = req.addresses.map((a) => this.canonical(a, 'PrivateIpAddress'));
    for (const address of addresses) {
      const ip = eni.ips.find((x) => x.address === address);
      if (ip === undefined) throw new Ec2ApiError('InvalidParameterValue', `Some of the specified addresses are not assigned to interface ${eni.id}`);
      if (ip.primary) throw new Ec2ApiError('InvalidParameterValue', `The primary private IP address ${address} of ${eni.id} cannot be unassigned`);
    }
    for (const address of new Set(addresses)) {
      eni.ips = eni.ips.filter((x) => x.address !== address);
      for (const eip of this.eips) {
        if (eip.association?.eniId === eni.id && eip.association.privateIp === address) eip.association = null;
      }
      this.onHolderChange(address, null);
    }
  }

  describeNetworkInterfaces(req: { ids: readonly string[]; filters: readonly Filter[] }): Eni[] {
    for (const id of req.ids) this.eni(id);
    const known = new Set([
      'addresses.private-ip-address',
      'private-ip-address',
      'network-interface-id',
      'attachment.instance-id',
      'subnet-id',
      'vpc-id',
      'mac-address',
      'status',
    ]);
    this.checkFilters(req.filters, known);
    return this.enis.filter(
      (eni) =>
        (req.ids.length === 0 || req.ids.includes(eni.id)) &&
        req.filters.every((f) => {
          const values = (name: string): string[] => {
            switch (name) {
              case 'addresses.private-ip-address':
                return eni.ips.map((ip) => ip.address);
              case 'private-ip-address':
                return eni.ips.filter((ip) => ip.primary).map((ip) => ip.address);
              case 'network-interface-id':
                return [eni.id];
              case 'attachment.instance-id':
                return eni.instanceId === null ? [] : [eni.instanceId];
              case 'subnet-id':
                return [eni.subnetId];
              case 'vpc-id':
                return [this.subnetOf(eni).vpcId];
              case 'mac-address':
                return [eni.mac];
              default:
                return [eni.instanceId === null ? 'available' : 'in-use'];
            }
          };
          return matches(values(f.name), f.values);
        }),
    );
  }

  describeInstances(req: { ids: readonly string[]; filters: readonly Filter[] }): Instance[] {
    for (const id of req.ids) {
      if (this.instance(id) === undefined) {
        throw /^i-[0-9a-z]+$/.test(id)
          ? new Ec2ApiError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`)
          : new Ec2ApiError('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
      }
    }
    this.checkFilters(
      req.filters,
      new Set(['instance-id', 'instance-state-name', 'instance-type', 'private-ip-address', 'network-interface.network-interface-id']),
    );
    return this.instances.filter(
      (inst) =>
        (req.ids.length === 0 || req.ids.includes(inst.id)) &&
        req.filters.every((f) => {
          const own = this.enis.filter((e) => e.instanceId === inst.id);
          const values =
            f.name === 'instance-id'
              ? [inst.id]
              : f.name === 'instance-state-name'
                ? [inst.state]
                : f.name === 'instance-type'
                  ? [inst.type]
                  : f.name === 'private-ip-address'
                    ? own.filter((e) => e.deviceIndex === 0).flatMap((e) => e.ips.filter((i) => i.primary).map((i) => i.address))
                    : own.map((e) => e.id);
          return matches(values, f.values);
        }),
    );
  }

  associateAddress(req: {
    allocationId: string | null;
    publicIp: string | null;
    eniId: string | null;
    instanceId: string | null;
    privateIp: string | null;
    allowReassociation: boolean;
  }): { associationId: string } {
    const eip = this.findEip(req.allocationId, req.publicIp);
    let eni: Eni;
    if (req.eniId !== null) eni = this.eni(req.eniId);
    else if (req.instanceId !== null) {
      const found = this.instance(req.instanceId) === undefined ? undefined : this.primaryEniOf(req.instanceId);
      if (found === undefined) throw new Ec2ApiError('InvalidInstanceID.NotFound', `The instance ID '${req.instanceId}' does not exist`);
      eni = found;
    } else throw new Ec2ApiError('MissingParameter', 'Either NetworkInterfaceId or InstanceId must be specified');
    const privateIp = req.privateIp === null ? eni.ips.find((i) => i.primary)!.address : this.canonical(req.privateIp, 'PrivateIpAddress');
    if (!eni.ips.some((i) => i.address === privateIp)) {
      throw new Ec2ApiError('InvalidParameterValue', `The private IP address ${privateIp} is not assigned to network interface ${eni.id}`);
    }
    const same = eip.association !== null && eip.association.eniId === eni.id && eip.association.privateIp === privateIp;
    if (same) return { associationId: eip.association!.associationId };
    const occupant = this.eips.find((e) => e !== eip && e.association?.eniId === eni.id && e.association.privateIp === privateIp);
    if (!req.allowReassociation && (eip.association !== null || occupant !== undefined)) {
      const assoc = eip.association?.associationId ?? occupant!.association!.associationId;
      throw new Ec2ApiError('Resource.AlreadyAssociated', `resource ${eip.allocationId} is already associated with associate-id ${assoc}`);
    }
    if (occupant !== undefined) occupant.association = null;
    eip.association = { associationId: this.nextAssociationId(), eniId: eni.id, privateIp };
    return { associationId: eip.association.associationId };
  }

  disassociateAddress(req: { associationId: string | null; publicIp: string | null }): void {
    const eip =
      req.associationId !== null
        ? this.eips.find((e) => e.association?.associationId === req.associationId)
        : req.publicIp !== null
          ? this.eips.find((e) => e.publicIp === req.publicIp && e.association !== null)
          : undefined;
    if (req.associationId === null && req.publicIp === null) throw new Ec2ApiError('MissingParameter', 'The request must contain the parameter AssociationId');
    if (eip === undefined) {
      throw new Ec2ApiError('InvalidAssociationID.NotFound', `The association ID '${req.associationId ?? req.publicIp}' does not exist`);
    }
    eip.association = null;
  }

  describeAddresses(req: { allocationIds: readonly string[]; publicIps: readonly string[]; filters: readonly Filter[] }): Eip[] {
    for (const id of req.allocationIds) this.findEip(id, null);
    for (const ip of req.publicIps) this.findEip(null, ip);
    this.checkFilters(
      req.filters,
      new Set(['allocation-id', 'association-id', 'network-interface-id', 'private-ip-address', 'public-ip', 'instance-id', 'domain']),
    );
    return this.eips.filter(
      (eip) =>
        (req.allocationIds.length === 0 || req.allocationIds.includes(eip.allocationId)) &&
        (req.publicIps.length === 0 || req.publicIps.includes(eip.publicIp)) &&
        req.filters.every((f) => {
          const a = eip.association;
          const values: Record<string, string[]> = {
            'allocation-id': [eip.allocationId],
            'association-id': a === null ? [] : [a.associationId],
            'network-interface-id': a === null ? [] : [a.eniId],
            'private-ip-address': a === null ? [] : [a.privateIp],
            'public-ip': [eip.publicIp],
            'instance-id': a === null ? [] : [this.eni(a.eniId).instanceId ?? ''],
            domain: ['vpc'],
          };
          return matches(values[f.name] ?? [], f.values);
        }),
    );
  }

  setInstanceState(id: string, state: Instance['state']): void {
    const inst = this.instance(id);
    if (inst === undefined) throw new Ec2ApiError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
    inst.state = state;
  }

  /** A copy of the mutable state as it is now (what an eventually consistent read may show later). */
  frozenCopy(): Ec2Model {
    const copy = Object.create(Ec2Model.prototype) as Ec2Model;
    return Object.assign(copy, this, {
      instances: this.instances.map((i) => ({ ...i })),
      enis: this.enis.map((e) => ({ ...e, ips: e.ips.map((ip) => ({ ...ip })) })),
      eips: this.eips.map((e) => ({ ...e })),
    });
  }

  snapshot(): Record<string, unknown> {
    return {
      region: this.region,
      availabilityZone: this.availabilityZone,
      subnets: this.subnets.map(({ block: _block, ...s }) => s),
      instances: this.instances.map((i) => ({ id: i.id, type: i.type, state: i.state, role: i.role, sourceAddresses: i.sourceAddresses })),
      networkInterfaces: this.enis.map((e) => ({ ...e, ips: e.ips.map((ip) => ({ ...ip })) })),
      elasticIps: this.eips.map((e) => ({ allocationId: e.allocationId, publicIp: e.publicIp, association: e.association })),
    };
  }

  // ---- helpers ----

  private checkAssignable(text: string, eni: Eni, subnet: Subnet, allowReassignment: boolean): string {
    const address = this.canonical(text, 'PrivateIpAddress');
    const value = ipv4Number(address)!;
    if (!cidrContains(subnet.block, value)) {
      throw new Ec2ApiError('InvalidParameterValue', `Address ${address} does not fall within the subnet's address range (${subnet.cidr})`);
    }
    if (isReserved(subnet.block, value)) {
      throw new Ec2ApiError('InvalidParameterValue', `Address ${address} is reserved by AWS in subnet ${subnet.cidr}`);
    }
    const holder = this.holderOf(address);
    if (holder === null || holder.id === eni.id) {
      if (holder !== null && holder.ips.some((i) => i.address === address && i.primary)) {
        throw new Ec2ApiError('InvalidParameterValue', `Address ${address} is the primary address of ${eni.id}`);
      }
      return address;
    }
    if (holder.ips.some((i) => i.address === address && i.primary)) {
      throw new Ec2ApiError('InvalidParameterValue', `Address ${address} is the primary private IP address of ${holder.id} and cannot be reassigned`);
    }
    if (!allowReassignment) {
      throw new Ec2ApiError('InvalidParameterValue', `Address ${address} is in use by ${holder.id}; set AllowReassignment to move it`);
    }
    return address;
  }

  private freeAddresses(subnet: Subnet, count: number): string[] {
    if (!Number.isInteger(count) || count < 1) throw new Ec2ApiError('InvalidParameterValue', `Invalid value '${count}' for SecondaryPrivateIpAddressCount`);
    const out: string[] = [];
    for (let i = 0; i < cidrSize(subnet.block) && out.length < count; i++) {
      const value = subnet.block.network + i;
      const address = formatIpv4(value);
      if (!isReserved(subnet.block, value) && this.holderOf(address) === null) out.push(address);
    }
    if (out.length < count) throw new Ec2ApiError('InsufficientFreeAddressesInSubnet', `The specified subnet ${subnet.id} does not have enough free addresses`);
    return out;
  }

  private canonical(text: string, param: string): string {
    const ip = canonicalIpv4(text);
    if (ip === null) throw new Ec2ApiError('InvalidParameterValue', `Invalid value '${text}' for ${param}`);
    return ip;
  }

  private findEip(allocationId: string | null, publicIp: string | null): Eip {
    if (allocationId !== null) {
      const eip = this.eips.find((e) => e.allocationId === allocationId);
      if (eip === undefined) throw new Ec2ApiError('InvalidAllocationID.NotFound', `The allocation ID '${allocationId}' does not exist`);
      return eip;
    }
    if (publicIp !== null) {
      const eip = this.eips.find((e) => e.publicIp === publicIp);
      if (eip === undefined) throw new Ec2ApiError('InvalidAddress.NotFound', `The address '${publicIp}' does not belong to you.`);
      return eip;
    }
    throw new Ec2ApiError('MissingParameter', 'Either AllocationId or PublicIp must be specified');
  }

  private checkFilters(filters: readonly Filter[], known: ReadonlySet<string>): void {
    for (const f of filters) {
      if (!known.has(f.name)) throw new Ec2ApiError('InvalidParameterValue', `The filter '${f.name}' is invalid`);
      if (f.values.length === 0) throw new Ec2ApiError('InvalidParameterValue', `The filter '${f.name}' has no values`);
    }
  }

  private nextAssociationId(): string {
    this.associationSeq++;
    return `eipassoc-${this.associationSeq.toString(16).padStart(17, '0')}`;
  }
}

/** AWS reserves the first four and the last address of every subnet. */
function isReserved(block: Ipv4Cidr, value: number): boolean {
  const offset = value - block.network;
  return offset < 4 || offset === cidrSize(block) - 1;
}

/** EC2 filter values match exactly, or with * and ? wildcards. */
function matches(actual: readonly string[], wanted: readonly string[]): boolean {
  return wanted.some((w) => {
    if (!/[*?]/.test(w)) return actual.includes(w);
    const re = new RegExp(
      `^${w
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    return actual.some((a) => re.test(a));
  });
}
