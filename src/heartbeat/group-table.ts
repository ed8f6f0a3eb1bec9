import type { PeerConfig } from '../config/types';
import { VipdError } from '../errors';
import { canonicalPeerIp } from '../util/ip';
import type { HeartbeatGroup } from './types';
import { VIP_DIGEST_BYTES, isValidGroupId, isValidNodeId } from './wire-format';

export interface PeerEndpoint {
  readonly id: string;
  /** canonicalPeerIp() form, compared exactly with the datagram's source. */
  readonly address: string;
  readonly family: 4 | 6;
  readonly port: number;
  readonly config: PeerConfig;
}

export interface GroupEntry {
  readonly id: number;
  readonly name: string;
  readonly vipDigest: Buffer;
  readonly peers: ReadonlyMap<string, PeerEndpoint>;
}

export type GroupTable = ReadonlyMap<number, GroupEntry>;

/** Key of a sender's replay state: node ids cannot contain "/". */
export function senderKey(groupId: number, peerId: string): string {
  return `${groupId}/${peerId}`;
}

/**
 * Validates the groups and indexes them for the receive path. Throws
 * VIPD_E_CONFIG naming the first problem; the config loader should have
 * caught it already, but a reload must never leave half a table in place.
 */
export function buildGroupTable(nodeId: string, groups: readonly HeartbeatGroup[]): GroupTable {
  if (!isValidNodeId(nodeId)) fail(`node id ${JSON.stringify(nodeId)} is not 1-64 of [A-Za-z0-9._-]`);
  const table = new Map<number, GroupEntry>();
  for (const group of groups) {
    const where = `group ${JSON.stringify(group.name)} (id ${group.id})`;
    if (!isValidGroupId(group.id)) fail(`${where}: id must be 1-255`);
    if (table.has(group.id)) fail(`${where}: id ${group.id} is used by two groups`);
    if (group.vipDigest.length !== VIP_DIGEST_BYTES) fail(`${where}: VIP digest must be ${VIP_DIGEST_BYTES} bytes`);
    const peers = new Map<string, PeerEndpoint>();
    for (const peer of group.peers) {
      if (!isValidNodeId(peer.id)) fail(`${where}: peer id ${JSON.stringify(peer.id)} is not 1-64 of [A-Za-z0-9._-]`);
      if (peer.id === nodeId) fail(`${where}: peer ${peer.id} is this node's own id`);
      if (peers.has(peer.id)) fail(`${where}: peer ${peer.id} is listed twice`);
      const ip = canonicalPeerIp(peer.address);
      if (ip === null) fail(`${where}: peer ${peer.id} address ${JSON.stringify(peer.address)} is not an IP address`);
      if (!Number.isInteger(peer.port) || peer.port < 1 || peer.port > 65535) fail(`${where}: peer ${peer.id} port ${peer.port} outside 1-65535`);
      peers.set(peer.id, { id: peer.id, address: ip.address, family: ip.family, port: peer.port, config: peer });
    }
    table.set(group.id, { id: group.id, name: group.name, vipDigest: Buffer.from(group.vipDigest), peers });
  }
  return table;
}

function fail(message: string): never {
  throw new VipdError('VIPD_E_CONFIG', `heartbeat: ${message}`);
}
