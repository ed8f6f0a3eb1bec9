import type { OutgoingAdvert, PeerAdvert } from '../election/types';
import { VipdError, asVipdError } from '../errors';
import type { MonotonicClock } from '../util/clock';
import type { Logger } from '../util/logger';
import { DEFAULT_RETIRED_EPOCHS, ReplayGuard } from './replay-guard';
import { PacketClassifier } from './classifier';
import { encodePacket, type HeartbeatPacket } from './codec';
import { senderKey } from './group-table';
import { canonicalPeerIp } from '../util/ip';
import { prepareKeys, type AcceptedKeys, type HeartbeatKeys } from './keys';
import { zeroRejectCounts, type RejectReason } from './reject-reasons';
import type { PeerProber } from './prober';
import type { DatagramTransport } from './transport';
import type { DatagramSource, HeartbeatGroup } from './types';
import { U64_MAX } from './wire-format';

export type { HeartbeatGroup } from './types';
export type { HeartbeatKeys } from './keys';

export interface HeartbeatServiceDeps {
  readonly transport: DatagramTransport;
  readonly keys: HeartbeatKeys;
  readonly nodeId: string;
  readonly groups: readonly HeartbeatGroup[];
  /** Per process start, chosen by the shell: start time in the high bits, random low bits (boot-epoch.ts newBootEpoch). */
  readonly epoch: bigint;
  /** Monotonic time of arrival for the replay guard. */
  readonly clock: MonotonicClock;
  /** How long a peer's current epoch must be silent before an earlier epoch is followed (default 10 s). */
  readonly epochSilenceMs?: number;
  readonly logger: Logger;
  /** An authentic, fresh advert or resign from a configured peer. */
  readonly onAdvert: (groupId: number, advert: PeerAdvert, from: DatagramSource) => void;
  readonly onReject: (reason: RejectReason, from: DatagramSource) => void;
  /** Optional: a datagram to one peer could not be sent (also counted in stats().sendErrors). */
  readonly onSendError?: (groupId: number, peerId: string, error: VipdError) => void;
  /** Probes peers' heartbeat ports (refused probes: docs/protocol.md, "Probes"); without it probe() does nothing. */
  readonly prober?: PeerProber;
  /** The host of a peer of this group refused a probe: nothing listens on its heartbeat port. */
  readonly onRefused?: (groupId: number, peerId: string) => void;
}

export interface HeartbeatStats {
  /** Datagrams handed to the transport (one per peer per advert). */
  readonly sent: number;
  readonly sendErrors: number;
  /** Accepted adverts and resigns. */
  readonly accepted: number;
  /** Of those, verified with the next key: during a rotation, peers that already switched. */
  readonly acceptedWithNextKey: number;
  readonly rejected: Readonly<Record<RejectReason, number>>;
  /** Empty datagrams received: peers' liveness probes of our port (never classified, never a reject). */
  readonly probesReceived: number;
}

/** Beyond this many distinct (reason, source) pairs, rejects are logged at debug only: a flood must not flood the journal. */
const MAX_WARNED_REJECT_SOURCES = 1024;
/** The warned-once memory is forgotten this often, so a flood of spoofed sources cannot mute real rejects for good. */
const WARNED_REJECT_RESET_MS = 3_600_000;
/** A failing peer is logged at warn on its first failure and then every this many. */
const SEND_ERROR_WARN_EVERY = 100;

/**
 * Sends our adverts to every peer of a group and turns received datagrams
 * into authenticated PeerAdverts (or counted rejects). Owns the sequence
 * counter of this process's epoch; the codec, classifier and replay guard
 * are pure enough to test without sockets.
 */
export class HeartbeatService {
  private readonly transport: DatagramTransport;
  private readonly nodeId: string;
  private readonly epoch: bigint;
  private readonly logger: Logger;
  private readonly clock: MonotonicClock;
  private readonly replayGuard: ReplayGuard;
  private readonly onAdvert: HeartbeatServiceDeps['onAdvert'];
  private readonly onReject: HeartbeatServiceDeps['onReject'];
  private readonly onSendError: HeartbeatServiceDeps['onSendError'];
  private readonly prober: PeerProber | undefined;
  private readonly classifier: PacketClassifier;
  private keys: AcceptedKeys;
  private seq = 0n;
  private readonly counters = { sent: 0, sendErrors: 0, accepted: 0, acceptedWithNextKey: 0, probesReceived: 0 };
  private readonly rejected = zeroRejectCounts();
  private readonly warnedRejectSources = new Set<string>();
  private warnedRejectSince: number | null = null;
  private readonly sendErrorsByPeer = new Map<string, number>();
  /** Senders whose VIP digest differs from ours, so the warning is logged on change, not per packet. */
  private readonly digestMismatch = new Set<string>();

