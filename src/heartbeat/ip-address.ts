import { SocketAddress, isIP } from 'node:net';

export interface CanonicalIp {
  readonly address: string;
  readonly family: 4 | 6;
}

const MAPPED_PREFIX = '::ffff:';

/**
 * One spelling per address, so peers are compared by value: IPv6 is
 * compressed and lower-cased ("0:0::1" -> "::1"), an IPv4-mapped IPv6
 * address becomes plain IPv4 (a dual-stack socket reports "::ffff:10.0.0.1"
 * for a peer configured as "10.0.0.1"), and a zone ("%eth0") is dropped:
 * it names our interface, not the peer. Returns null for anything that is
 * not an IP literal (names are never resolved here).
 */
export function canonicalIp(text: string): CanonicalIp | null {
  const withoutZone = text.split('%', 1)[0] ?? '';
  const family = isIP(withoutZone);
  if (family === 4) return { address: withoutZone, family: 4 };
  if (family !== 6) return null;
  const compressed = new SocketAddress({ address: withoutZone, family: 'ipv6' }).address.toLowerCase();
  if (compressed.startsWith(MAPPED_PREFIX)) {
    const v4 = mappedToIpv4(compressed.slice(MAPPED_PREFIX.length));
    if (v4 !== null) return { address: v4, family: 4 };
  }
  return { address: compressed, family: 6 };
}

/** "127.0.0.1" or "7f00:1" (both spellings of the low 32 bits) to dotted quad. */
function mappedToIpv4(low: string): string | null {
  if (isIP(low) === 4) return low;
  const m = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(low);
  if (m === null) return null;
  const hi = parseInt(m[1] ?? '', 16);
  const lo = parseInt(m[2] ?? '', 16);
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}
