/**
 * Monotonic time for the shell. Wall-clock time (Date) never drives timing:
 * a clock step must not fire or delay a failover.
 */
export interface MonotonicClock {
  /** Milliseconds from an arbitrary origin; never goes backwards. */
  nowMs(): number;
}

export const processClock: MonotonicClock = {
  nowMs: () => Number(process.hrtime.bigint()) / 1e6,
};