  constructor(deps: HeartbeatServiceDeps) {
    if (deps.epoch < 0n || deps.epoch > U64_MAX) throw new VipdError('VIPD_E_INTERNAL', `heartbeat epoch ${deps.epoch} is not a u64`);
    this.transport = deps.transport;
    this.nodeId = deps.nodeId;
    this.epoch = deps.epoch;
    this.logger = deps.logger;
    this.onAdvert = deps.onAdvert;
    this.onReject = deps.onReject;
    this.onSendError = deps.onSendError;
    this.prober = deps.prober;
    const onRefused = deps.onRefused;
    if (onRefused !== undefined) this.prober?.onRefused((endpoint) => this.refused(endpoint, onRefused));
    this.keys = prepareKeys(deps.keys);
    this.clock = deps.clock;
    this.replayGuard = new ReplayGuard(DEFAULT_RETIRED_EPOCHS, deps.epochSilenceMs);
    this.classifier = new PacketClassifier({ nodeId: deps.nodeId, groups: deps.groups, keys: this.keys, replayGuard: this.replayGuard });
    this.transport.onDatagram((buf, from) => this.receive(buf, from));
  }

  /** Binds the transport; rejects with VIPD_E_BIND. */
  start(): Promise<void> {
    return this.transport.bind();
  }

  /** To every peer of the group, or only to the peer `to`. */
  sendAdvert(groupId: number, advert: OutgoingAdvert, to?: string): void {
    const group = this.classifier.groupTable().get(groupId);
    if (group === undefined) {
      this.countSendError(groupId, '*', new VipdError('VIPD_E_INTERNAL', `sendAdvert for group id ${groupId}, which is not configured`));
      return;
    }
    this.seq += 1n;
    let buf: Buffer;
    try {
      buf = encodePacket(
        {
          type: advert.kind,
          groupId,
          nodeId: this.nodeId,
          // VRRP's convention: a resign is priority 0, whatever the core's current priority.
          priority: advert.kind === 'resign' ? 0 : advert.priority,
          role: advert.role,
          intervalMs: advert.intervalMs,
          epoch: this.epoch,
          seq: this.seq,
          vipDigest: group.vipDigest,
        },
        this.keys.current,
      );
    } catch (err) {
      this.countSendError(groupId, '*', asVipdError(err));
      return;
    }
    for (const peer of group.peers.values()) {
      if (to !== undefined && peer.id !== to) continue;
      this.counters.sent += 1;
      const onError = (error: VipdError): void => this.countSendError(groupId, peer.id, error);
      try {
        this.transport.send(buf, peer.config.address, peer.port, onError);
      } catch (err) {
        onError(asVipdError(err, 'VIPD_E_HEARTBEAT_SEND'));
      }
    }
  }

  /** Sends one probe to the peer's heartbeat port (through the prober's socket connected to it). */
  probe(groupId: number, peerId: string): void {
    const peer = this.classifier.groupTable().get(groupId)?.peers.get(peerId);
    if (peer === undefined || this.prober === undefined) return;
    this.prober.probe(peer.config.address, peer.port);
  }

  /** Config reload. Throws VIPD_E_CONFIG (keeping the old groups) on invalid groups; peers that stay keep their replay state. */
  updateGroups(groups: readonly HeartbeatGroup[]): void {
    this.classifier.setGroups(groups);
    const present = new Set<string>();
    for (const g of this.classifier.groupTable().values()) for (const id of g.peers.keys()) present.add(senderKey(g.id, id));
    for (const key of [...this.digestMismatch]) if (!present.has(key)) this.digestMismatch.delete(key);
    const endpoints = [...this.classifier.groupTable().values()].flatMap((g) =>
      [...g.peers.values()].map((p) => ({ address: p.config.address, port: p.port })),
    );
    this.prober?.retain(endpoints);
  }

  /** Reload: how long a peer's current epoch must be silent before an earlier one is followed. */
  setEpochSilenceMs(ms: number): void {
    this.replayGuard.setSilenceMs(ms);
  }

  /** Key rotation. Throws VIPD_E_KEY_FILE (keeping the old keys) on a key that is too short. */
  updateKeys(keys: HeartbeatKeys): void {
    this.keys = prepareKeys(keys);
    this.classifier.setKeys(this.keys);
    this.logger.info({ currentKeyId: this.keys.current.id, nextKeyId: this.keys.next?.id ?? null }, 'heartbeat keys updated');
  }

  async close(): Promise<void> {
    await Promise.all([this.transport.close(), this.prober?.close()]);
  }

