import type { TrackerConfig } from '../config/types';

/**
 * One probe of one tracker. Resolves = the target is up; rejects with a
 * VipdError whose message is the reason it is down. Implementations must
 * settle within timeoutMs (GroupTrackers still guards against ones that do not).
 */
export interface TrackerCheck {
  run(timeoutMs: number): Promise<void>;
}

/** Builds the check for one tracker config; throws VIPD_E_CONFIG for a config it cannot probe. */
export type TrackerCheckFactory = (config: TrackerConfig) => TrackerCheck;
