import { randomBytes } from 'node:crypto';
import { canonicalIpv4, cidrContains, ipv4Number, parseIpv4Cidr } from '../../../src/util/ip';
import type { InstanceState } from '../flavour';
import type { OciLabCloudSpec } from './spec';

/** An error the emulated API answers: OCI's {"code","message"} with its HTTP status. */
export class OciApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface PrivateIpRecord {
  readonly id: string;
  readonly ipAddress: string;
  vnicId: string | null;
  readonly subnetId: string;
  readonly isPrimary: boolean;
  displayName: string;
  readonly timeCreated: string;
}

export type PublicIpState = 'AVAILABLE' | 'ASSIGNING' | 'ASSIGNED';

export interface PublicIpRecord {
  readonly id: string;
  readonly ipAddress: string;
  privateIpId: string | null;
  /** Wall time (ms) at which a pending assignment completes: ASSIGNING until then. */
  assignedAtMs: number;
}

export interface VnicRecord {
  readonly id: string;
  readonly mac: string;
  readonly subnetId: string;
  readonly instanceId: string | null;
  readonly primaryIp: string;
}

/**
 * The emulated VCN's private IPs and VNICs with OCI's rules: a secondary
 * private IP moves (UpdatePrivateIp) only to a VNIC of its own subnet; a
 * primary is neither moved nor deleted; a VNIC holds at most
 * `secondaryLimitPerVnic` secondaries; an address in use cannot be created
 * again (409 Conflict, assumed: OCI's exact code is undocumented).
 * Reserved public IPs point at a private IP by its OCID, so one follows its
 * private IP when that moves; assigning one (UpdatePublicIp) is
 * asynchronous: ASSIGNING for `publicIpAssignDelayMs`, then ASSIGNED.
 */
export class OciModel {
  readonly vnics: readonly VnicRecord[];
  private readonly ips = new Map<string, PrivateIpRecord>();
  private readonly publicIps = new Map<string, PublicIpRecord>();
  private readonly instanceStates = new Map<string, InstanceState>();

  constructor(
    private readonly spec: OciLabCloudSpec,
    private readonly onHolderChange: (address: string, vnicId: string | null) => void,
    private readonly wallNowMs: () => number,
  ) {
    this.vnics = spec.vnics.map((v) => ({ id: v.id, mac: v.mac, subnetId: v.subnetId, instanceId: v.instanceId, primaryIp: v.privateIps[0]! }));
    for (const v of spec.vnics) {
      v.privateIps.forEach((ip, i) =>
        this.add({ ipAddress: ip, vnicId: v.id, subnetId: v.subnetId, isPrimary: i === 0, displayName: i === 0 ? 'primary' : 'secondary' }),
      );
    }
    for (const inst of spec.instances) this.instanceStates.set(inst.id, 'running');
    for (const pub of spec.publicIps) {
      const on = pub.assignedTo === null ? undefined : [...this.ips.values()].find((p) => p.ipAddress === pub.assignedTo);
      this.publicIps.set(pub.id, { id: pub.id, ipAddress: pub.ipAddress, privateIpId: on?.id ?? null, assignedAtMs: 0 });
    }
  }

  publicIp(id: string): PublicIpRecord {
    const p = this.publicIps.get(id);
    if (p === undefined) throw notFound();
    return p;
  }

  publicIpState(p: PublicIpRecord): PublicIpState {
    if (p.privateIpId === null) return 'AVAILABLE';
    return this.wallNowMs() < p.assignedAtMs ? 'ASSIGNING' : 'ASSIGNED';
  }

  publicIpOf(privateIpId: string): PublicIpRecord {
    this.privateIp(privateIpId);
    const p = [...this.publicIps.values()].find((q) => q.privateIpId === privateIpId);
    if (p === undefined) throw notFound();
    return p;
  }

  /** UpdatePublicIp: assign to a private IP (or unassign with ''), taking effect after the configured delay. */
  assignPublicIp(id: string, privateIpId: string | undefined): PublicIpRecord {
    const pub = this.publicIp(id);
    if (privateIpId === undefined) return pub;
    if (this.publicIpState(pub) === 'ASSIGNING') throw new OciApiError(409, 'IncorrectState', `public IP ${id} is ASSIGNING; retry when it is ASSIGNED`);
    if (privateIpId === '') {
      pub.privateIpId = null;
      return pub;
    }
    const target = this.privateIp(privateIpId);
    if (target.vnicId === null) throw new OciApiError(400, 'InvalidParameter', `private IP ${privateIpId} is not on a VNIC`);
    const taken = [...this.publicIps.values()].find((q) => q.privateIpId === privateIpId && q.id !== id);
    if (taken !== undefined) throw new OciApiError(409, 'Conflict', `private IP ${privateIpId} already has public IP ${taken.id}`);
    if (pub.privateIpId !== privateIpId) {
      pub.privateIpId = privateIpId;
      pub.assignedAtMs = this.wallNowMs() + this.spec.publicIpAssignDelayMs;
    }
    return pub;
  }

  vnic(id: string): VnicRecord {
    const v = this.vnics.find((n) => n.id === id);
    if (v === undefined) throw notFound();
    return v;
  }

  privateIp(id: string): PrivateIpRecord {
    const p = this.ips.get(id);
    if (p === undefined) throw notFound();
    return p;
  }

  listByVnic(vnicId: string): PrivateIpRecord[] {
    this.vnic(vnicId);
    return [...this.ips.values()].filter((p) => p.vnicId === vnicId);
  }

  /** Every private IP of the subnet, primary and secondary (the API's subnet-only filter). */
  listBySubnet(subnetId: string): PrivateIpRecord[] {
    if (!this.spec.subnets.some((s) => s.id === subnetId)) throw notFound();
    return [...this.ips.values()].filter((p) => p.subnetId === subnetId);
  }

