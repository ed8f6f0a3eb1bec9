/**
 * How late the master's next advert must be, as a fraction of its interval,
 * before refused probes let a backup claim. A REJECT rule in front of a live
 * master refuses every probe too; only the master's next advert tells the two
 * apart, so the claim waits for it, plus this much for a late one. The margin
 * only has to hold once: the first advert that contradicts refusals makes the
 * backup ignore that master's refusals until its own next role change, so a
 * REJECT rule is exposed to one late advert, not to every one
 * (docs/election.md, "Refused probes", has the measured lateness).
 */
export const REFUSAL_OVERDUE_FRACTION = 0.1;

/**
 * How long after the master's advert falls due a backup probes its port, as a
 * fraction of its interval: an advert on time (within this jitter) re-arms the
 * probe before it goes, so a live master costs no wake-up, and the refusal and
 * its re-probe (a few ms) still land before the overdue point.
 */
export const REFUSAL_PROBE_FRACTION = 0.05;

/** Once the master's advert is overdue, the backup probes again every this fraction of its interval. */
export const REFUSAL_REPROBE_FRACTION = 0.1;

export type RefusalVerdict = 'first' | 'confirmed' | 'ignored';

export interface RefusalSnapshot {
  readonly pending: { readonly peer: string; readonly firstAt: number; readonly confirmed: boolean } | null;
  readonly ignoredPeers: readonly string[];
}

/**
 * The evidence refused probes give against one master (ICMP port
 * unreachable, which anyone on the path can forge or a firewall can
 * produce). It is only evidence: two refusals in a row confirm it, and any
 * authenticated message from that peer afterwards contradicts it for good
 * (until the core resets it on its next role change).
 */
export class RefusalEvidence {
  private pending: { peer: string; firstAt: number; confirmed: boolean } | null = null;
  private readonly ignored = new Set<string>();

  /** `windowMs`: how long after the first refusal a second one still counts as "in a row". */
  note(peer: string, now: number, windowMs: number): RefusalVerdict {
    if (this.ignored.has(peer)) return 'ignored';
    const p = this.pending;
    if (p !== null && p.peer === peer) {
      if (p.confirmed) return 'ignored';
      if (now - p.firstAt <= windowMs) {
        p.confirmed = true;
        return 'confirmed';
      }
    }
    this.pending = { peer, firstAt: now, confirmed: false };
    return 'first';
  }

  /** An authenticated message from `peer`: true when it contradicts evidence pending against it. */
  heard(peer: string): boolean {
    if (this.pending === null || this.pending.peer !== peer) return false;
    this.pending = null;
    this.ignored.add(peer);
    return true;
  }

  ignores(peer: string): boolean {
    return this.ignored.has(peer);
  }

  /** Forget pending evidence (its timing means nothing after a stall); contradictions stay. */
  dropPending(): void {
    this.pending = null;
  }

  reset(): void {
    this.pending = null;
    this.ignored.clear();
  }

  snapshot(): RefusalSnapshot {
    return { pending: this.pending === null ? null : { ...this.pending }, ignoredPeers: [...this.ignored].sort() };
  }
}
