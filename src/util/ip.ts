import { isIP } from 'node:net';
import { VipdError } from '../errors';

/**
 * The one IP module of the tree. Exact IP address handling. Addresses read from the kernel and from the
 * configuration are parsed to bytes and compared in one canonical text form,
 * never by substring: "10.0.1.1" must not match "10.0.1.10", and
 * "2001:DB8:0::1" is "2001:db8::1".
 */
export type Family = 4 | 6;

export interface ParsedIp {
  readonly family: Family;
  /** 4 or 16 bytes, network order. */
  readonly bytes: readonly number[];
}

export function fullPrefix(family: Family): number {
  return family === 4 ? 32 : 128;
}

/**
 * Parses an IPv4 or IPv6 literal (no zone, no prefix); null when it is not one.
 * Whether the text is an address at all is node:net's answer (the same parser
 * the sockets use): it rejects leading zeros in IPv4 (some tools read them as
 * octal), short forms like "10.1" and hex octets. A zone ("%eth0") is not part
 * of an address here: callers that accept one strip it first.
 */
export function parseIp(text: string): ParsedIp | null {
  if (text.includes('%')) return null;
  const family = isIP(text);
  if (family === 4) return { family: 4, bytes: ipv4Bytes(text) };
  if (family === 6) return { family: 6, bytes: ipv6Bytes(text) };
  return null;
}

/** Bytes of a dotted quad that isIP accepted. */
function ipv4Bytes(text: string): number[] {
  return text.split('.').map(Number);
}

/** Bytes of an IPv6 literal that isIP accepted (an embedded IPv4 tail is two 16-bit groups). */
function ipv6Bytes(text: string): number[] {
  let hexText = text;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = ipv4Bytes(tail);
    hexText = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [left = '', right] = hexText.split('::');
  const groupsOf = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const head = groupsOf(left);
  const tailGroups = right === undefined ? [] : groupsOf(right);
  const missing = 8 - head.length - tailGroups.length;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tailGroups];
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  return bytes;
}

/** RFC 5952 text for IPv6, dotted quad for IPv4. */
export function formatIp(ip: ParsedIp): string {
  if (ip.family === 4) return ip.bytes.join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((ip.bytes[i] ?? 0) << 8) | (ip.bytes[i + 1] ?? 0));
  // Longest run of two or more zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Canonical text of an address, or null when it is not an IP literal. */
export function canonicalIp(text: string): string | null {
  const ip = parseIp(text);
  return ip ? formatIp(ip) : null;
}

export function familyOf(text: string): Family | null {
  return parseIp(text)?.family ?? null;
}

/** Like canonicalIp but throws: for addresses that must be valid (configuration, our own plan). */
export function requireIp(text: string, what: string): ParsedIp {
  const ip = parseIp(text);
  if (!ip) throw new VipdError('VIPD_E_CONFIG', `${what}: "${text}" is not an IPv4 or IPv6 address`);
  return ip;
}

/** The network address of ip/prefix, as canonical text. */
export function networkOf(ip: ParsedIp, prefix: number): ParsedIp {
  const bytes = ip.bytes.map((b, i) => {
    const bitsHere = Math.max(0, Math.min(8, prefix - i * 8));
    const mask = bitsHere === 0 ? 0 : (0xff << (8 - bitsHere)) & 0xff;
    return b & mask;
  });
  return { family: ip.family, bytes };
}

export function sameNetwork(a: ParsedIp, b: ParsedIp, prefix: number): boolean {
  if (a.family !== b.family) return false;
  return formatIp(networkOf(a, prefix)) === formatIp(networkOf(b, prefix));
}

export function isValidPrefix(family: Family, prefix: number): boolean {
  return Number.isInteger(prefix) && prefix >= 0 && prefix <= fullPrefix(family);
}

/**
 * Parses "addr" or "addr/len" as the kernel prints destinations and rule
 * selectors ("default" is 0/0); a missing length is the full length.
 */
