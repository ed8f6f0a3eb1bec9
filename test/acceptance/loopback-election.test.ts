import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ControlClient } from '../../src/control/client';
import type { DaemonStatus } from '../../src/runtime/daemon';
import { ensureBuilt } from '../support/build';
import { LoopbackCluster, freeUdpPorts } from '../support/loopback-cluster';

/**
 * Issue-2 acceptance: real `vipd run` processes on 127.0.0.1 with real UDP.
 * Assertions are on states the daemons report (logs, control socket), never
 * on timing margins.
 */
jest.setTimeout(120_000);

beforeAll(() => ensureBuilt());

const G1 = { name: 'web', id: 1, vip: '127.0.0.101' };
const G2 = { name: 'db', id: 2, vip: '127.0.0.102' };

async function status(cluster: LoopbackCluster, id: string): Promise<DaemonStatus> {
  return (await new ControlClient(cluster.socketPath(id)).call('status', {}, 5000)) as DaemonStatus;
}

function roleOf(s: DaemonStatus, group: string): string | undefined {
  return s.groups.find((g) => g.name === group)?.election.role;
}

describe('two nodes on loopback', () => {
  let cluster: LoopbackCluster;
  afterEach(async () => cluster.destroy());

  it('elects one master per group (active-active), fails over on kill -9, preempts on return', async () => {
    const [p1, p2] = await freeUdpPorts(2);
    cluster = new LoopbackCluster(
      [
        { id: 'n1', port: p1 as number, priority: { web: 200, db: 100 } },
        { id: 'n2', port: p2 as number, priority: { web: 100, db: 200 } },
      ],
      [G1, G2],
    );
    const n1 = cluster.start('n1');
    const n2 = cluster.start('n2');
    // Both settle: n1 holds web, n2 holds db, each is BACKUP of the other group.
    await cluster.settle({
      n1: { web: { role: 'MASTER' }, db: { role: 'BACKUP', master: 'n2' } },
      n2: { db: { role: 'MASTER' }, web: { role: 'BACKUP', master: 'n1' } },
    });

    // kill -9: no resign is sent; the host lives, so its kernel refuses n2's probes (loopback is exempt
    // from the ICMP rate limit) and n2 claims on them once n1's next advert is overdue.
    const mark = n2.lines.length;
    n1.signal('SIGKILL');
    await n1.wait();
    const takeover = await n2.waitForRole('web', 'MASTER', { after: mark });
    expect(takeover.reason).toBe('peer-refused');
    expect(roleOf(await status(cluster, 'n2'), 'web')).toBe('MASTER');

    // n1 comes back with the higher priority and preempts.
    const mark2 = n2.lines.length;
    const n1b = cluster.start('n1');
    await n1b.waitForRole('web', 'MASTER');
    const stepDown = await n2.waitForRole('web', 'BACKUP', { after: mark2 });
    expect(stepDown.reason).toBe('preempted');
    expect(roleOf(await status(cluster, 'n1'), 'web')).toBe('MASTER');
    expect(roleOf(await status(cluster, 'n2'), 'db')).toBe('MASTER');
  });

  it('does not preempt with nopreempt', async () => {
    const [p1, p2] = await freeUdpPorts(2);
    cluster = new LoopbackCluster(
      [
        { id: 'n1', port: p1 as number, priority: 200, preempt: false },
        { id: 'n2', port: p2 as number, priority: 100 },
      ],
      [G1],
    );
    const n2 = cluster.start('n2');
    await n2.waitForRole('web', 'MASTER');
    const n1 = cluster.start('n1');
    await n1.waitForRole('web', 'BACKUP');
    // n1 must hear n2's adverts for several down intervals (~0.9 s each) and stay BACKUP.
    await new Promise((r) => setTimeout(r, 3000));
    expect((await status(cluster, 'n1')).groups[0]?.election.master).toBe('n2');
    expect(roleOf(await status(cluster, 'n1'), 'web')).toBe('BACKUP');
    expect(roleOf(await status(cluster, 'n2'), 'web')).toBe('MASTER');
    expect(n1.transitions('web').map((t) => t.to)).toEqual(['BACKUP']);
  });

  it('hands over on SIGTERM through a resign and exits 0', async () => {
    cluster = await LoopbackCluster.pair([G1], 1000);
    const n1 = cluster.start('n1');
    const n2 = cluster.start('n2');
    await cluster.settle({ n1: { web: { role: 'MASTER' } }, n2: { web: { role: 'BACKUP', master: 'n1' } } });
    const mark = n2.lines.length;
    n1.signal('SIGTERM');
    const takeover = await n2.waitForRole('web', 'MASTER', { after: mark });
    expect(takeover.reason).toBe('peer-resigned');
    expect((await n1.wait()).code).toBe(0);
    expect(
      n1
        .transitions('web')
        .slice(-2)
        .map((t) => t.to),
    ).toEqual(['MASTER', 'STOP']);
  });

  it('ignores and counts a peer signing with the wrong key', async () => {
    const [p1, p2] = await freeUdpPorts(2);
    cluster = new LoopbackCluster(
      [
        { id: 'n1', port: p1 as number, priority: 100 },
        { id: 'n2', port: p2 as number, priority: 200 },
      ],
      [G1],
    );
    const wrongKey = join(cluster.dir, 'wrong.key');
    writeFileSync(wrongKey, 'a-completely-different-key-000000\n', { mode: 0o600 });
    const n1 = cluster.start('n1');
    await n1.waitForRole('web', 'MASTER');
    const n2 = cluster.start('n2', { keyFile: wrongKey });
    await n2.waitForRole('web', 'MASTER'); // n2 cannot hear n1 either
    await n1.waitFor((l) => l.msg === 'heartbeat rejected' && l.reason === 'bad-tag', 10_000, 'bad-tag rejection');
    // n2 has the higher priority but is not authenticated: n1 must not step down.
    expect(roleOf(await status(cluster, 'n1'), 'web')).toBe('MASTER');
    expect(n1.transitions('web').map((t) => t.to)).toEqual(['BACKUP', 'MASTER']);
  });
});

describe('three nodes on loopback', () => {
  let cluster: LoopbackCluster;
  afterEach(async () => cluster.destroy());

  it('elects the highest priority and the next one takes over on kill -9', async () => {
    const ports = await freeUdpPorts(3);
    cluster = new LoopbackCluster(
      [
        { id: 'a', port: ports[0] as number, priority: 200 },
        { id: 'b', port: ports[1] as number, priority: 150 },
        { id: 'c', port: ports[2] as number, priority: 100 },
      ],
      [G1],
    );
    const a = cluster.start('a');
    const b = cluster.start('b');
    cluster.start('c');
    await cluster.settle({
      a: { web: { role: 'MASTER' } },
      b: { web: { role: 'BACKUP', master: 'a' } },
      c: { web: { role: 'BACKUP', master: 'a' } },
    });
    const markB = b.lines.length;
    a.signal('SIGKILL');
    await b.waitForRole('web', 'MASTER', { after: markB });
    expect(roleOf(await status(cluster, 'b'), 'web')).toBe('MASTER');
    expect(roleOf(await status(cluster, 'c'), 'web')).toBe('BACKUP');
    const masters = (await Promise.all(['b', 'c'].map((id) => status(cluster, id)))).filter((s) => roleOf(s, 'web') === 'MASTER');
    expect(masters).toHaveLength(1);
  });
});
