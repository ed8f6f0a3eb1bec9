import { createHash } from 'node:crypto';
import { VipdError } from '../errors';
import { canonicalPeerIp } from '../util/ip';
import { VIP_DIGEST_BYTES } from './wire-format';

/**
 * A short fingerprint of a group's VIP set, carried in every heartbeat so a
 * node can notice that its peer serves a different set (config drift)
 * without sending the list. Order and spelling do not matter: addresses are
 * canonicalised, de-duplicated and sorted. An optional "/prefix" is kept as
 * part of the entry. First 8 bytes of SHA-256 over the entries joined by "\n".
 */
export function vipDigest(addresses: readonly string[]): Buffer {
  const entries = new Set<string>();
  for (const entry of addresses) entries.add(canonicalEntry(entry));
  const joined = [...entries].sort().join('\n');
  return createHash('sha256').update(joined, 'utf8').digest().subarray(0, VIP_DIGEST_BYTES);
}

function canonicalEntry(entry: string): string {
  const [address = '', prefix, ...rest] = entry.trim().split('/');
  const ip = canonicalPeerIp(address);
  if (ip === null || rest.length > 0 || (prefix !== undefined && !/^\d{1,3}$/.test(prefix))) {
    throw new VipdError('VIPD_E_CONFIG', `VIP ${JSON.stringify(entry)} is not an IP address (optionally with /prefix)`, { details: { vip: entry } });
  }
  return prefix === undefined ? ip.address : `${ip.address}/${Number(prefix)}`;
}