export function parseCidr(text: string, familyHint: Family): { ip: ParsedIp; prefix: number } | null {
  if (text === 'default') {
    return { ip: { family: familyHint, bytes: new Array<number>(familyHint === 4 ? 4 : 16).fill(0) }, prefix: 0 };
  }
  const [addr, len, ...rest] = text.split('/');
  if (addr === undefined || rest.length > 0) return null;
  const ip = parseIp(addr);
  if (!ip) return null;
  if (len === undefined) return { ip, prefix: fullPrefix(ip.family) };
  if (!/^[0-9]{1,3}$/.test(len)) return null;
  const prefix = Number(len);
  return isValidPrefix(ip.family, prefix) ? { ip, prefix } : null;
}

export function formatCidr(ip: ParsedIp, prefix: number): string {
  return `${formatIp(ip)}/${prefix}`;
}

export function sameIp(a: ParsedIp, b: ParsedIp): boolean {
  return a.family === b.family && a.bytes.every((byte, i) => byte === b.bytes[i]);
}

/** 0.0.0.0 or :: (a wildcard, never a unicast address). */
export function isUnspecified(ip: ParsedIp): boolean {
  return ip.bytes.every((b) => b === 0);
}

/** fe80::/10: never a primary address for subnet checks. */
export function isIpv6LinkLocal(ip: ParsedIp): boolean {
  return ip.family === 6 && ip.bytes[0] === 0xfe && ((ip.bytes[1] ?? 0) & 0xc0) === 0x80;
}

/** For messages: "IPv4" / "IPv6". */
export function familyName(family: Family): 'IPv4' | 'IPv6' {
  return family === 4 ? 'IPv4' : 'IPv6';
}

export interface PeerIp {
  readonly address: string;
  readonly family: Family;
}

/**
 * One spelling per peer address, so peers are compared by value: IPv6 in
 * RFC 5952 form, an IPv4-mapped IPv6 address as plain IPv4 (a dual-stack
 * socket reports "::ffff:10.0.0.1" for a peer configured as "10.0.0.1"),
 * and a zone ("%eth0") dropped: it names our interface, not the peer.
 * Returns null for anything that is not an IP literal (names are never
 * resolved here).
 */
export function canonicalPeerIp(text: string): PeerIp | null {
  const ip = parseIp(text.split('%', 1)[0] ?? '');
  if (ip === null) return null;
  if (ip.family === 6 && isV4Mapped(ip.bytes)) return { address: ip.bytes.slice(12).join('.'), family: 4 };
  return { address: formatIp(ip), family: ip.family };
}

function isV4Mapped(bytes: readonly number[]): boolean {
  return bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
}

/*
 * IPv4 as unsigned 32-bit numbers, for cloud answers and requests (subnet
 * blocks, private address pools): compared as numbers, never as text, and an
 * answer like "010.0.1.1" is malformed, not a near match.
 */

/** The address as an unsigned 32-bit number, or null when the text is not a dotted quad. */
export function ipv4Number(text: string): number | null {
  const ip = parseIp(text);
  if (ip === null || ip.family !== 4) return null;
  return ip.bytes.reduce((value, octet) => value * 256 + octet, 0);
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export interface Ipv4Cidr {
  /** The network address (host bits cleared). */
  readonly network: number;
  readonly prefix: number;
}

export function parseIpv4Cidr(text: string): Ipv4Cidr | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const address = ipv4Number(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === null || !/^(0|[1-9][0-9]?)$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (prefix > 32) return null;
  return { network: ipv4NetworkOf(address, prefix), prefix };
}

export function cidrContains(cidr: Ipv4Cidr, address: number): boolean {
  return ipv4NetworkOf(address, cidr.prefix) === cidr.network;
}

export function formatIpv4Cidr(cidr: Ipv4Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.prefix}`;
}

/** Number of addresses in the block. */
export function cidrSize(cidr: Ipv4Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

function ipv4NetworkOf(address: number, prefix: number): number {
  const size = 2 ** (32 - prefix);
  return Math.floor(address / size) * size;
}

/** Canonical text of an IPv4 address (surrounding blanks ignored), or null when it is not one. */
export function canonicalIpv4(text: string): string | null {
  const value = ipv4Number(text.trim());
  return value === null ? null : formatIpv4(value);
}
