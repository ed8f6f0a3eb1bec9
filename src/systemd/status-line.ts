import type { Role } from '../election/types';

/**
 * systemd's STATUS= after a role change (`systemctl status vipd` shows it):
 * every group with this node's role, in configuration order, e.g.
 * "web: MASTER, db: BACKUP". Independent of how the text reaches systemd.
 */
export function rolesStatusLine(roles: ReadonlyArray<{ readonly group: string; readonly role: Role }>): string {
  if (roles.length === 0) return 'no groups';
  return roles.map((r) => `${r.group}: ${r.role}`).join(', ');
}
