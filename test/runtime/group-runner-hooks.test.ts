import type { AcquireReport, RepairReport, VerifyReport, VipOwner } from '../../src/owner/types';
import { GroupRunner } from '../../src/runtime/group-runner';
import { noMetrics } from '../../src/runtime/ports';
import { silentLogger } from '../../src/util/logger';
import type { TimerHandle, Timers } from '../../src/util/timers';
import { testGroup } from '../support/config';

/**
 * Hook order (keepalived's, promised by docs/trackers.md): master runs once
 * the VIPs are ready, backup/fault/stop once they are released. The owner
 * is gated by hand, so "ready" and "released" happen exactly when the test
 * says; the log interleaves owner completions and hook enqueues.
 */
const GROUP = testGroup((g) => {
  g.peers = [{ id: 'a', address: '10.0.1.12' }];
  g.notify = { master: ['/m'], backup: ['/b'], fault: ['/f'], stop: ['/s'] };
});

const NO_TIMERS: Timers = { setTimeout: (): TimerHandle => ({}), clearTimeout: () => undefined };

class GatedOwner implements VipOwner {
  private gates: Array<() => void> = [];
  constructor(private readonly log: string[]) {}
  async cleanup(): Promise<void> {}
  acquire(): Promise<AcquireReport> {
    return new Promise((resolve) => this.gates.push(() => (this.log.push('VIPs ready'), resolve({ timings: { cloudMs: 0, osMs: 0 }, cloudCalls: 0 }))));
  }
  release(): Promise<void> {
    return new Promise((resolve) => this.gates.push(() => (this.log.push('VIPs released'), resolve())));
  }
  async verify(): Promise<VerifyReport> {
    return { vips: [] };
  }
  async repair(): Promise<RepairReport> {
    return { repairs: [] };
  }
  open(): void {
    this.gates.shift()?.();
  }
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

function setup(): { runner: GroupRunner; owner: GatedOwner; log: string[]; health: (fault: boolean, at: number) => void } {
  let now = 0;
  const log: string[] = [];
  const owner = new GatedOwner(log);
  let onChange: (h: { penalty: number; fault: boolean }) => void = () => undefined;
  const runner = new GroupRunner(GROUP, {
    nodeId: 'b',
    clock: { nowMs: () => now },
    timers: NO_TIMERS,
    logger: silentLogger(),
    owner,
    sender: { sendAdvert: () => undefined, probe: () => undefined },
    hooks: { enqueue: (job) => log.push(`hook ${job.event}`), idle: async () => undefined },
    metrics: noMetrics,
    trackers: (_g, cb) => {
      onChange = cb;
      return { start: () => undefined, stop: () => undefined, health: () => ({ penalty: 0, fault: false }), status: () => [] };
    },
    ownership: { acquireDeadlineMs: 20_000, reconcileIntervalMs: 3000, retryDelayMs: 1000 },
    ownerFaultHoldMs: 30_000,
    wallSeconds: () => 0,
  });
  const health = (fault: boolean, at: number): void => {
    now = at;
    onChange({ penalty: 0, fault });
  };
  return { runner, owner, log, health };
}

describe('GroupRunner: hooks run after the VIPs changed', () => {
  it('master after ready; backup (resign), fault and stop after released', async () => {
    const { runner, owner, log, health } = setup();
    runner.start(0);
    expect(log).toEqual(['hook backup']); // start: nothing held, nothing to release
    runner.tick(3609.375);
    await flush();
    expect(log).toEqual(['hook backup']);
    owner.open();
    await flush();
    expect(log).toEqual(['hook backup', 'VIPs ready', 'hook master']);

    runner.resign(5000);
    await flush();
    expect(log.at(-1)).toBe('hook master');
    owner.open();
    await flush();
    expect(log.slice(-2)).toEqual(['VIPs released', 'hook backup']);

    // Master again (nobody claimed), then a tracker fault: the fault hook waits for the release.
    runner.tick(5000 + 3609.375);
    await flush();
    owner.open();
    await flush();
    expect(log.slice(-2)).toEqual(['VIPs ready', 'hook master']);
    health(true, 9000);
    await flush();
    expect(log.at(-1)).toBe('hook master');
    owner.open();
    await flush();
    expect(log.slice(-2)).toEqual(['VIPs released', 'hook fault']);

    health(false, 9500); // FAULT -> BACKUP: already released, runs at once
    await flush();
    expect(log.at(-1)).toBe('hook backup');
  });

  it('stop on a master: the stop hook after the release', async () => {
    const { runner, owner, log } = setup();
    runner.start(0);
    runner.tick(3609.375);
    await flush();
    owner.open();
    await flush();
    const stopped = runner.stop(5000);
    await flush();
    expect(log.at(-1)).toBe('hook master');
    owner.open();
    await stopped;
    expect(log.slice(-2)).toEqual(['VIPs released', 'hook stop']);
  });

  it('a mastership abandoned before the VIPs were ready still runs its hook, before the next one, in order', async () => {
    const { runner, owner, log } = setup();
    runner.start(0);
    runner.tick(3609.375); // claims; acquire in flight
    await flush();
    runner.onAdvert({ kind: 'advert', from: 'a', priority: 200, role: 'MASTER', intervalMs: 1000 }, 3700); // preempted mid-acquire
    await flush();
    expect(log).toEqual(['hook backup', 'hook master']);
    owner.open(); // the acquire completes (the owner was not told to abort in this fake)
    await flush();
    owner.open(); // then the release
    await flush();
    expect(log).toEqual(['hook backup', 'hook master', 'VIPs ready', 'VIPs released', 'hook backup']);
  });
});
