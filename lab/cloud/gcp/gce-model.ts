import { randomBytes } from 'node:crypto';
import { ipv4Number, parseIpv4Cidr, type Ipv4Cidr } from '../../../src/util/ip';
import { parseAliasRange } from '../../../src/cloud/gcp/alias-ranges';
import type { GceStatus, GcpLabCloudSpec } from './spec';

/**
 * The emulated Compute model: instances with NICs and their alias IP
 * ranges. updateNetworkInterface follows PATCH semantics (an absent
 * aliasIpRanges is left as is, [] clears), needs the NIC's current
 * fingerprint (stale: 412 conditionNotMet) and gives it a new one after
 * every change. Ranges must lie in the subnet's primary range (or the named
 * secondary one), at most `aliasLimit` per NIC, and an address another NIC
 * holds is refused. Changes are applied when their operation finishes.
 */
export interface GceAlias {
  readonly ipCidrRange: string;
  readonly subnetworkRangeName: string | null;
}

export interface GceNic {
  readonly name: string;
  readonly networkIP: string;
  readonly mac: string;
  fingerprint: string;
  aliasIpRanges: GceAlias[];
}

export interface GceInstance {
  readonly name: string;
  readonly id: string;
  status: GceStatus;
  readonly sourceAddresses: readonly string[];
  readonly permissions: readonly string[] | null;
  readonly networkInterfaces: GceNic[];
}

/** A refusal in Compute's own terms: HTTP status, reason and message. */
export class GceApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** The data plane's key for a NIC that holds an address. */
export function holderKey(instance: string, nic: string): string {
  return `${instance}/${nic}`;
}

export class GceModel {
  readonly instances: GceInstance[];
  /** Test knob: runs once when the next update arrives, before its fingerprint is checked (a change racing ours). */
  beforeNextUpdate: (() => void) | null = null;
  private readonly primary: Ipv4Cidr;
  private readonly secondary: ReadonlyMap<string, Ipv4Cidr>;

  constructor(
    readonly spec: GcpLabCloudSpec,
    private readonly onHolderChange: (address: string, holder: string | null) => void,
  ) {
    this.primary = parseIpv4Cidr(spec.subnet.ipCidrRange)!;
    this.secondary = new Map(spec.subnet.secondaryRanges.map((r) => [r.rangeName, parseIpv4Cidr(r.ipCidrRange)!]));
    this.instances = spec.instances.map((i) => ({
      name: i.name,
      id: i.id,
      status: i.status,
      sourceAddresses: i.sourceAddresses,
      permissions: i.permissions,
      networkInterfaces: i.networkInterfaces.map((n) => ({ ...n, fingerprint: newFingerprint(), aliasIpRanges: n.aliasIpRanges.map((r) => ({ ...r })) })),
    }));
  }

  instance(name: string): GceInstance {
    const inst = this.instances.find((i) => i.name === name);
    if (inst === undefined)
      throw new GceApiError(404, 'notFound', `The resource 'projects/${this.spec.project}/zones/${this.spec.zone}/instances/${name}' was not found`);
    return inst;
  }

  nic(instance: string, nicName: string): GceNic {
    const nic = this.instance(instance).networkInterfaces.find((n) => n.name === nicName);
    if (nic === undefined) throw new GceApiError(400, 'invalid', `Invalid value for field 'networkInterface': '${nicName}'. No such network interface.`);
    return nic;
  }

  /** The NIC whose alias ranges cover this address, or null. */
  holderOf(address: string): { instance: GceInstance; nic: GceNic } | null {
    const a = ipv4Number(address);
    if (a === null) return null;
    for (const instance of this.instances) {
      for (const nic of instance.networkInterfaces) {
        if (nic.aliasIpRanges.some((r) => covers(r.ipCidrRange, a))) return { instance, nic };
      }
    }
    return null;
  }

