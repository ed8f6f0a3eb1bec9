import { VipdError } from '../errors';
import { best } from './rank';
import type { PeerAdvert, Role } from './types';

export interface PeerView {
  readonly id: string;
  lastHeardAt: number | null;
  /** Priority of the last message heard (0 after a resign). */
  priority: number | null;
  /** Priority of the last non-resign advert: what the peer competes with. */
  advertPriority: number | null;
  role: Role | null;
  intervalMs: number | null;
}

/** What this node has heard from each configured peer of one group. */
export class PeerTable {
  private readonly views = new Map<string, PeerView>();

  constructor(ids: readonly string[]) {
    for (const id of ids) {
      this.views.set(id, { id, lastHeardAt: null, priority: null, advertPriority: null, role: null, intervalMs: null });
    }
  }

  has(id: string): boolean {
    return this.views.has(id);
  }

  get(id: string): PeerView | undefined {
    return this.views.get(id);
  }

  /**
   * Records what the peer said. Adverts of one peer arrive in the order it sent
   * them: heartbeat's replay guard drops anything not newer than what it
   * already accepted, so a reordered older advert never reaches us.
   */
  record(advert: PeerAdvert, resign: boolean, now: number): void {
    const view = this.views.get(advert.from);
    // The core validates `from` before recording; a miss here is a bug in the core.
    if (view === undefined) throw new VipdError('VIPD_E_INTERNAL', `peer table has no entry for ${advert.from}`);
    view.lastHeardAt = now;
    view.priority = resign ? 0 : advert.priority;
    if (!resign) view.advertPriority = advert.priority;
    view.role = resign && advert.role === 'MASTER' ? 'BACKUP' : advert.role;
    view.intervalMs = advert.intervalMs;
  }

  /** The highest-ranked peer heard as MASTER within the window; stale masters are presumed gone. */
  liveMaster(now: number, windowMs: number): { id: string; priority: number } | null {
    const live: Array<{ id: string; priority: number }> = [];
    for (const v of this.views.values()) {
      if (isLive(v, now, windowMs)) live.push({ id: v.id, priority: v.priority ?? 0 });
    }
    return best(live);
  }

  isLiveMaster(id: string, now: number, windowMs: number): boolean {
    const v = this.views.get(id);
    return v !== undefined && isLive(v, now, windowMs);
  }

  /** Peers heard within the window as BACKUP or MASTER with a priority: who could claim a resigned mastership. */
  liveCompetitors(now: number, windowMs: number, except: string): Array<{ id: string; priority: number }> {
    const out: Array<{ id: string; priority: number }> = [];
    for (const v of this.views.values()) {
      if (v.id === except || v.lastHeardAt === null || now - v.lastHeardAt > windowMs) continue;
      const priority = competingPriority(v);
      if ((v.role === 'BACKUP' || v.role === 'MASTER') && priority !== null && priority > 0) out.push({ id: v.id, priority });
    }
    return out;
  }

  /** What each peer would claim a resigned mastership with (competingPriority), for the switchover's prediction. */
  successorViews(): Array<{ readonly id: string; readonly lastHeardAt: number | null; readonly priority: number | null; readonly role: Role | null }> {
    return Array.from(this.views.values(), (v) => ({ id: v.id, lastHeardAt: v.lastHeardAt, priority: competingPriority(v), role: v.role }));
  }

  list(): ReadonlyArray<{ readonly id: string; readonly lastHeardAt: number | null; readonly priority: number | null; readonly role: Role | null }> {
    return Array.from(this.views.values(), (v) => ({ id: v.id, lastHeardAt: v.lastHeardAt, priority: v.priority, role: v.role }));
  }
}

/**
 * A peer whose last word was a resign to BACKUP (it stepped down to us, or
 * handed the group over) competes again with the priority it last
 * advertised; its next heartbeat, an interval on, says so. Read as the
 * resign's 0, a switchover back within that interval was refused, and a third
 * member claimed at once beside it (two masters until the preemption).
 */
function competingPriority(v: PeerView): number | null {
  return v.role === 'BACKUP' && v.priority === 0 ? v.advertPriority : v.priority;
}

function isLive(v: PeerView, now: number, windowMs: number): boolean {
  if (v.role !== 'MASTER' || v.priority === null || v.priority <= 0 || v.lastHeardAt === null) return false;
  return now - v.lastHeardAt <= windowMs;
}
