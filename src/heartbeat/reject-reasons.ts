/**
 * Why a received datagram was dropped. Stable strings: they are metric label
 * values and appear in logs. The first group is decided by the packet alone
 * (codec.ts), the second by our configuration and replay state (classifier.ts).
 */
export const REJECT_REASONS = [
  'truncated', // shorter than its own header says
  'oversize', // longer than MAX_PACKET_BYTES
  'bad-magic', // not a vipd heartbeat at all
  'wrong-version', // a protocol version we do not speak
  'bad-type', // unknown message type
  'malformed', // structure or a field value is invalid (bad node id, role, trailing bytes...)
  'bad-tag', // HMAC does not verify with any accepted key
  'unknown-group', // authentic, but for a group id we do not run
  'unknown-sender', // authentic, but the node id is not a configured peer of that group
  'unknown-address', // authentic peer id, but sent from another address or port than configured
  'replay', // sequence not newer within the sender's epoch, or a retired epoch
  'self', // carries our own node id (reflected, or a duplicate node id)
] as const;

export type RejectReason = (typeof REJECT_REASONS)[number];

/** Counters for every reason, all starting at 0 (Prometheus wants labelled counters initialised). */
export function zeroRejectCounts(): Record<RejectReason, number> {
  const counts = {} as Record<RejectReason, number>;
  for (const reason of REJECT_REASONS) counts[reason] = 0;
  return counts;
}
