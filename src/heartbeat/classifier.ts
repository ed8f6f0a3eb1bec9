import { decodePacket, type HeartbeatPacket } from './codec';
import { buildGroupTable, senderKey, type GroupEntry, type GroupTable, type PeerEndpoint } from './group-table';
import { canonicalPeerIp } from '../util/ip';
import type { AcceptedKeys, KeySlot } from './keys';
import type { RejectReason } from './reject-reasons';
import { ReplayGuard, type ReplayVerdict } from './replay-guard';
import type { DatagramSource, HeartbeatGroup } from './types';

export type ClassifyResult =
  | {
      readonly ok: true;
      readonly packet: HeartbeatPacket;
      readonly group: GroupEntry;
      readonly peer: PeerEndpoint;
      /** Which of our keys verified it: 'next' during a rotation tells who already switched. */
      readonly keySlot: KeySlot;
      readonly replay: Exclude<ReplayVerdict, 'replay'>;
    }
  | { readonly ok: false; readonly reason: RejectReason; readonly detail: string };

/**
 * The whole receive-side decision for one datagram: codec checks, then
 * group, sender, source address and replay. Never throws. Only a packet
 * that passes everything else touches the replay state, so forged,
 * misaddressed or unknown packets cannot advance or reset a peer's window.
 */
export class PacketClassifier {
  private readonly nodeId: string;
  private groups: GroupTable;
  private keys: AcceptedKeys;
  private readonly replay: ReplayGuard;

  constructor(opts: { nodeId: string; groups: readonly HeartbeatGroup[]; keys: AcceptedKeys; replayGuard?: ReplayGuard }) {
    this.nodeId = opts.nodeId;
    this.groups = buildGroupTable(opts.nodeId, opts.groups);
    this.keys = opts.keys;
    this.replay = opts.replayGuard ?? new ReplayGuard();
  }

  /** `now`: monotonic ms of arrival (the replay guard times how long a peer's current epoch has been silent). */
  classify(buf: Buffer, from: DatagramSource, now: number): ClassifyResult {
    const decoded = decodePacket(buf, this.keys);
    if (!decoded.ok) return decoded;
    const { packet } = decoded;

    const group = this.groups.get(packet.groupId);
    if (group === undefined) return reject('unknown-group', `group id ${packet.groupId} from ${packet.nodeId}`);
    if (packet.nodeId === this.nodeId) return reject('self', `group ${group.name}: packet carries our own node id ${packet.nodeId}`);
    const peer = group.peers.get(packet.nodeId);
    if (peer === undefined) return reject('unknown-sender', `group ${group.name}: ${packet.nodeId} is not a configured peer`);

    const source = canonicalPeerIp(from.address);
    if (source === null || source.address !== peer.address || from.port !== peer.port) {
      return reject(
        'unknown-address',
        `group ${group.name}: peer ${peer.id} is configured at ${formatEndpoint(peer.address, peer.port)}, packet came from ${formatEndpoint(from.address, from.port)}`,
      );
    }

    const verdict = this.replay.admit(senderKey(group.id, peer.id), packet.epoch, packet.seq, now);
    if (verdict === 'replay')
      return reject(
        'replay',
        `group ${group.name}: peer ${peer.id} epoch ${packet.epoch} sequence ${packet.seq} is not newer (or is from an earlier run while the current one is alive)`,
      );
    return { ok: true, packet, group, peer, keySlot: decoded.keySlot, replay: verdict };
  }

  /** Config reload: validates first (throws VIPD_E_CONFIG, leaving the old table), keeps the replay state of peers that stay. */
  setGroups(groups: readonly HeartbeatGroup[]): void {
    const table = buildGroupTable(this.nodeId, groups);
    const keep = new Set<string>();
    for (const group of table.values()) for (const peerId of group.peers.keys()) keep.add(senderKey(group.id, peerId));
    this.groups = table;
    this.replay.retainOnly(keep);
  }

  setKeys(keys: AcceptedKeys): void {
    this.keys = keys;
  }

  groupTable(): GroupTable {
    return this.groups;
  }
}

function reject(reason: RejectReason, detail: string): ClassifyResult {
  return { ok: false, reason, detail };
}

function formatEndpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
