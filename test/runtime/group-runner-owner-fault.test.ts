import type { Role } from '../../src/election/types';
import { VipdError } from '../../src/errors';
import type { AcquireReport, RepairReport, VerifyReport, VipOwner } from '../../src/owner/types';
import { GroupRunner } from '../../src/runtime/group-runner';
import { noMetrics } from '../../src/runtime/ports';
import { silentLogger } from '../../src/util/logger';
import type { TimerHandle, Timers } from '../../src/util/timers';
import { testGroup } from '../support/config';

/**
 * A permanent owner error holds the group in FAULT for ownerFaultHoldMs.
 * The hold is the election core's deadline, ended by a tick like the down
 * timer: the timers given here never fire, so a hold kept on a shell timer
 * would never end.
 */
const GROUP = testGroup((g) => void (g.peers = [{ id: 'a', address: '10.0.1.12' }]));

const NEVER_FIRES: Timers = { setTimeout: (): TimerHandle => ({}), clearTimeout: () => undefined };

class RefusingOwner implements VipOwner {
  acquires = 0;
  async cleanup(): Promise<void> {}
  async acquire(): Promise<AcquireReport> {
    this.acquires++;
    throw new VipdError('VIPD_E_CLOUD_PERMISSION', 'not authorized to assign');
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

describe('GroupRunner: the owner-fault hold', () => {
  it('FAULT until the hold deadline (the core says when), then the node competes again', async () => {
    let now = 0;
    const transitions: string[] = [];
    const owner = new RefusingOwner();
    const runner = new GroupRunner(GROUP, {
      nodeId: 'b',
      clock: { nowMs: () => now },
      timers: NEVER_FIRES,
      logger: silentLogger(),
      owner,
      sender: { sendAdvert: () => undefined, probe: () => undefined },
      hooks: { enqueue: () => undefined, idle: async () => undefined },
      metrics: { ...noMetrics, transition: (_g: string, from: Role, to: Role) => void transitions.push(`${from}->${to}`) },
      trackers: () => ({ start: () => undefined, stop: () => undefined, health: () => ({ penalty: 0, fault: false }), status: () => [] }),
      ownership: { acquireDeadlineMs: 20_000, reconcileIntervalMs: 3000, retryDelayMs: 1000 },
      ownerFaultHoldMs: 10_000,
      wallSeconds: () => 0,
    });
    runner.start(0);
    now = 3609.375;
    runner.tick(now);
    await flush();
    expect(owner.acquires).toBe(1);
    expect(runner.role).toBe('FAULT');
    expect(runner.nextDeadline()).toBeLessThanOrEqual(now + 10_000);
    expect(runner.status(now).election.timers?.ownerFaultUntil).toBe(now + 10_000);

    // No new attempt during the hold, whatever ticks come.
    now = 3609.375 + 9_999;
    runner.tick(now);
    await flush();
    expect(runner.role).toBe('FAULT');

    now = 3609.375 + 10_000;
    runner.tick(now);
    expect(runner.role).toBe('BACKUP');
    expect(transitions).toEqual(['INIT->BACKUP', 'BACKUP->MASTER', 'MASTER->FAULT', 'FAULT->BACKUP']);
    await runner.stop(now);
  });
});
