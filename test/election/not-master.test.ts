import { ElectionCore } from '../../src/election/core';
import type { ElectionOptions, NotMaster } from '../../src/election/types';

/** status().notMaster: why this node is not MASTER, for `vipd status` (pure: same inputs, same answer). */
const base: ElectionOptions = { nodeId: 'a', peers: ['b'], priority: 200, preempt: true, preemptDelayMs: 0, intervalMs: 100, deadAfter: 3 };

function masterAdvert(core: ElectionCore, priority: number, at: number): void {
  core.step({ kind: 'advert', from: 'b', priority, role: 'MASTER', intervalMs: 100 }, at);
}

function why(core: ElectionCore, now: number): NotMaster | null | undefined {
  return core.status(now).notMaster;
}

describe('ElectionCore status: notMaster', () => {
  it('is null as MASTER, "waiting" with the claim time before any master is heard, "starting" before start', () => {
    const core = new ElectionCore(base);
    expect(why(core, 0)).toEqual({ reason: 'starting', peer: null, untilAt: null });
    core.start(0);
    const w = why(core, 10);
    expect(w?.reason).toBe('waiting');
    expect(w?.untilAt).toBe(core.status(10).timers?.downAt);
    core.tick(1000);
    expect(core.role).toBe('MASTER');
    expect(why(core, 1000)).toBeNull();
  });

  it('"outranked" under a higher master', () => {
    const core = new ElectionCore({ ...base, priority: 100 });
    core.start(0);
    masterAdvert(core, 150, 10);
    expect(why(core, 20)).toEqual({ reason: 'outranked', peer: 'b', untilAt: null });
  });

  it('"nopreempt" when it outranks the master but preempt is off', () => {
    const core = new ElectionCore({ ...base, preempt: false });
    core.start(0);
    masterAdvert(core, 100, 10);
    expect(why(core, 20)).toEqual({ reason: 'nopreempt', peer: 'b', untilAt: null });
  });

  it('"preempt-delay" with the time it takes over', () => {
    const core = new ElectionCore({ ...base, preemptDelayMs: 5000 });
    core.start(0);
    masterAdvert(core, 100, 10);
    expect(why(core, 20)).toEqual({ reason: 'preempt-delay', peer: 'b', untilAt: 5010 });
  });

  it('"held-after-switchover" after resigning to a lower peer', () => {
    const core = new ElectionCore(base);
    core.start(0);
    core.tick(1000);
    expect(core.role).toBe('MASTER');
    core.resign(1010);
    masterAdvert(core, 100, 1300);
    expect(core.role).toBe('BACKUP');
    expect(why(core, 1310)).toEqual({ reason: 'held-after-switchover', peer: 'b', untilAt: null });
  });

  it('"maintenance" and "fault" win over everything else', () => {
    const core = new ElectionCore(base);
    core.start(0);
    masterAdvert(core, 100, 10);
    core.setMaintenance(true, 20);
    expect(why(core, 30)?.reason).toBe('maintenance');
    core.setMaintenance(false, 40);
    core.setHealth({ penalty: 0, fault: true }, 50);
    expect(core.role).toBe('FAULT');
    expect(why(core, 60)?.reason).toBe('fault');
  });
});
