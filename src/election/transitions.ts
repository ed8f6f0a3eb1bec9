import type { Role, TransitionReason } from './types';

/**
 * Every transition the core may make, as a From x To table (keepalived's
 * vrrp_scheduler shape). The core checks each transition against it, so a
 * logic slip surfaces as an error instead of an unexplained state; tests
 * and docs read the same table.
 */
export const TRANSITIONS: ReadonlyArray<{ readonly from: Role; readonly to: Role; readonly reasons: readonly TransitionReason[] }> = [
  { from: 'INIT', to: 'BACKUP', reasons: ['start'] },
  { from: 'INIT', to: 'FAULT', reasons: ['tracker-fault'] },
  { from: 'INIT', to: 'STOP', reasons: ['admin-stop'] },
  { from: 'BACKUP', to: 'MASTER', reasons: ['master-down', 'peer-resigned', 'peer-refused', 'preempting'] },
  { from: 'BACKUP', to: 'FAULT', reasons: ['tracker-fault'] },
  { from: 'BACKUP', to: 'STOP', reasons: ['admin-stop'] },
  { from: 'MASTER', to: 'BACKUP', reasons: ['preempted', 'admin-resign', 'cloud-outranked', 'stall'] },
  { from: 'MASTER', to: 'FAULT', reasons: ['tracker-fault'] },
  { from: 'MASTER', to: 'STOP', reasons: ['admin-stop'] },
  { from: 'FAULT', to: 'BACKUP', reasons: ['tracker-recovered'] },
  { from: 'FAULT', to: 'STOP', reasons: ['admin-stop'] },
];

export function isAllowedTransition(from: Role, to: Role, reason: TransitionReason): boolean {
  return TRANSITIONS.some((t) => t.from === from && t.to === to && t.reasons.includes(reason));
}
