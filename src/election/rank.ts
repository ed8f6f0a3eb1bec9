/**
 * Who wins an election between two nodes: the higher effective priority;
 * on equal priority the node id that sorts first byte-wise (UTF-8) wins.
 *
 * Why the smaller id: both sides must reach the same answer from the same
 * two facts, without any address that may differ per interface or family;
 * the configured node id is the one identity every member already agrees
 * on. Smaller-wins (ucarp's rule, not VRRP's higher-address rule) lets an
 * operator name the preferred node of an equal-priority pair "a"/"node1".
 * Byte order, not localeCompare, so the order never depends on ICU or locale.
 */
export interface Ranked {
  readonly id: string;
  readonly priority: number;
}

export function outranks(a: Ranked, b: Ranked): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  return compareIdBytes(a.id, b.id) < 0;
}

/** Orders by Unicode code point, which is exactly the order of the UTF-8 bytes. */
export function compareIdBytes(a: string, b: string): number {
  const ca = Array.from(a, (ch) => ch.codePointAt(0) ?? 0);
  const cb = Array.from(b, (ch) => ch.codePointAt(0) ?? 0);
  const n = Math.min(ca.length, cb.length);
  for (let i = 0; i < n; i++) {
    const x = ca[i] ?? 0;
    const y = cb[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return ca.length - cb.length;
}

/** The highest-ranked of several candidates, or null when there are none. */
export function best<T extends Ranked>(candidates: Iterable<T>): T | null {
  let top: T | null = null;
  for (const c of candidates) if (top === null || outranks(c, top)) top = c;
  return top;
}
