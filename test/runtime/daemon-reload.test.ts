import type { GroupConfig, VipdConfig } from '../../src/config/types';
import type { AcquireReport, RepairReport, VerifyReport, VipOwner } from '../../src/owner/types';
import { Daemon } from '../../src/runtime/daemon';
import { noMetrics } from '../../src/runtime/ports';
import { silentLogger } from '../../src/util/logger';
import { testConfig } from '../support/config';
import { FakeTime } from '../support/fake-time';

/*
 * Daemon.reload with the project's FakeTime: the tick loop keeps ticking the
 * other groups while a changed group's stop awaits its release, as it does in
 * the real daemon.
 */

/** Releases finish only when the test says so; acquires at once. */
class SlowReleaseOwner implements VipOwner {
  readonly log: string[] = [];
  private releases: Array<() => void> = [];
  async cleanup(): Promise<void> {}
  async acquire(group: GroupConfig): Promise<AcquireReport> {
    this.log.push(`acquire ${group.name}`);
    return { timings: { cloudMs: 0, osMs: 0 }, cloudCalls: 0 };
  }
  release(group: GroupConfig): Promise<void> {
    this.log.push(`release ${group.name}`);
    return new Promise((resolve) => this.releases.push(resolve));
  }
  finishReleases(): void {
    const r = this.releases;
    this.releases = [];
    for (const f of r) f();
  }
  get pendingReleases(): number {
    return this.releases.length;
  }
  async verify(): Promise<VerifyReport> {
    return { vips: [] };
  }
  async repair(): Promise<RepairReport> {
    return { repairs: [] };
  }
}

/** Groups g1, g2, ... with one VIP each, the same peers, node id a, and short provider timings. */
function config(peers: readonly string[], ids: readonly number[] = [1, 2]): VipdConfig {
  return testConfig((doc) => {
    doc.node = { id: 'a', stateDir: '/nonexistent' };
    doc.provider = { type: 'none', acquireDeadlineMs: 1000, faultHoldMs: 1000, verifyIntervalMs: 3000 };
    doc.groups = ids.map((id) => ({
      name: `g${id}`,
      id,
      interface: 'eth0',
      vips: [`10.0.1.${50 + id}`],
      peers: peers.map((p, i) => ({ id: p, address: `10.0.1.${20 + i}` })),
    }));
  });
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

async function setup() {
  const time = new FakeTime();
  await time.advance(1_000);
  const owner = new SlowReleaseOwner();
  const daemon = new Daemon(config(['b']), {
    clock: time,
    timers: time,
    logger: silentLogger(),
    owner,
    heartbeat: () => ({
      start: async () => undefined,
      updateGroups: () => undefined,
      updateKeys: () => undefined,
      close: async () => undefined,
      sendAdvert: () => undefined,
      probe: () => undefined,
    }),
    hooks: { enqueue: () => undefined, idle: async () => undefined },
    trackers: () => ({ start: () => undefined, stop: () => undefined, health: () => ({ penalty: 0, fault: false }), status: () => [] }),
    metrics: noMetrics,
    wallSeconds: () => 0,
  });
  return { time, owner, daemon };
}

const roles = (d: Daemon): string[] => d.status().groups.map((g) => `${g.name}:${g.election.role}`);

describe('Daemon.reload', () => {
  it('restarts two changed groups although the loop ticks the others while a release is awaited', async () => {
    const { time, owner, daemon } = await setup();
    await daemon.start();
    await time.advance(5_000); // no peer heard: both claim
    await settle();
    expect(roles(daemon)).toEqual(['g1:MASTER', 'g2:MASTER']);

    const reload = daemon.reload(config(['b', 'c'])); // a peer added to both groups
    let done = false;
    void reload.then(() => (done = true));
    await settle();
    expect(owner.pendingReleases).toBe(1); // g1 is releasing
    await time.advance(500); // meanwhile the loop ticks g2's core past the reload's start
    await settle();
    owner.finishReleases();
    await settle();
    await time.advance(100);
    owner.finishReleases(); // g2's release
    await settle();
    await reload;
    expect(done).toBe(true);
    expect(daemon.status().groups.map((g) => [g.name, g.election.peers.map((p) => p.id)])).toEqual([
      ['g1', ['b', 'c']],
      ['g2', ['b', 'c']],
    ]);
    expect(roles(daemon)).toEqual(['g1:BACKUP', 'g2:BACKUP']);
    await time.advance(5_000);
    await settle();
    expect(roles(daemon)).toEqual(['g1:MASTER', 'g2:MASTER']);
    const stopping = daemon.stop();
    await settle();
    owner.finishReleases();
    await stopping;
  });

  it('runs one reload at a time: a second SIGHUP does not delete the group the first one started', async () => {
    const { time, owner, daemon } = await setup();
    await daemon.start();
    await time.advance(5_000);
    await settle();
    const first = daemon.reload(config(['b', 'c'], [1, 2]));
    const second = daemon.reload(config(['b', 'c'], [1, 2, 3]));
    for (let i = 0; i < 6; i++) {
      await settle();
      owner.finishReleases();
      await time.advance(50);
    }
    await first;
    await second;
    expect(daemon.status().groups.map((g) => g.name)).toEqual(['g1', 'g2', 'g3']);
    const stopping = daemon.stop();
    for (let i = 0; i < 4; i++) {
      await settle();
      owner.finishReleases();
    }
    await stopping;
  });

  it('a stop waits for the reload in progress and stops every group it started; a reload after the stop is refused', async () => {
    const { time, owner, daemon } = await setup();
    await daemon.start();
    await time.advance(5_000);
    await settle();
    const reload = daemon.reload(config(['b', 'c'], [1, 2, 3]));
    await settle();
    const stopping = daemon.stop();
    for (let i = 0; i < 8; i++) {
      await settle();
      owner.finishReleases();
      await time.advance(50);
    }
    await reload;
    await stopping;
    expect(roles(daemon)).toEqual(['g1:STOP', 'g2:STOP', 'g3:STOP']);
    await expect(daemon.reload(config(['b']))).rejects.toMatchObject({ code: 'VIPD_E_CONFIG', message: 'vipd is stopping: reload ignored' });
  });

  it('a reload still queued when the stop comes is refused, not reported as done', async () => {
    const { time, owner, daemon } = await setup();
    await daemon.start();
    await time.advance(5_000);
    await settle();
    const first = daemon.reload(config(['b', 'c'])); // runs: releases the two groups
    await settle();
    const queued = daemon.reload(config(['b', 'c', 'd']));
    const stopping = daemon.stop();
    const outcome = queued.then(
      () => 'done',
      (e: { message: string }) => e.message,
    );
    for (let i = 0; i < 10; i++) {
      await settle();
      owner.finishReleases();
      await time.advance(50);
    }
    await first;
    await stopping;
    expect(await outcome).toBe('vipd is stopping: reload ignored');
  });
});
