import { VipdError } from '../errors';
import type { VipGroup } from '../util/vip-group';

/**
 * Routing numbers vipd owns. Every rule and route vipd adds carries
 * VIPD_PROTOCOL, so orphan cleanup and release find exactly ours and never
 * touch rules written by amazon-ec2-net-utils, oci-utils, DHCP clients or
 * the administrator. 86 is unassigned in iproute2's rt_protos (GCP's guest
 * agent uses 66, keepalived 18, routing daemons 186-192).
 */
export const VIPD_PROTOCOL = 86;

export { TABLES_PER_GROUP, groupTableRange, tableFor } from './routing-numbers';
import { RESERVED_TABLES, TABLES_PER_GROUP, groupTableRange } from './routing-numbers';

/** The same reserved ranges the config checker refuses (oci-utils, kernel, amazon-ec2-net-utils). */
const FOREIGN_TABLES: readonly { first: number; last: number; owner: string }[] = RESERVED_TABLES.map((r) => ({ first: r.from, last: r.to, owner: r.owner }));
const MAX_TABLE = 0xffffffff;

/** Throws VIPD_E_CONFIG when a group has too many VIPs or a table lands in someone else's range. */
export function checkNumbering(groups: readonly VipGroup[], tableBase: number, rulePriority: number): void {
  const problems: string[] = [];
  if (!Number.isInteger(rulePriority) || rulePriority < 1 || rulePriority > 32765) {
    problems.push(`os.rulePriority ${rulePriority} must be 1-32765 so the rule is evaluated before the main table (32766)`);
  }
  for (const g of groups) {
    if (g.vips.length > TABLES_PER_GROUP) {
      problems.push(`group ${g.name} has ${g.vips.length} VIPs; policy routing supports ${TABLES_PER_GROUP} per group`);
      continue;
    }
    const { first, last } = groupTableRange(tableBase, g.id);
    if (!Number.isInteger(first) || first < 1 || last > MAX_TABLE || (first <= 255 && last >= 253)) {
      problems.push(`group ${g.name}: tables ${first}-${last} are out of range`);
      continue;
    }
    for (const f of FOREIGN_TABLES) {
      if (first <= f.last && last >= f.first) {
        problems.push(`group ${g.name}: tables ${first}-${last} overlap ${f.first}-${f.last} used by ${f.owner}; change os.tableBase`);
      }
    }
  }
  if (problems.length > 0) {
    throw new VipdError('VIPD_E_CONFIG', `policy routing numbering: ${problems.join('; ')}`, { details: { problems } });
  }
}
