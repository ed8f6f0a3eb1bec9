/**
 * IP parsing for config checks. Addresses are compared as numbers, never as
 * text: "10.0.0.1" must not match "10.0.0.10", and "fd00::1" equals
 * "fd00:0:0::1".
 */
import { isIPv4, isIPv6 } from 'node:net';

export type IpFamily = 'IPv4' | 'IPv6';

export interface ParsedIp {
  readonly family: IpFamily;
  readonly value: bigint;
  readonly bits: 32 | 128;
}

export function parseIp(text: string): ParsedIp | null {
  if (isIPv4(text)) return { family: 'IPv4', value: ipv4ToBigint(text), bits: 32 };
  if (isIPv6(text) && !text.includes('%')) return { family: 'IPv6', value: ipv6ToBigint(text), bits: 128 };
  return null;
}

export function sameIp(a: ParsedIp, b: ParsedIp): boolean {
  return a.family === b.family && a.value === b.value;
}

/** A stable key for uniqueness checks. */
export function ipKey(ip: ParsedIp): string {
  return `${ip.family}/${ip.value.toString(16)}`;
}

export function inSubnet(ip: ParsedIp, network: ParsedIp, prefix: number): boolean {
  if (ip.family !== network.family) return false;
  const hostBits = BigInt(ip.bits - prefix);
  return ip.value >> hostBits === network.value >> hostBits;
}

export function isWildcard(ip: ParsedIp): boolean {
  return ip.value === 0n;
}

/** fe80::/10: never a primary address for subnet checks. */
export function isIpv6LinkLocal(ip: ParsedIp): boolean {
  return ip.family === 'IPv6' && ip.value >> 118n === 0x3fan;
}

function ipv4ToBigint(text: string): bigint {
  return text.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function ipv6ToBigint(text: string): bigint {
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  // An embedded IPv4 tail (::ffff:10.0.0.1) is rewritten as its two hextets.
  const body = last.includes('.') ? `${text.slice(0, lastColon + 1)}${ipv4AsHextets(last)}` : text;
  const [head = '', rest] = body.split('::');
  const headParts = head === '' ? [] : head.split(':');
  const restParts = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = rest === undefined ? [] : new Array<string>(8 - headParts.length - restParts.length).fill('0');
  return [...headParts, ...zeros, ...restParts].reduce((acc, h) => (acc << 16n) | BigInt(parseInt(h, 16)), 0n);
}

function ipv4AsHextets(text: string): string {
  const v4 = ipv4ToBigint(text);
  return `${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
}
