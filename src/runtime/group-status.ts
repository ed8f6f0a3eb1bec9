import type { ElectionStatus, Role } from '../election/types';
import type { VipdError } from '../errors';
import type { VerifyReport } from '../owner/types';
import type { FailoverRecord } from './failover';
import type { TrackerSet } from './ports';

/**
 * A peer as status shows it. `role` is what it advertises now: null once it
 * has been silent past the down interval (`live` false), when only
 * `lastRole` and how long ago it was heard remain true.
 */
export interface PeerStatus {
  readonly id: string;
  readonly live: boolean;
  readonly role: Role | null;
  readonly lastRole: Role | null;
  readonly priority: number | null;
  readonly lastHeardAt: number | null;
  /** Wall-clock time (ISO 8601) of the last advert heard; null = never since this start. */
  readonly lastHeard: string | null;
  readonly silentForMs: number | null;
}

/**
 * The OS and cloud view of the group's VIPs from the last check. `fresh`
 * only when taken after the last role or ownership change and within two
 * reconcile intervals: anything else is history, shown with its age.
 */
export interface VerifyStatus extends VerifyReport {
  readonly at: string;
  readonly ageMs: number;
  readonly fresh: boolean;
  /** This node's role when the view was taken. */
  readonly takenAs: Role;
}

export interface GroupStatus {
  readonly name: string;
  readonly id: number;
  readonly election: Omit<ElectionStatus, 'peers'> & { readonly peers: readonly PeerStatus[] };
  readonly settings: {
    readonly interface: string;
    readonly intervalMs: number;
    readonly deadAfter: number;
    readonly preempt: boolean;
    readonly preemptDelayMs: number;
  };
  /** Wall-clock time (ISO 8601) this node entered its current role. */
  readonly roleSince: string;
  readonly lastTransition: { readonly at: string; readonly from: Role; readonly to: Role; readonly reason: string; readonly peer: string | null } | null;
  readonly vips: readonly string[];
  readonly ownership: { readonly wanted: string; readonly applied: string; readonly lastError: ReturnType<VipdError['toJSON']> | null };
  readonly lastFailover: (FailoverRecord & { readonly atTime: string }) | null;
  readonly lastVerify: VerifyStatus | null;
  readonly splitBrainSuspected: boolean;
  readonly trackers: ReturnType<TrackerSet['status']>;
}

/** What the runner knows of its group at one moment, in monotonic ms; status turns it into the document. */
export interface GroupStatusInput {
  readonly group: {
    readonly name: string;
    readonly id: number;
    readonly interface: string;
    readonly intervalMs: number;
    readonly deadAfter: number;
    readonly preempt: boolean;
    readonly preemptDelayMs: number;
  };
  readonly vips: readonly string[];
  readonly election: ElectionStatus;
  readonly roleSinceAt: number;
  readonly lastTransition: { readonly at: number; readonly from: Role; readonly to: Role; readonly reason: string; readonly peer: string | null } | null;
  readonly ownership: { readonly wanted: string; readonly applied: string; readonly lastError: VipdError | null };
  readonly lastFailover: FailoverRecord | null;
  readonly lastVerify: { readonly report: VerifyReport; readonly at: number; readonly role: Role } | null;
  /** Monotonic ms of the last role or ownership change: a view of the host from before it is history. */
  readonly viewInvalidatedAt: number;
  /** A view older than this is not fresh (two reconcile intervals and a second). */
  readonly freshForMs: number;
  readonly splitBrainSuspected: boolean;
  readonly trackers: ReturnType<TrackerSet['status']>;
}

/** The status document of one group; wall-clock times are derived from `wallMs` at `now` (never used for timing). */
export function buildGroupStatus(s: GroupStatusInput, now: number, wallMs: number): GroupStatus {
  const iso = (at: number): string => new Date(wallMs - (now - at)).toISOString();
  const downAfter = s.election.peerDownAfterMs ?? Infinity;
  const peers = s.election.peers.map((p): PeerStatus => {
    const silentForMs = p.lastHeardAt === null ? null : now - p.lastHeardAt;
    const live = silentForMs !== null && silentForMs <= downAfter;
    return { ...p, live, role: live ? p.role : null, lastRole: p.role, lastHeard: p.lastHeardAt === null ? null : iso(p.lastHeardAt), silentForMs };
  });
  const g = s.group;
  const v = s.lastVerify;
  return {
    name: g.name,
    id: g.id,
    election: { ...s.election, peers },
    settings: { interface: g.interface, intervalMs: g.intervalMs, deadAfter: g.deadAfter, preempt: g.preempt, preemptDelayMs: g.preemptDelayMs },
    roleSince: iso(s.roleSinceAt),
    lastTransition: s.lastTransition === null ? null : { ...s.lastTransition, at: iso(s.lastTransition.at) },
    vips: s.vips,
    ownership: { wanted: s.ownership.wanted, applied: s.ownership.applied, lastError: s.ownership.lastError?.toJSON() ?? null },
    lastFailover: s.lastFailover === null ? null : { ...s.lastFailover, atTime: iso(s.lastFailover.at) },
    lastVerify:
      v === null
        ? null
        : {
            ...v.report,
            at: iso(v.at),
            ageMs: now - v.at,
            fresh: v.at >= s.viewInvalidatedAt && v.role === s.election.role && now - v.at <= s.freshForMs,
            takenAs: v.role,
          },
    splitBrainSuspected: s.splitBrainSuspected,
    trackers: s.trackers,
  };
}
