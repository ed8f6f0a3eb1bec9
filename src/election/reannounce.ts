import type { AnnounceReason, ElectionOutput } from './types';

type AnnounceOutput = Extract<ElectionOutput, { type: 'announce' }>;

/** Every reason, for metrics that start each labelled series at 0. */
export const ANNOUNCE_REASONS: readonly AnnounceReason[] = ['lower-master', 'peer-returned', 'peer-stepped-down', 'stall', 'cloud-split'];

/** Used when ElectionOptions leave it out: the config's default (os.reannounce.minIntervalMs). */
export const DEFAULT_REANNOUNCE_MIN_INTERVAL_MS = 1000;

/**
 * When a MASTER tells the link again that the VIPs live here, after
 * learning that another node claimed them: at once, but at most once per
 * `minIntervalMs`, so a peer that claims over and over cannot turn it into
 * a storm. A request inside the quiet period is never dropped: it is
 * deferred to the end of the period, and further requests meanwhile fold
 * into it (counted in `coalesced`). Pure: time comes in as `now`.
 */
export class ReannounceLimiter {
  private lastAt: number | null = null;
  private deferred: { at: number; reason: AnnounceReason; peer: string | undefined; coalesced: number } | null = null;

  constructor(private readonly minIntervalMs: number) {}

  /** An announce to emit now, or null when it was deferred (see deadline()). */
  request(now: number, reason: AnnounceReason, peer: string | undefined): AnnounceOutput | null {
    if (this.deferred !== null) {
      this.deferred.coalesced++;
      return null;
    }
    if (this.lastAt !== null && now < this.lastAt + this.minIntervalMs) {
      this.deferred = { at: this.lastAt + this.minIntervalMs, reason, peer, coalesced: 0 };
      return null;
    }
    return this.emit(now, reason, peer, 0);
  }

  /**
   * An announce for `notBefore` at the earliest, never at once: for news that
   * inputs queued meanwhile may still overturn (a stall: the adverts that
   * waited in the socket are stepped next, and one of them may end the
   * mastership, which cancels it). Folds into a deferred one like request().
   */
  requestFrom(notBefore: number, reason: AnnounceReason, peer: string | undefined): void {
    if (this.deferred !== null) {
      this.deferred.coalesced++;
      this.deferred.at = Math.max(this.deferred.at, notBefore);
      return;
    }
    const quietUntil = this.lastAt === null ? notBefore : Math.max(notBefore, this.lastAt + this.minIntervalMs);
    this.deferred = { at: quietUntil, reason, peer, coalesced: 0 };
  }

  /** The deferred announce, once its time has come. */
  due(now: number): AnnounceOutput | null {
    const d = this.deferred;
    if (d === null || now < d.at) return null;
    this.deferred = null;
    return this.emit(now, d.reason, d.peer, d.coalesced);
  }

  deadline(): number | null {
    return this.deferred?.at ?? null;
  }

  /** Leaving MASTER: a node that no longer holds the group must not announce it. */
  cancel(): void {
    this.deferred = null;
  }

  private emit(now: number, reason: AnnounceReason, peer: string | undefined, coalesced: number): AnnounceOutput {
    this.lastAt = now;
    return peer === undefined ? { type: 'announce', reason, coalesced, at: now } : { type: 'announce', reason, peer, coalesced, at: now };
  }
}
