/** What the election needs from a group's trackers. */
export interface GroupHealth {
  /**
   * Signed sum added to the base priority, keepalived's rule: a positive
   * weight counts while its tracker is up, a negative weight while it is
   * down. Operators migrating keepalived configs keep their numbers.
   */
  readonly penalty: number;
  /** A weight-0 tracker is down: the group must go to FAULT. */
  readonly fault: boolean;
}

export function computeHealth(trackers: ReadonlyArray<{ readonly up: boolean; readonly weight: number }>): GroupHealth {
  let penalty = 0;
  let fault = false;
  for (const t of trackers) {
    if (t.weight > 0 && t.up) penalty += t.weight;
    else if (t.weight < 0 && !t.up) penalty += t.weight;
    else if (t.weight === 0 && !t.up) fault = true;
  }
  return { penalty, fault };
}

export function sameHealth(a: GroupHealth, b: GroupHealth): boolean {
  return a.penalty === b.penalty && a.fault === b.fault;
}
