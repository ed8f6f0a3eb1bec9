/**
 * Which routing tables vipd's policy routing uses: tableBase + groupId * 32
 * + vipIndex, and which numbers belong to other tools. The OS layer owns
 * these numbers; the config checker (config/semantics.ts) refuses a
 * configuration that would collide with them, reading them from here.
 */
export const TABLES_PER_GROUP = 32;

export function tableFor(tableBase: number, groupId: number, vipIndex: number): number {
  return tableBase + groupId * TABLES_PER_GROUP + vipIndex;
}

export function groupTableRange(tableBase: number, groupId: number): { first: number; last: number } {
  const first = tableFor(tableBase, groupId, 0);
  return { first, last: first + TABLES_PER_GROUP - 1 };
}

/** A range of routing numbers another tool owns (OS agents rewrite them; docs/configuration.md explains). */
export interface ReservedRange {
  readonly from: number;
  readonly to: number;
  readonly owner: string;
}

export const RESERVED_TABLES: readonly ReservedRange[] = [
  { from: 10, to: 255, owner: 'oci-utils (tables 10-254) and the kernel (253 default, 254 main, 255 local)' },
  { from: 10_000, to: 11_999, owner: 'amazon-ec2-net-utils (10000 + 100 x card + device)' },
];
export const RESERVED_RULE_PRIORITIES: readonly ReservedRange[] = [
  { from: 10, to: 254, owner: 'oci-utils (10-254)' },
  { from: 10_000, to: 11_999, owner: 'amazon-ec2-net-utils (10000 + 100 x card + device)' },
];
