/**
 * The rise/fall hysteresis of one tracker, as a pure function so the
 * counting rules can be table- and property-tested without timers.
 */
export interface RiseFallState {
  /** The tracker's verdict; starts false (see docs/trackers.md, "Initial state"). */
  readonly up: boolean;
  /** Length of the current streak of identical probe results. */
  readonly consecutive: number;
  /** The latest probe result; null until the first probe settles. */
  readonly lastOk: boolean | null;
}

export const INITIAL_RISE_FALL: RiseFallState = { up: false, consecutive: 0, lastOk: null };

/**
 * Folds one probe result into the state. A down tracker comes up after
 * `rise` consecutive successes; an up tracker goes down after `fall`
 * consecutive failures. Counts below 1 behave as 1.
 */
export function recordResult(state: RiseFallState, ok: boolean, rise: number, fall: number): RiseFallState {
  const consecutive = state.lastOk === ok ? state.consecutive + 1 : 1;
  let up = state.up;
  if (up && !ok && consecutive >= Math.max(1, fall)) up = false;
  else if (!up && ok && consecutive >= Math.max(1, rise)) up = true;
  return { up, consecutive, lastOk: ok };
}
