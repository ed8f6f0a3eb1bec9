/**
 * When a scenario's pair has settled: not one look that happens to show a
 * single master (the second node may start first, claim, and be preempted a
 * moment later by the first), but the same master, agreed by every node,
 * across a window of looks at least `stableMs` long (two master-down
 * intervals), with no role change anywhere in between. A backup that stays
 * BACKUP for a whole down interval has been hearing a master; the window
 * makes that true of every backup, and the belief check names which master.
 * Pure: the scenario records the looks, this decides.
 */
export interface NodeView {
  /** Role after the node's last logged change; null before its first. */
  readonly role: string | null;
  /** For a MASTER: its VIPs are configured (a master in name only serves nothing). */
  readonly serving: boolean;
  /** Role changes logged so far: a change between two looks shows as a different count. */
  readonly changes: number;
  /** The node name it believes is master (itself included); null: none; absent: the daemon does not say. */
  readonly believes?: string | null;
}

export interface Observation {
  /** Monotonic ms of the look. */
  readonly atMs: number;
  /** Node i + 1's view at index i. */
  readonly nodes: readonly NodeView[];
}

export interface SettleRule {
  /** How long the same agreed master must hold (two master-down intervals). */
  readonly stableMs: number;
  /** Looks further apart than this break the window (a stalled observer could miss a flap). */
  readonly maxGapMs: number;
}

/** The node (1-based) that is the one serving MASTER in this look, with every other node BACKUP and believing it; else null. */
export function agreedMaster(nodes: readonly NodeView[], names: readonly string[]): number | null {
  const masters = nodes.flatMap((v, k) => (v.role === 'MASTER' ? [k] : []));
  if (masters.length !== 1) return null;
  const m = masters[0]!;
  if (!nodes[m]!.serving) return null;
  const name = names[m];
  for (const v of nodes) {
    if (v.role !== 'MASTER' && v.role !== 'BACKUP') return null;
    if (v.believes !== undefined && v.believes !== name) return null;
  }
  return m + 1;
}

/** The settled master (1-based) after the latest look, or null while the pair has not settled. */
export function steadyMaster(history: readonly Observation[], names: readonly string[], rule: SettleRule): number | null {
  const last = history[history.length - 1];
  if (last === undefined) return null;
  const master = agreedMaster(last.nodes, names);
  if (master === null) return null;
  let since = last.atMs;
  for (let i = history.length - 2; i >= 0; i--) {
    const look = history[i]!;
    if (history[i + 1]!.atMs - look.atMs > rule.maxGapMs) break;
    if (agreedMaster(look.nodes, names) !== master || !sameChanges(look.nodes, last.nodes)) break;
    since = look.atMs;
  }
  return last.atMs - since >= rule.stableMs ? master : null;
}

function sameChanges(a: readonly NodeView[], b: readonly NodeView[]): boolean {
  return a.length === b.length && a.every((v, k) => v.changes === b[k]!.changes);
}
