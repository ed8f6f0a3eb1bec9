import type { TransitionReason } from './types';

/**
 * Why this node is acquiring the VIPs, for the failover histograms: only a
 * takeover from another master is a failover. `initial`: no master was lost
 * (the group's first master after start-up, or this node taking back what
 * it resigned or gave up in maintenance when nobody else claimed); the
 * VIPs did not move between nodes, so its times would skew "mean per
 * phase". `reassert`: the acquire ran again while already MASTER (the cloud
 * showed the VIPs elsewhere).
 */
export type AcquisitionKind = 'failover' | 'initial' | 'reassert';

export const ACQUISITION_KINDS: readonly AcquisitionKind[] = ['failover', 'initial', 'reassert'];

/**
 * What a transition to MASTER tells the shell about the takeover it starts:
 * the failover phases are measured from `lastMasterAdvertAt` (the old
 * master's last word heard here) and `at` (the decision).
 */
export interface MasterClaim {
  readonly kind: Exclude<AcquisitionKind, 'reassert'>;
  readonly reason: TransitionReason;
  /** The master this node replaced, when one was lost. */
  readonly previousMaster: string | null;
  /** Last advert heard from the believed master before the claim; null when none was heard. */
  readonly lastMasterAdvertAt: number | null;
}

/** `claim`: the transition to MASTER this acquire serves (its reason and the master it replaced), or null. */
export function acquisitionKind(claim: { readonly reason: TransitionReason | string; readonly previousMaster: string | null } | null): AcquisitionKind {
  if (claim === null) return 'reassert';
  // The core names the lost master on master-down; none means there was none to lose.
  if (claim.reason === 'master-down' && claim.previousMaster === null) return 'initial';
  return 'failover';
}