  listByAddress(ipAddress: string, subnetId: string): PrivateIpRecord[] {
    if (!this.spec.subnets.some((s) => s.id === subnetId)) throw notFound();
    const ip = canonicalIpv4(ipAddress);
    if (ip === null) throw new OciApiError(400, 'InvalidParameter', `ipAddress ${ipAddress} is not a valid IPv4 address`);
    return [...this.ips.values()].filter((p) => p.subnetId === subnetId && p.ipAddress === ip);
  }

  create(vnicId: string, ipAddress: string | undefined, displayName: string | undefined): PrivateIpRecord {
    const vnic = this.vnic(vnicId);
    const cidr = this.subnetCidr(vnic.subnetId);
    const ip = ipAddress === undefined ? this.freeAddress(vnic.subnetId) : canonicalIpv4(ipAddress);
    if (ip === null || !cidrContains(parseIpv4Cidr(cidr)!, ipv4Number(ip)!)) {
      throw new OciApiError(400, 'InvalidParameter', `ipAddress ${ipAddress ?? ''} is not in the VNIC's subnet ${cidr}`);
    }
    if ([...this.ips.values()].some((p) => p.subnetId === vnic.subnetId && p.ipAddress === ip)) {
      throw new OciApiError(409, 'Conflict', `the private IP address ${ip} is already in use in subnet ${vnic.subnetId}`);
    }
    this.checkRoom(vnicId);
    const rec = this.add({ ipAddress: ip, vnicId, subnetId: vnic.subnetId, isPrimary: false, displayName: displayName ?? ip });
    this.onHolderChange(ip, vnicId);
    return rec;
  }

  update(id: string, change: { vnicId?: string; displayName?: string }): PrivateIpRecord {
    const rec = this.privateIp(id);
    if (change.vnicId !== undefined && change.vnicId !== rec.vnicId) {
      if (rec.isPrimary) throw new OciApiError(400, 'InvalidParameter', 'a primary private IP cannot be moved to another VNIC');
      const target = this.vnic(change.vnicId);
      if (target.subnetId !== rec.subnetId)
        throw new OciApiError(400, 'InvalidParameter', `the VNIC ${target.id} is not in the private IP's subnet ${rec.subnetId}`);
      this.checkRoom(target.id);
      rec.vnicId = target.id;
      this.onHolderChange(rec.ipAddress, target.id);
    }
    if (change.displayName !== undefined) rec.displayName = change.displayName;
    return rec;
  }

  delete(id: string): void {
    const rec = this.privateIp(id);
    if (rec.isPrimary) throw new OciApiError(400, 'InvalidParameter', 'a primary private IP cannot be deleted');
    this.ips.delete(id);
    for (const pub of this.publicIps.values()) if (pub.privateIpId === id) pub.privateIpId = null;
    this.onHolderChange(rec.ipAddress, null);
  }

  holderOf(address: string): string | null {
    return [...this.ips.values()].find((p) => p.ipAddress === address && p.vnicId !== null)?.vnicId ?? null;
  }

  subnetCidr(subnetId: string): string {
    return this.spec.subnets.find((s) => s.id === subnetId)!.cidr;
  }

  instanceState(id: string): InstanceState | null {
    return this.instanceStates.get(id) ?? null;
  }

  setInstanceState(id: string, state: InstanceState): void {
    if (!this.instanceStates.has(id)) throw new OciApiError(404, 'NotAuthorizedOrNotFound', `instance ${id} does not exist`);
    this.instanceStates.set(id, state);
  }

  snapshot(): Record<string, unknown> {
    return {
      vnics: this.vnics,
      privateIps: [...this.ips.values()],
      publicIps: [...this.publicIps.values()].map((p) => ({
        id: p.id,
        ipAddress: p.ipAddress,
        privateIpId: p.privateIpId,
        lifecycleState: this.publicIpState(p),
      })),
      instances: Object.fromEntries(this.instanceStates),
    };
  }

  private checkRoom(vnicId: string): void {
    const secondaries = [...this.ips.values()].filter((p) => p.vnicId === vnicId && !p.isPrimary).length;
    if (secondaries >= this.spec.secondaryLimitPerVnic) {
      throw new OciApiError(400, 'LimitExceeded', `VNIC ${vnicId} already has the maximum of ${this.spec.secondaryLimitPerVnic} secondary private IPs`);
    }
  }

  private freeAddress(subnetId: string): string {
    const cidr = parseIpv4Cidr(this.subnetCidr(subnetId))!;
    const used = new Set([...this.ips.values()].filter((p) => p.subnetId === subnetId).map((p) => p.ipAddress));
    const size = 2 ** (32 - cidr.prefix);
    for (let off = 2; off < size - 1; off++) {
      const n = (cidr.network + off) >>> 0;
      const ip = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
      if (!used.has(ip) && !this.spec.vips.includes(ip)) return ip;
    }
    throw new OciApiError(400, 'LimitExceeded', `subnet ${subnetId} has no free address`);
  }

  private add(r: Omit<PrivateIpRecord, 'id' | 'timeCreated'>): PrivateIpRecord {
    const rec: PrivateIpRecord = {
      ...r,
      id: `ocid1.privateip.oc1.lab.${randomBytes(12).toString('hex')}`,
      timeCreated: new Date(this.wallNowMs()).toISOString(),
    };
    this.ips.set(rec.id, rec);
    return rec;
  }
}

function notFound(): OciApiError {
  return new OciApiError(404, 'NotAuthorizedOrNotFound', 'Authorization failed or requested resource not found.');
}
