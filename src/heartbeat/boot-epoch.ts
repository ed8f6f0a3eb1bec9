import { masterDownMs } from '../election/timing';

/**
 * The boot epoch: 0xFFFF in the top 16 bits, the start time (wall ms) in the
 * next 42, 6 random bits below. A later start has a larger epoch, so peers
 * can tell a restart from a replay of an earlier run (docs/protocol.md); the
 * fixed top bits put it above all but 2^-16 of the uniformly random epochs
 * that earlier builds sent, so a node upgraded in a rolling upgrade is
 * followed at once by its upgraded peer. Packets are never judged by wall
 * time; a clock that went back across a restart only delays acceptance until
 * the old epoch has been silent a while. The shell passes the wall time and
 * the random byte: this layout stays a pure function.
 */
export function newBootEpoch(wallMs: number, random: Uint8Array): bigint {
  const ms = BigInt(Math.max(0, Math.floor(wallMs))) & ((1n << 42n) - 1n);
  return (0xffffn << 48n) | (ms << 6n) | BigInt((random[0] ?? 0) & 0x3f);
}

/** The advert timing of one group, as the silence rule needs it. */
export interface AdvertTiming {
  readonly intervalMs: number;
  readonly deadAfter: number;
}

/**
 * How long a peer's epoch must be silent before an older-looking epoch is
 * accepted: longer than any group's master-down interval, at least 10 s, so
 * a peer's live epoch is never "silent" between its own adverts.
 */
export function epochSilenceMs(groups: readonly AdvertTiming[]): number {
  return Math.max(10_000, ...groups.map((g) => 2 * masterDownMs(1, g.intervalMs, g.deadAfter)));
}
