import { timingSafeEqual } from 'node:crypto';
import type { Role } from '../election/types';
import { VipdError } from '../errors';
import { computeTag, type AcceptedKeys, type KeySlot, type SigningKey } from './keys';
import type { RejectReason } from './reject-reasons';
import {
  MAGIC,
  MAX_PACKET_BYTES,
  MIN_PACKET_BYTES,
  NODE_ID_MAX_BYTES,
  OFFSET,
  PACKET_TYPE_CODE,
  PROTOCOL_VERSION,
  ROLE_CODE,
  TAG_BYTES,
  TAIL_OFFSET,
  U32_MAX,
  U64_MAX,
  VIP_DIGEST_BYTES,
  isValidGroupId,
  isValidNodeId,
  packetLength,
  packetTypeFromCode,
  roleFromCode,
  type PacketType,
} from './wire-format';

/** Everything a heartbeat carries, as decoded (the tag itself is not kept). */
export interface HeartbeatPacket {
  readonly type: PacketType;
  readonly groupId: number;
  readonly nodeId: string;
  /** 0-255; always 0 for a resign. */
  readonly priority: number;
  readonly role: Role;
  /** The sender's advert interval, >= 1. */
  readonly intervalMs: number;
  /** Random per sender process start. */
  readonly epoch: bigint;
  /** Strictly increasing within an epoch. */
  readonly seq: bigint;
  readonly vipDigest: Buffer;
  /** Id of the key the sender signed with (keys.ts keyIdOf). */
  readonly keyId: number;
}

/** What the sender supplies; the key id comes from the signing key. */
export type PacketFields = Omit<HeartbeatPacket, 'keyId'>;

/** The reasons the packet alone can decide (no configuration needed). */
export type CodecRejectReason = Extract<RejectReason, 'truncated' | 'oversize' | 'bad-magic' | 'wrong-version' | 'bad-type' | 'malformed' | 'bad-tag'>;

export type DecodeResult =
  | { readonly ok: true; readonly packet: HeartbeatPacket; readonly keySlot: KeySlot }
  | { readonly ok: false; readonly reason: CodecRejectReason; readonly detail: string };

/**
 * Serialises and signs a heartbeat. Throws VIPD_E_INTERNAL on a field out of
 * range: the caller built it, so that is a bug, and sending a packet every
 * receiver would reject as malformed would only hide it.
 */
export function encodePacket(fields: PacketFields, key: SigningKey): Buffer {
  const problem = fieldProblem(fields);
  if (problem !== null) {
    throw new VipdError('VIPD_E_INTERNAL', `cannot encode heartbeat: ${problem}`, { details: { groupId: fields.groupId, nodeId: fields.nodeId } });
  }
  const nodeId = Buffer.from(fields.nodeId, 'ascii');
  const buf = Buffer.alloc(packetLength(nodeId.length));
  MAGIC.copy(buf, OFFSET.magic);
  buf.writeUInt8(PROTOCOL_VERSION, OFFSET.version);
  buf.writeUInt8(PACKET_TYPE_CODE[fields.type], OFFSET.type);
  buf.writeUInt8(fields.groupId, OFFSET.groupId);
  buf.writeUInt8(nodeId.length, OFFSET.nodeIdLength);
  nodeId.copy(buf, OFFSET.nodeId);
  const tail = OFFSET.nodeId + nodeId.length;
  buf.writeUInt8(fields.priority, tail + TAIL_OFFSET.priority);
  buf.writeUInt8(ROLE_CODE[fields.role], tail + TAIL_OFFSET.role);
  buf.writeUInt32BE(fields.intervalMs, tail + TAIL_OFFSET.intervalMs);
  buf.writeBigUInt64BE(fields.epoch, tail + TAIL_OFFSET.epoch);
  buf.writeBigUInt64BE(fields.seq, tail + TAIL_OFFSET.seq);
  fields.vipDigest.copy(buf, tail + TAIL_OFFSET.vipDigest);
  buf.writeUInt8(key.id, tail + TAIL_OFFSET.keyId);
  const tagAt = tail + TAIL_OFFSET.tag;
  computeTag(key, buf.subarray(0, tagAt)).copy(buf, tagAt);
  return buf;
}

/**
 * Classifies a datagram by itself. Never throws. Order matters and is part
 * of the protocol: size, magic, version and type first (a future version may
 * lay out the rest differently), then lengths (needed to find the tag), then
 * the tag, and field values only once the packet is known to be authentic,
 * so a forged or corrupted packet always counts as 'bad-tag', never as a
 * misleading 'malformed' or 'unknown-group'.
 */
