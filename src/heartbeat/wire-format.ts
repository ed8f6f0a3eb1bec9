import type { Role } from '../election/types';

/**
 * Version 1 of the heartbeat wire format (docs/protocol.md has the byte
 * table). All integers are big-endian. The layout is fixed except for the
 * node id, whose length byte comes before it, so every offset after it is
 * `8 + nodeIdLength + <fixed offset>`.
 */
export const MAGIC = Buffer.from('VIPD', 'ascii');
export const PROTOCOL_VERSION = 1;

/** Anything longer is refused before parsing: a v1 packet is at most 135 bytes. */
export const MAX_PACKET_BYTES = 256;

export const NODE_ID_MAX_BYTES = 64;
const NODE_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export const TAG_BYTES = 32;
export const VIP_DIGEST_BYTES = 8;

/** Offsets of the fixed header (before the node id). */
export const OFFSET = {
  magic: 0,
  version: 4,
  type: 5,
  groupId: 6,
  nodeIdLength: 7,
  nodeId: 8,
} as const;

/** Offsets relative to the first byte after the node id. */
export const TAIL_OFFSET = {
  priority: 0,
  role: 1,
  intervalMs: 2,
  epoch: 6,
  seq: 14,
  vipDigest: 22,
  keyId: 30,
  tag: 31,
} as const;

/** Bytes after the node id: priority .. key id, then the tag. */
export const TAIL_BYTES = TAIL_OFFSET.tag + TAG_BYTES;

export function packetLength(nodeIdLength: number): number {
  return OFFSET.nodeId + nodeIdLength + TAIL_BYTES;
}

/** The shortest well-formed packet (a one-byte node id). */
export const MIN_PACKET_BYTES = packetLength(1);

export type PacketType = 'advert' | 'resign';

export const PACKET_TYPE_CODE: Readonly<Record<PacketType, number>> = { advert: 1, resign: 2 };

export function packetTypeFromCode(code: number): PacketType | null {
  if (code === 1) return 'advert';
  if (code === 2) return 'resign';
  return null;
}

/** Same numbers as keepalived's exporters use for state, so dashboards carry over. */
export const ROLE_CODE: Readonly<Record<Role, number>> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3, STOP: 4 };

const ROLES_BY_CODE: readonly Role[] = ['INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP'];

export function roleFromCode(code: number): Role | null {
  return ROLES_BY_CODE[code] ?? null;
}

export const U32_MAX = 0xffff_ffff;
export const U64_MAX = (1n << 64n) - 1n;

export function isValidNodeId(id: string): boolean {
  return NODE_ID_PATTERN.test(id);
}

export function isValidGroupId(id: number): boolean {
  return Number.isInteger(id) && id >= 1 && id <= 255;
}
