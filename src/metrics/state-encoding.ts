import type { Role } from '../election/types';

/**
 * vipd_state values. 0-3 are the keepalived exporters' encoding so existing
 * dashboards and alerts (`keepalived_vrrp_state == 2`) carry over; STOP uses
 * keepalived's own internal value (VRRP_STATE_STOP = 98), which is what those
 * exporters report for a stopped instance.
 */
export const STATE_VALUE: Readonly<Record<Role, number>> = Object.freeze({
  INIT: 0,
  BACKUP: 1,
  MASTER: 2,
  FAULT: 3,
  STOP: 98,
});

export const ROLES: readonly Role[] = Object.freeze(['INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP'] as const);