  stats(): HeartbeatStats {
    return { ...this.counters, rejected: { ...this.rejected } };
  }

  /** Every (group, peer) configured at that endpoint hears of it; the cores judge whether it matters. */
  private refused(endpoint: DatagramSource, onRefused: (groupId: number, peerId: string) => void): void {
    const address = canonicalPeerIp(endpoint.address)?.address;
    for (const group of this.classifier.groupTable().values()) {
      for (const peer of group.peers.values()) {
        if (peer.address === address && peer.port === endpoint.port) this.guarded('onRefused', () => onRefused(group.id, peer.id));
      }
    }
  }

  private receive(buf: Buffer, from: DatagramSource): void {
    if (buf.length === 0) {
      // A peer probing whether our daemon lives: the datagram reached a listening socket, which is the answer.
      this.counters.probesReceived += 1;
      return;
    }
    let result: ReturnType<PacketClassifier['classify']>;
    try {
      result = this.classifier.classify(buf, from, this.clock.nowMs());
    } catch (err) {
      // The classifier is fuzzed not to throw; if it still does, count the packet rather than lose the daemon.
      this.logger.error({ err, code: 'VIPD_E_INTERNAL', from }, 'heartbeat classifier threw; packet counted as malformed');
      result = { ok: false, reason: 'malformed', detail: 'classifier error' };
    }
    if (!result.ok) {
      this.rejected[result.reason] += 1;
      this.logReject(result.reason, result.detail, from);
      this.guarded('onReject', () => this.onReject(result.reason, from));
      return;
    }
    const { packet, group, peer } = result;
    this.counters.accepted += 1;
    if (result.keySlot === 'next') this.counters.acceptedWithNextKey += 1;
    if (result.replay === 'new-epoch') {
      this.logger.info({ group: group.name, peer: peer.id, epoch: packet.epoch.toString() }, 'peer restarted (new heartbeat epoch)');
    }
    this.checkDigest(group.name, senderKey(group.id, peer.id), peer.id, packet.vipDigest, group.vipDigest);
    this.guarded('onAdvert', () => this.onAdvert(group.id, toPeerAdvert(packet), from));
  }

  private checkDigest(groupName: string, key: string, peerId: string, theirs: Buffer, ours: Buffer): void {
    const differs = !theirs.equals(ours);
    if (differs === this.digestMismatch.has(key)) return;
    if (differs) {
      this.digestMismatch.add(key);
      this.logger.warn(
        { group: groupName, peer: peerId, ours: ours.toString('hex'), theirs: theirs.toString('hex') },
        'peer serves a different VIP set for this group (config drift)',
      );
    } else {
      this.digestMismatch.delete(key);
      this.logger.info({ group: groupName, peer: peerId }, 'peer VIP set matches ours again');
    }
  }

  private logReject(reason: RejectReason, detail: string, from: DatagramSource): void {
    const source = `${reason} ${from.address} ${from.port}`;
    const fields = { reason, detail, from };
    const now = this.clock.nowMs();
    if (this.warnedRejectSince === null || now - this.warnedRejectSince >= WARNED_REJECT_RESET_MS) {
      this.warnedRejectSources.clear();
      this.warnedRejectSince = now;
    }
    if (!this.warnedRejectSources.has(source) && this.warnedRejectSources.size < MAX_WARNED_REJECT_SOURCES) {
      this.warnedRejectSources.add(source);
      this.logger.warn(fields, 'heartbeat rejected (further rejects for this reason and source are logged at debug)');
    } else {
      this.logger.debug(fields, 'heartbeat rejected');
    }
  }

  private countSendError(groupId: number, peerId: string, error: VipdError): void {
    this.counters.sendErrors += 1;
    const key = `${groupId}/${peerId}`;
    const count = (this.sendErrorsByPeer.get(key) ?? 0) + 1;
    this.sendErrorsByPeer.set(key, count);
    const fields = { err: error, code: error.code, groupId, peer: peerId, failures: count };
    if (count % SEND_ERROR_WARN_EVERY === 1) this.logger.warn(fields, error.message);
    else this.logger.debug(fields, error.message);
    const onSendError = this.onSendError;
    if (onSendError !== undefined) this.guarded('onSendError', () => onSendError(groupId, peerId, error));
  }

  /** A consumer's callback failing must not break the receive path for the next packet. */
  private guarded(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.error({ err, code: 'VIPD_E_INTERNAL', callback: name }, `heartbeat ${name} callback threw`);
    }
  }
}

function toPeerAdvert(packet: HeartbeatPacket): PeerAdvert {
  return { kind: packet.type, from: packet.nodeId, priority: packet.priority, role: packet.role, intervalMs: packet.intervalMs };
}
