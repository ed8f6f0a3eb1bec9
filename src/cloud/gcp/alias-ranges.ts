import { VipdError } from '../../errors';
import { formatIpv4, ipv4Number, parseIpv4Cidr, type Ipv4Cidr, cidrContains } from '../../util/ip';

/** An alias IP range as Compute stores it: the text may be `10.0.1.42`, `10.0.1.42/32` or `10.0.4.0/24`. */
export interface AliasRange {
  readonly ipCidrRange: string;
  /** The secondary range of the subnet it comes from; absent = the primary range. Kept as is on every rewrite. */
  readonly subnetworkRangeName?: string | null;
}

/** Parsed, never compared as text: `10.0.1.42` and `10.0.1.42/32` are the same range. */
export function parseAliasRange(text: string): Ipv4Cidr | null {
  const bare = ipv4Number(text.trim());
  if (bare !== null) return { network: bare, prefix: 32 };
  return parseIpv4Cidr(text.trim());
}

function requireRange(text: string, where: string): Ipv4Cidr {
  const r = parseAliasRange(text);
  if (r === null) throw new VipdError('VIPD_E_CLOUD_RESPONSE', `${where} lists alias range "${text.slice(0, 40)}", which is not an IPv4 range`);
  return r;
}

/** True when the range is exactly this one address. */
export function isSingleAddress(text: string, address: string, where: string): boolean {
  const r = requireRange(text, where);
  const a = ipv4Number(address);
  return r.prefix === 32 && a !== null && r.network === a;
}

/** True when the range covers the address (a /32 of it, or a wider block around it). */
export function rangeCovers(text: string, address: string, where: string): boolean {
  const a = ipv4Number(address);
  return a !== null && cidrContains(requireRange(text, where), a);
}

/**
 * The NIC's ranges without the VIPs, each kept ranges untouched (its text
 * and subnetworkRangeName). A VIP inside a wider range cannot be taken out
 * of it (Compute adds and deletes ranges, never splits them): refused.
 */
export function withoutVips(ranges: readonly AliasRange[], vips: readonly string[], where: string): AliasRange[] {
  return ranges.filter((range) => {
    const covered = vips.filter((v) => rangeCovers(range.ipCidrRange, v, where));
    if (covered.length === 0) return true;
    if (covered.length === 1 && isSingleAddress(range.ipCidrRange, covered[0]!, where)) return false;
    throw new VipdError(
      'VIPD_E_CLOUD_INVALID',
      `${where} holds alias range ${range.ipCidrRange}, which covers VIP(s) ${covered.join(', ')} but is wider than one address; vipd moves /32 aliases only and will not split or drop a wider range`,
      {
        details: { where, range: range.ipCidrRange, vips: covered },
      },
    );
  });
}

/** The NIC's ranges plus every VIP not yet on it, as /32 ranges of the primary range. */
export function withVips(ranges: readonly AliasRange[], vips: readonly string[], where: string): AliasRange[] {
  const missing = vips.filter((v) => !ranges.some((r) => isSingleAddress(r.ipCidrRange, v, where)));
  return [...ranges, ...missing.map((v) => ({ ipCidrRange: `${formatIpv4(ipv4Number(v)!)}/32` }))];
}