export function decodePacket(buf: Buffer, keys: AcceptedKeys): DecodeResult {
  if (buf.length > MAX_PACKET_BYTES) return reject('oversize', `${buf.length} bytes, limit ${MAX_PACKET_BYTES}`);
  if (buf.length < MAGIC.length) return reject('truncated', `${buf.length} bytes`);
  if (!buf.subarray(OFFSET.magic, OFFSET.magic + MAGIC.length).equals(MAGIC)) return reject('bad-magic', 'first bytes are not "VIPD"');
  if (buf.length <= OFFSET.version) return reject('truncated', `${buf.length} bytes`);
  const version = buf.readUInt8(OFFSET.version);
  if (version !== PROTOCOL_VERSION) return reject('wrong-version', `version ${version}, we speak ${PROTOCOL_VERSION}`);
  if (buf.length <= OFFSET.type) return reject('truncated', `${buf.length} bytes`);
  const type = packetTypeFromCode(buf.readUInt8(OFFSET.type));
  if (type === null) return reject('bad-type', `type ${buf.readUInt8(OFFSET.type)}`);
  if (buf.length < MIN_PACKET_BYTES) return reject('truncated', `${buf.length} bytes, a packet has at least ${MIN_PACKET_BYTES}`);

  const nodeIdLength = buf.readUInt8(OFFSET.nodeIdLength);
  if (nodeIdLength < 1 || nodeIdLength > NODE_ID_MAX_BYTES) return reject('malformed', `node id length ${nodeIdLength}`);
  const expected = packetLength(nodeIdLength);
  if (buf.length < expected) return reject('truncated', `${buf.length} bytes, node id length says ${expected}`);
  if (buf.length > expected) return reject('malformed', `${buf.length - expected} trailing bytes`);

  const tail = OFFSET.nodeId + nodeIdLength;
  const tagAt = tail + TAIL_OFFSET.tag;
  const keySlot = verifyTag(buf.subarray(0, tagAt), buf.subarray(tagAt, tagAt + TAG_BYTES), keys);
  const keyId = buf.readUInt8(tail + TAIL_OFFSET.keyId);
  if (keySlot === null) return reject('bad-tag', describeKeyMismatch(keyId, keys));

  const groupId = buf.readUInt8(OFFSET.groupId);
  const nodeId = buf.toString('latin1', OFFSET.nodeId, tail);
  const priority = buf.readUInt8(tail + TAIL_OFFSET.priority);
  const roleCode = buf.readUInt8(tail + TAIL_OFFSET.role);
  const role = roleFromCode(roleCode);
  const intervalMs = buf.readUInt32BE(tail + TAIL_OFFSET.intervalMs);
  if (!isValidGroupId(groupId)) return reject('malformed', `group id ${groupId}`);
  if (!isValidNodeId(nodeId)) return reject('malformed', 'node id has characters outside [A-Za-z0-9._-]');
  if (role === null) return reject('malformed', `role ${roleCode}`);
  if (intervalMs < 1) return reject('malformed', 'advert interval 0');
  if (type === 'resign' && priority !== 0) return reject('malformed', `resign with priority ${priority}`);

  const packet: HeartbeatPacket = {
    type,
    groupId,
    nodeId,
    priority,
    role,
    intervalMs,
    epoch: buf.readBigUInt64BE(tail + TAIL_OFFSET.epoch),
    seq: buf.readBigUInt64BE(tail + TAIL_OFFSET.seq),
    vipDigest: Buffer.from(buf.subarray(tail + TAIL_OFFSET.vipDigest, tail + TAIL_OFFSET.vipDigest + VIP_DIGEST_BYTES)),
    keyId,
  };
  return { ok: true, packet, keySlot };
}

function reject(reason: CodecRejectReason, detail: string): DecodeResult {
  return { ok: false, reason, detail };
}

/** Both keys are always tried (no early exit on the key id) so timing does not tell which one matched. */
function verifyTag(signed: Buffer, tag: Buffer, keys: AcceptedKeys): KeySlot | null {
  const currentOk = timingSafeEqual(computeTag(keys.current, signed), tag);
  const nextOk = keys.next !== null && timingSafeEqual(computeTag(keys.next, signed), tag);
  if (currentOk) return 'current';
  return nextOk ? 'next' : null;
}

function describeKeyMismatch(keyId: number, keys: AcceptedKeys): string {
  const ours = `current ${hexByte(keys.current.id)}, next ${keys.next === null ? 'none' : hexByte(keys.next.id)}`;
  const known = keyId === keys.current.id || (keys.next !== null && keyId === keys.next.id);
  return known
    ? `sender claims key id ${hexByte(keyId)}, one of ours (${ours}), yet the tag does not verify: corrupted or forged`
    : `sender signed with key id ${hexByte(keyId)}, which is none of ours (${ours}): key files differ`;
}

function hexByte(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

function fieldProblem(f: PacketFields): string | null {
  if (!isValidGroupId(f.groupId)) return `group id ${f.groupId} outside 1-255`;
  if (!isValidNodeId(f.nodeId)) return `node id ${JSON.stringify(f.nodeId)} is not 1-64 of [A-Za-z0-9._-]`;
  if (!isByte(f.priority)) return `priority ${f.priority} outside 0-255`;
  if (f.type === 'resign' && f.priority !== 0) return 'a resign carries priority 0';
  if (!Number.isInteger(f.intervalMs) || f.intervalMs < 1 || f.intervalMs > U32_MAX) return `advert interval ${f.intervalMs} ms outside 1-${U32_MAX}`;
  if (f.epoch < 0n || f.epoch > U64_MAX) return `epoch ${f.epoch} outside u64`;
  if (f.seq < 0n || f.seq > U64_MAX) return `sequence ${f.seq} outside u64`;
  if (f.vipDigest.length !== VIP_DIGEST_BYTES) return `VIP digest is ${f.vipDigest.length} bytes, not ${VIP_DIGEST_BYTES}`;
  return null;
}

function isByte(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 255;
}
