import type { ElectionOutput, Role } from '../election/types';
import type { Logger } from '../util/logger';
import type { RuntimeMetrics } from './ports';

export type Transition = Extract<ElectionOutput, { type: 'transition' }>;

/**
 * Each transition of a group said once and counted: one log line in one
 * wording (this node's own MASTER included: one pattern to search and alert
 * on), the transition and priority metrics, and what status shows of it
 * (the role's start, the last transition, when the view of the host was
 * last invalidated by a change of role or ownership).
 */
export class TransitionLog {
  private since = 0;
  private last: { at: number; from: Role; to: Role; reason: string; peer: string | null } | null = null;
  private invalidatedAt = 0;

  constructor(private readonly deps: { readonly log: Logger; readonly metrics: RuntimeMetrics }) {}

  get roleSinceAt(): number {
    return this.since;
  }

  get lastTransition(): { at: number; from: Role; to: Role; reason: string; peer: string | null } | null {
    return this.last;
  }

  /** Monotonic ms of the last role or ownership change: a view of the host from before it is history. */
  get viewInvalidatedAt(): number {
    return this.invalidatedAt;
  }

  started(now: number): void {
    this.since = now;
  }

  record(group: string, t: Transition): void {
    this.since = t.at;
    this.invalidatedAt = t.at;
    const peer = t.peer ?? null;
    this.last = { at: t.at, from: t.from, to: t.to, reason: t.reason, peer };
    this.deps.log.info({ event: 'transition', from: t.from, to: t.to, reason: t.reason, peer }, `group ${group}: ${t.from} -> ${t.to} (${t.reason})`);
    this.deps.metrics.transition(group, t.from, t.to);
    this.deps.metrics.setPriority(group, t.priority.base, t.priority.maintenance ? 0 : t.priority.effective);
  }

  ownershipChanged(at: number): void {
    this.invalidatedAt = at;
  }
}
