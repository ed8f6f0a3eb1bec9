import type { AcquireControl, AcquireReport, RepairReport, VerifyReport, VipOwner } from '../../src/owner/types';
import { GroupRunner } from '../../src/runtime/group-runner';
import { testGroup } from '../support/config';
import { testRunnerDeps } from '../support/group-runner';

/**
 * The shell tells the acquire in flight which nodes the election heard make a
 * new claim on the group (a MASTER advert from a node that was not a live
 * master): the cloud mover then reads the holders instead of waiting out its
 * deadline for a confirmation that the contender's later assign made impossible.
 * A master we preempted, still advertising or resigning, is no new claim: a
 * read naming it can be older than our assign.
 */
/** Acquires stay in flight (the confirmation pending); each one's control is kept. */
class PendingOwner implements VipOwner {
  readonly controls: AcquireControl[] = [];
  async cleanup(): Promise<void> {}
  acquire(_group: unknown, _deadline: number, control?: AcquireControl): Promise<AcquireReport> {
    this.controls.push(control ?? {});
    return new Promise<AcquireReport>(() => undefined);
  }
  async release(): Promise<void> {}
  async verify(): Promise<VerifyReport> {
    return { vips: [] };
  }
  async repair(): Promise<RepairReport> {
    return { repairs: [] };
  }
}

const GROUP = testGroup((g) => {
  g.priority = 200;
  g.intervalMs = 100;
  g.peers = [{ id: 'b', address: '10.0.1.12' }];
});

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

function runnerWith(owner: PendingOwner): GroupRunner {
  return new GroupRunner(GROUP, testRunnerDeps(owner));
}

function masterWithAcquireInFlight() {
  const owner = new PendingOwner();
  const runner = runnerWith(owner);
  runner.start(0);
  runner.onAdvert({ kind: 'advert', from: 'b', priority: 100, role: 'BACKUP', intervalMs: 100 }, 10);
  runner.tick(400); // a (200) claims
  return { owner, runner };
}

describe('GroupRunner: a contender heard while the acquire is in flight', () => {
  it("a lower node's new MASTER claim names it to the acquire in flight", async () => {
    const { owner, runner } = masterWithAcquireInFlight();
    await flush();
    expect(runner.role).toBe('MASTER');
    expect(owner.controls).toHaveLength(1);
    expect([...owner.controls[0]!.contenders!]).toEqual([]);
    runner.onAdvert({ kind: 'advert', from: 'b', priority: 100, role: 'MASTER', intervalMs: 100 }, 500);
    expect([...owner.controls[0]!.contenders!]).toEqual(['b']);
  });

  it.each([
    ['a BACKUP advert', { kind: 'advert', from: 'b', priority: 100, role: 'BACKUP', intervalMs: 100 }],
    ['the resign of a node that was MASTER beside us', { kind: 'resign', from: 'b', priority: 0, role: 'BACKUP', intervalMs: 100 }],
  ] as const)('%s is no claim made after the acquire began: nothing is named', async (_name, advert) => {
    const { owner, runner } = masterWithAcquireInFlight();
    await flush();
    runner.onAdvert(advert, 500);
    expect([...owner.controls[0]!.contenders!]).toEqual([]);
  });

  it('a master this node preempted goes on advertising: its adverts are no new claim', async () => {
    const owner = new PendingOwner();
    const runner = runnerWith(owner);
    runner.start(0);
    runner.onAdvert({ kind: 'advert', from: 'b', priority: 100, role: 'MASTER', intervalMs: 100 }, 10); // b is master; a (200) preempts
    runner.tick(20);
    await flush();
    expect(runner.role).toBe('MASTER');
    expect(owner.controls).toHaveLength(1);
    runner.onAdvert({ kind: 'advert', from: 'b', priority: 100, role: 'MASTER', intervalMs: 100 }, 60);
    runner.onAdvert({ kind: 'resign', from: 'b', priority: 0, role: 'BACKUP', intervalMs: 100 }, 70);
    expect([...owner.controls[0]!.contenders!]).toEqual([]);
  });
});
