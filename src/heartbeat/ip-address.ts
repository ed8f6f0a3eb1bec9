import { formatIp, parseIp } from '../util/ip';

export interface CanonicalIp {
  readonly address: string;
  readonly family: 4 | 6;
}

/**
 * One spelling per peer address, so peers are compared by value: IPv6 in
 * RFC 5952 form, an IPv4-mapped IPv6 address as plain IPv4 (a dual-stack
 * socket reports "::ffff:10.0.0.1" for a peer configured as "10.0.0.1"),
 * and a zone ("%eth0") dropped: it names our interface, not the peer.
 * Returns null for anything that is not an IP literal (names are never
 * resolved here).
 */
export function canonicalIp(text: string): CanonicalIp | null {
  const ip = parseIp(text.split('%', 1)[0] ?? '');
  if (ip === null) return null;
  if (ip.family === 6 && isV4Mapped(ip.bytes)) return { address: ip.bytes.slice(12).join('.'), family: 4 };
  return { address: formatIp(ip), family: ip.family };
}

function isV4Mapped(bytes: readonly number[]): boolean {
  return bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
}
