import type { VipOwner } from '../../src/owner/types';
import type { GroupRunnerDeps } from '../../src/runtime/group-runner';
import { noMetrics } from '../../src/runtime/ports';
import { silentLogger } from '../../src/util/logger';
import type { Timers } from '../../src/util/timers';

/** Timers that never fire: for tests that drive the runner by ticks only. */
const inertTimers: Timers = { setTimeout: () => ({}), clearTimeout: () => undefined };

/**
 * The deps of a GroupRunner driven by hand in a unit test: node `a`, a clock at
 * 0, inert sender, hooks and trackers, no metrics, the daemon's ownership
 * timings. A test overrides what it looks at (timers, logger, metrics...).
 */
export function testRunnerDeps(owner: VipOwner, overrides: Partial<GroupRunnerDeps> = {}): GroupRunnerDeps {
  return {
    nodeId: 'a',
    clock: { nowMs: () => 0 },
    timers: inertTimers,
    logger: silentLogger(),
    owner,
    sender: { sendAdvert: () => undefined, probe: () => undefined },
    hooks: { enqueue: () => undefined, idle: async () => undefined },
    metrics: noMetrics,
    trackers: () => ({ start: () => undefined, stop: () => undefined, health: () => ({ penalty: 0, fault: false }), status: () => [] }),
    ownership: { acquireDeadlineMs: 20_000, reconcileIntervalMs: 3000, retryDelayMs: 1000 },
    ownerFaultHoldMs: 30_000,
    wallSeconds: () => 1_700_000_000,
    ...overrides,
  };
}
