/**
 * Strict IPv4 parsing for cloud answers and requests. Addresses are compared
 * as numbers, never as text: "10.0.1.1" must not match "10.0.1.10", and an
 * answer like "010.0.1.1" is malformed, not a near match.
 */
import { parseIp } from '../util/ip';

/** The address as an unsigned 32-bit number, or null when the text is not a dotted quad. */
export function parseIpv4(text: string): number | null {
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
  const address = parseIpv4(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === null || !/^(0|[1-9][0-9]?)$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (prefix > 32) return null;
  return { network: networkOf(address, prefix), prefix };
}

export function cidrContains(cidr: Ipv4Cidr, address: number): boolean {
  return networkOf(address, cidr.prefix) === cidr.network;
}

export function formatCidr(cidr: Ipv4Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.prefix}`;
}

/** Number of addresses in the block. */
export function cidrSize(cidr: Ipv4Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

function networkOf(address: number, prefix: number): number {
  const size = 2 ** (32 - prefix);
  return Math.floor(address / size) * size;
}

/** Canonical text of an IPv4 address, or null when it is not one. */
export function canonicalIpv4(text: string): string | null {
  const value = parseIpv4(text.trim());
  return value === null ? null : formatIpv4(value);
}
