/**
 * Which routing tables vipd's policy routing uses: tableBase + groupId * 32
 * + vipIndex. Lives in config/ because it is a function of config numbers
 * only, and both the config checker and the OS layer need it.
 */
export const TABLES_PER_GROUP = 32;

export function tableFor(tableBase: number, groupId: number, vipIndex: number): number {
  return tableBase + groupId * TABLES_PER_GROUP + vipIndex;
}

export function groupTableRange(tableBase: number, groupId: number): { first: number; last: number } {
  const first = tableFor(tableBase, groupId, 0);
  return { first, last: first + TABLES_PER_GROUP - 1 };
}
