import type { AcquireReport, RepairReport, VerifyReport, VipOwner } from '../../src/owner/types';
import { GroupRunner } from '../../src/runtime/group-runner';
import type { TimerHandle, Timers } from '../../src/util/timers';
import { testGroup } from '../support/config';
import { testRunnerDeps } from '../support/group-runner';

/**
 * The cloud check a node runs while it has yielded to a holder (docs/election.md,
 * "Cloud arbitration"): once the block ends, a check still pending or in flight must
 * not deliver its read, which names the old master, to a node that has since claimed.
 */
class HandTimers implements Timers {
  pending: Array<{ fn: () => void; ms: number; handle: TimerHandle }> = [];
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = {};
    this.pending.push({ fn, ms, handle });
    return handle;
  }
  clearTimeout(handle: TimerHandle): void {
    this.pending = this.pending.filter((p) => p.handle !== handle);
  }
  fire(ms: number): number {
    const due = this.pending.filter((p) => p.ms === ms);
    this.pending = this.pending.filter((p) => p.ms !== ms);
    for (const p of due) p.fn();
    return due.length;
  }
}

const HELD_BY_A: VerifyReport = {
  vips: [{ address: '10.0.1.50', cloud: { kind: 'other', instanceId: 'i-a', nodeId: 'a', primaryAddress: '10.0.1.11' }, os: null }],
};

class GatedAcquireOwner implements VipOwner {
  readonly log: string[] = [];
  private gates: Array<() => void> = [];
  verifyAnswer: VerifyReport = HELD_BY_A;
  async cleanup(): Promise<void> {}
  acquire(): Promise<AcquireReport> {
    this.log.push('acquire');
    return new Promise((resolve) => this.gates.push(() => resolve({ timings: { cloudMs: 0, osMs: 0 }, cloudCalls: 1 })));
  }
  openGate(): void {
    this.gates.shift()?.();
  }
  async release(): Promise<void> {
    this.log.push('release');
  }
  async verify(): Promise<VerifyReport> {
    this.log.push('verify');
    return this.verifyAnswer;
  }
  async repair(): Promise<RepairReport> {
    return { repairs: [] };
  }
}

const GROUP = testGroup((g) => void (g.peers = [{ id: 'a', address: '10.0.1.12' }]));

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

describe('GroupRunner: the cloud check while yielded', () => {
  it('a check pending when the block ends is dropped: the node that then claims keeps its mastership', async () => {
    let now = 0;
    const timers = new HandTimers();
    const owner = new GatedAcquireOwner();
    const runner = new GroupRunner(GROUP, testRunnerDeps(owner, { nodeId: 'b', clock: { nowMs: () => now }, timers, wallSeconds: () => 0 }));
    runner.start(now);
    runner.onAdvert({ kind: 'advert', from: 'a', priority: 200, role: 'MASTER', intervalMs: 1000 }, (now = 10));
    // Partition: a goes silent, b claims and acquires; its verify shows a (200) holding the VIP: b yields.
    runner.tick((now = 5000));
    await flush();
    owner.openGate();
    await flush();
    timers.fire(3000);
    await flush();
    expect(runner.status(now).election.role).toBe('BACKUP');
    expect(runner.status(now).election.claimBlockedBy).toBe('a');
    // Healed: b hears a again (block over); then a resigns and b claims at once.
    runner.onAdvert({ kind: 'advert', from: 'a', priority: 200, role: 'MASTER', intervalMs: 1000 }, (now = 5500));
    expect(runner.status(now).election.claimBlockedBy).toBeNull();
    runner.onAdvert({ kind: 'resign', from: 'a', priority: 0, role: 'STOP', intervalMs: 1000 }, (now = 6000));
    runner.tick((now = 6001));
    expect(runner.status(now).election.role).toBe('MASTER');
    const verifiesBefore = owner.log.filter((l) => l === 'verify').length;
    // Whatever 3 s timers are due now (the old watch must be gone), the cloud still shows a while b acquires.
    timers.fire(3000);
    await flush();
    expect(runner.status(now).election.role).toBe('MASTER');
    expect(runner.status(now).election.claimBlockedBy).toBeNull();
    expect(owner.log.filter((l) => l === 'verify').length).toBe(verifiesBefore);
    owner.openGate();
    await flush();
    expect(runner.status(now).ownership.applied).toBe('active');
  });
});
