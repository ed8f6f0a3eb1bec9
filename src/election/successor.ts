import { best, outranks } from './rank';
import type { Role } from './types';

/** What this node heard from one peer of a group (PeerTable.successorViews). */
export interface HeardPeer {
  readonly id: string;
  readonly lastHeardAt: number | null;
  /** What it would compete with: 0 or null when it would not (a resign to FAULT or STOP, never heard). */
  readonly priority: number | null;
  readonly role: Role | null;
}

export interface SuccessorQuery {
  readonly peers: readonly HeardPeer[];
  readonly now: number;
  /** A peer silent longer than this is presumed gone (the group's master-down interval). */
  readonly liveWindowMs: number;
  /** The node the operator wants as the new master, or null for whoever would win. */
  readonly to: string | null;
}

export type SuccessorVerdict =
  | { readonly ok: true; readonly successor: string; readonly priority: number }
  | { readonly ok: false; readonly reason: string; readonly wouldTakeOver: string | null };

/**
 * Who would claim the mastership this node resigns, decided before it
 * resigns. After a resign, the live BACKUP that outranks every other live
 * competitor claims (docs/election.md); a peer that is silent, in FAULT or
 * maintenance, or stopping claims nothing (one that just stepped down to
 * BACKUP competes again), and with no such peer this node would only
 * take the VIPs back after a full down interval: an outage, not a handover.
 * With `to`, the named peer must be the one that wins that race: the winner
 * is decided by rank alone, so refusing otherwise makes it (and only it) the
 * successor without asking the other backups to hold.
 */
export function switchoverSuccessor(q: SuccessorQuery): SuccessorVerdict {
  const candidates: Array<{ id: string; priority: number }> = [];
  for (const p of q.peers) if (ineligibility(p, q) === null && p.priority !== null) candidates.push({ id: p.id, priority: p.priority });
  const winner = best(candidates);
  if (q.to === null) {
    if (winner !== null) return { ok: true, successor: winner.id, priority: winner.priority };
    const why = q.peers.map((p) => `${p.id} ${ineligibility(p, q) ?? 'is not eligible'}`).join('; ');
    return { ok: false, reason: `no live peer would take over${why ? ` (${why})` : ''}`, wouldTakeOver: null };
  }
  const target = q.peers.find((p) => p.id === q.to);
  if (target === undefined) return { ok: false, reason: `${q.to} is not a peer of this group`, wouldTakeOver: winner?.id ?? null };
  const why = ineligibility(target, q);
  if (why !== null) return { ok: false, reason: `${q.to} would not take over: it ${why}`, wouldTakeOver: winner?.id ?? null };
  if (winner !== null && winner.id !== q.to) {
    const t = { id: target.id, priority: target.priority ?? 0 };
    const tie = winner.priority === t.priority && outranks(winner, t) ? ', equal priority and the smaller node id wins' : '';
    return {
      ok: false,
      reason: `${winner.id} would take over, not ${q.to} (priority ${winner.priority} against ${t.priority}${tie}): raise ${q.to}'s priority or put ${winner.id} in maintenance first`,
      wouldTakeOver: winner.id,
    };
  }
  return { ok: true, successor: target.id, priority: target.priority ?? 0 };
}

/** Why a peer would not claim a resigned mastership now, or null when it would compete. */
function ineligibility(p: HeardPeer, q: SuccessorQuery): string | null {
  if (p.lastHeardAt === null) return 'was never heard since this daemon started';
  const silent = q.now - p.lastHeardAt;
  if (silent > q.liveWindowMs) return `has been silent for ${formatSeconds(silent)} (presumed down after ${formatSeconds(q.liveWindowMs)})`;
  if (p.role === 'FAULT') return 'is in FAULT';
  if (p.role === 'STOP') return 'is stopping';
  if (p.role !== 'BACKUP' && p.role !== 'MASTER') return `is ${p.role ?? 'in an unknown role'}`;
  if (p.priority === null || p.priority <= 0) return 'resigned (priority 0)';
  return null;
}

function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
