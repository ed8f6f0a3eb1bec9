import type { AcquisitionKind } from '../../src/election/acquisition';
import type { AcquireReport, RepairReport, VerifyReport, VipOwner } from '../../src/owner/types';
import { GroupRunner } from '../../src/runtime/group-runner';
import { noMetrics, type FailoverPhases, type RuntimeMetrics } from '../../src/runtime/ports';
import { silentLogger } from '../../src/util/logger';
import type { TimerHandle, Timers } from '../../src/util/timers';
import { testGroup } from '../support/config';

/**
 * The failover histograms observe failovers only: a start-up acquisition and
 * a node taking back what it resigned when nobody claimed are counted under
 * vipd_acquire_seconds{kind} but never mixed into the per-phase failover times.
 */
const GROUP = testGroup((g) => void (g.peers = [{ id: 'a', address: '10.0.1.12' }]));

const NO_TIMERS: Timers = { setTimeout: (): TimerHandle => ({}), clearTimeout: () => undefined };

class InstantOwner implements VipOwner {
  async cleanup(): Promise<void> {}
  async acquire(): Promise<AcquireReport> {
    return { timings: { cloudMs: 40, osMs: 5 }, cloudCalls: 1 };
  }
  async release(): Promise<void> {}
  async verify(): Promise<VerifyReport> {
    return { vips: [] };
  }
  async repair(): Promise<RepairReport> {
    return { repairs: [] };
  }
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

function setup(): { runner: GroupRunner; failovers: FailoverPhases[]; acquisitions: AcquisitionKind[]; at: (t: number) => number } {
  let now = 0;
  const failovers: FailoverPhases[] = [];
  const acquisitions: AcquisitionKind[] = [];
  const metrics: RuntimeMetrics = { ...noMetrics, failover: (_g, p) => failovers.push(p), acquired: (_g, kind) => acquisitions.push(kind) };
  const runner = new GroupRunner(GROUP, {
    nodeId: 'b',
    clock: { nowMs: () => now },
    timers: NO_TIMERS,
    logger: silentLogger(),
    owner: new InstantOwner(),
    sender: { sendAdvert: () => undefined, probe: () => undefined },
    hooks: { enqueue: () => undefined, idle: async () => undefined },
    metrics,
    trackers: () => ({ start: () => undefined, stop: () => undefined, health: () => ({ penalty: 0, fault: false }), status: () => [] }),
    ownership: { acquireDeadlineMs: 20_000, reconcileIntervalMs: 3000, retryDelayMs: 1000 },
    ownerFaultHoldMs: 30_000,
    wallSeconds: () => 0,
  });
  return { runner, failovers, acquisitions, at: (t) => (now = t) };
}

const DOWN_MS = 3609.375; // priority 100, interval 1 s, deadAfter 3

describe('failover histograms: failovers only', () => {
  it('the acquisition at start-up (no master heard) is not a failover', async () => {
    const { runner, failovers, acquisitions, at } = setup();
    runner.start(at(0));
    runner.tick(at(DOWN_MS));
    await flush();
    expect(runner.role).toBe('MASTER');
    expect(failovers).toEqual([]);
    expect(acquisitions).toEqual(['initial']);
    expect(runner.status(at(DOWN_MS)).lastFailover).toBeNull();
  });

  it('a master that died is a failover, with its detection time', async () => {
    const { runner, failovers, acquisitions, at } = setup();
    runner.start(at(0));
    runner.onAdvert({ kind: 'advert', from: 'a', priority: 200, role: 'MASTER', intervalMs: 1000 }, at(500));
    runner.tick(at(500 + DOWN_MS));
    await flush();
    expect(acquisitions).toEqual(['failover']);
    expect(failovers).toEqual([{ detectionMs: DOWN_MS, cloudMs: 40, osMs: 5, totalMs: DOWN_MS }]);
  });

  it('taking back after its own resign with nobody claiming is not a failover (the issue: a 22 s "failover" after a refused handover)', async () => {
    const { runner, failovers, acquisitions, at } = setup();
    runner.start(at(0));
    runner.onAdvert({ kind: 'advert', from: 'a', priority: 200, role: 'MASTER', intervalMs: 1000 }, at(500));
    runner.tick(at(500 + DOWN_MS)); // a died: a real failover
    await flush();
    runner.resign(at(20_000)); // a has been dead for 18 s: nobody takes over
    await flush();
    runner.tick(at(20_000 + DOWN_MS));
    await flush();
    expect(runner.role).toBe('MASTER');
    expect(acquisitions).toEqual(['failover', 'initial']);
    expect(failovers).toHaveLength(1);
    expect(runner.status(at(25_000)).lastFailover).toMatchObject({ reason: 'master-down', previousMaster: 'a', detectionMs: DOWN_MS });
  });
});
