import { VipdError } from '../errors';

/**
 * Exact IP address handling. Addresses read from the kernel and from the
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

/** Parses an IPv4 or IPv6 literal (no zone, no prefix); null when it is not one. */
export function parseIp(text: string): ParsedIp | null {
  if (text.includes(':')) {
    const bytes = parseIpv6(text);
    return bytes ? { family: 6, bytes } : null;
  }
  const bytes = parseIpv4(text);
  return bytes ? { family: 4, bytes } : null;
}

function parseIpv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const bytes: number[] = [];
  for (const p of parts) {
    // Leading zeros are rejected: some tools read them as octal.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    bytes.push(n);
  }
  return bytes;
}

function parseIpv6(text: string): number[] | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return null;
  let hexText = text;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    // An embedded IPv4 tail ("::ffff:10.0.0.1") is two 16-bit groups.
    const v4 = parseIpv4(tail);
    if (!v4) return null;
    const [a = 0, b = 0, c = 0, d = 0] = v4;
    hexText = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = hexText.split('::');
  if (halves.length > 2) return null;
  const parseGroups = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = parseGroups(halves[0] ?? '');
  const right = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (!left || !right) return null;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - left.length - right.length;
    if (missing < 1) return null;
    groups = [...left, ...new Array<number>(missing).fill(0), ...right];
  } else {
    groups = left;
  }
  if (groups.length !== 8) return null;
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
  for (let i = 0; i < 8; ) {
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