  /**
   * Validates an update against the state now (fingerprint, ranges, limit,
   * addresses held elsewhere) and returns the ranges to set when its
   * operation finishes; null when the body leaves the ranges alone.
   */
  checkUpdate(instanceName: string, nicName: string, body: { aliasIpRanges?: unknown; fingerprint?: unknown }): GceAlias[] | null {
    const race = this.beforeNextUpdate;
    this.beforeNextUpdate = null;
    race?.();
    const instance = this.instance(instanceName);
    const nic = this.nic(instanceName, nicName);
    if (!this.spec.updatesWhenStopped && instance.status !== 'RUNNING') {
      throw new GceApiError(
        400,
        'resourceNotReady',
        `The resource 'projects/${this.spec.project}/zones/${this.spec.zone}/instances/${instanceName}' is not ready`,
      );
    }
    if (typeof body.fingerprint !== 'string' || body.fingerprint === '') {
      throw new GceApiError(400, 'required', "Required field 'fingerprint' not specified");
    }
    if (body.fingerprint !== nic.fingerprint) {
      throw new GceApiError(412, 'conditionNotMet', `Supplied fingerprint does not match current network interface fingerprint.`);
    }
    if (body.aliasIpRanges === undefined) return null;
    if (!Array.isArray(body.aliasIpRanges)) throw new GceApiError(400, 'invalid', "Invalid value for field 'resource.aliasIpRanges'");
    if (body.aliasIpRanges.length > this.spec.aliasLimit) {
      throw new GceApiError(
        400,
        'invalid',
        `Invalid value for field 'resource.aliasIpRanges': exceeded the limit of ${this.spec.aliasLimit} alias IP ranges per network interface.`,
      );
    }
    const ranges = body.aliasIpRanges.map((r: unknown, i): GceAlias => {
      const o = typeof r === 'object' && r !== null ? (r as Record<string, unknown>) : {};
      const text = o.ipCidrRange;
      const parsed = typeof text === 'string' ? parseAliasRange(text) : null;
      if (parsed === null) throw new GceApiError(400, 'invalid', `Invalid value for field 'resource.aliasIpRanges[${i}].ipCidrRange': '${String(text)}'.`);
      const rangeName = typeof o.subnetworkRangeName === 'string' && o.subnetworkRangeName !== '' ? o.subnetworkRangeName : null;
      const within = rangeName === null ? this.primary : this.secondary.get(rangeName);
      if (within === undefined)
        throw new GceApiError(
          400,
          'invalid',
          `Invalid value for field 'resource.aliasIpRanges[${i}].subnetworkRangeName': '${rangeName}'. Secondary range not found.`,
        );
      const end = parsed.network + 2 ** (32 - parsed.prefix) - 1;
      if (parsed.prefix < within.prefix || !inCidr(within, parsed.network) || !inCidr(within, end)) {
        throw new GceApiError(
          400,
          'invalid',
          `Invalid value for field 'resource.aliasIpRanges[${i}].ipCidrRange': '${text as string}'. IP range is not within the subnetwork's ${rangeName ?? 'primary'} range.`,
        );
      }
      return { ipCidrRange: text as string, subnetworkRangeName: rangeName };
    });
    return ranges;
  }

  /** The addresses an update would add that another NIC holds now (refused). */
  heldElsewhere(instanceName: string, nicName: string, ranges: readonly GceAlias[]): string[] {
    const out: string[] = [];
    for (const r of ranges) {
      const p = parseAliasRange(r.ipCidrRange)!;
      for (const inst of this.instances) {
        for (const nic of inst.networkInterfaces) {
          if (inst.name === instanceName && nic.name === nicName) continue;
          if (nic.networkIP === formatAddr(p.network) || nic.aliasIpRanges.some((o) => overlaps(parseAliasRange(o.ipCidrRange)!, p)))
            out.push(`${r.ipCidrRange} (held by ${inst.name}/${nic.name})`);
        }
      }
    }
    return out;
  }

  /** Sets the ranges (the operation finished), with a new fingerprint, and tells the data plane about each /32 that moved. */
  apply(instanceName: string, nicName: string, ranges: readonly GceAlias[] | null): void {
    const nic = this.nic(instanceName, nicName);
    nic.fingerprint = newFingerprint();
    if (ranges === null) return;
    const before = singleAddresses(nic.aliasIpRanges);
    nic.aliasIpRanges = ranges.map((r) => ({ ...r }));
    const after = singleAddresses(nic.aliasIpRanges);
    for (const a of before) if (!after.includes(a)) this.onHolderChange(a, null);
    for (const a of after) if (!before.includes(a)) this.onHolderChange(a, holderKey(instanceName, nicName));
  }

  /** Test knob: change a NIC outside vipd (another tool, a person), as a PATCH would. */
  externalUpdate(instanceName: string, nicName: string, ranges: readonly GceAlias[]): void {
    this.apply(instanceName, nicName, ranges);
  }

  setStatus(name: string, status: GceStatus): void {
    this.instance(name).status = status;
  }

  snapshot(): Record<string, unknown> {
    return {
      project: this.spec.project,
      zone: this.spec.zone,
      instances: this.instances.map((i) => ({ ...i, networkInterfaces: i.networkInterfaces.map((n) => ({ ...n })) })),
    };
  }
}

/** /32 ranges as addresses (what the data plane routes). */
export function singleAddresses(ranges: readonly GceAlias[]): string[] {
  return ranges.flatMap((r) => {
    const p = parseAliasRange(r.ipCidrRange);
    return p !== null && p.prefix === 32 ? [formatAddr(p.network)] : [];
  });
}

function covers(range: string, a: number): boolean {
  const p = parseAliasRange(range);
  return p !== null && inCidr(p, a);
}

function inCidr(c: Ipv4Cidr, a: number): boolean {
  const size = 2 ** (32 - c.prefix);
  return a >= c.network && a < c.network + size;
}

function overlaps(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return inCidr(a, b.network) || inCidr(b, a.network);
}

function formatAddr(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

function newFingerprint(): string {
  return randomBytes(8).toString('base64');
}
