import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ControlClient } from '../../src/control/client';
import type { DaemonStatus } from '../../src/runtime/daemon';
import { ensureBuilt } from '../support/build';
import { LoopbackCluster, freeUdpPorts } from '../support/loopback-cluster';
import { VipdProcess, type LogLine } from '../support/vipd-process';

jest.setTimeout(120_000);
beforeAll(() => ensureBuilt());

const WEB = { name: 'web', id: 1, vip: '127.0.0.101' };
const DB = { name: 'db', id: 2, vip: '127.0.0.102' };

async function status(cluster: LoopbackCluster, id: string): Promise<DaemonStatus> {
  return (await new ControlClient(cluster.socketPath(id)).call('status', {}, 5000)) as DaemonStatus;
}

describe('vipd run: process-level behaviour', () => {
  let cluster: LoopbackCluster;
  afterEach(async () => cluster?.destroy());

  it('exits 78 on a bad config, naming the key, and check-config agrees', async () => {
    const [p1] = await freeUdpPorts(1);
    cluster = new LoopbackCluster([{ id: 'n1', port: p1 as number, priority: 100 }], [WEB]);
    const path = cluster.writeConfig({ id: 'n1', port: p1 as number, priority: 100 });
    const doc = parse(readFileSync(path, 'utf8')) as { groups: Array<Record<string, unknown>> };
    (doc.groups[0] as Record<string, unknown>).priority = 300;
    writeFileSync(path, stringify(doc));
    const run = new VipdProcess('bad', ['run', '--config', path]);
    expect((await run.wait()).code).toBe(78);
    expect(run.stderr.join('\n')).toMatch(/groups\[0\]\.priority.*300.*1-254/);
    const check = new VipdProcess('check', ['check-config', path]);
    expect((await check.wait()).code).toBe(78);
  });

  it('a start that fails after the election began (metrics port taken) stops what it started and exits 1', async () => {
    cluster = await LoopbackCluster.pair([WEB]);
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    try {
      const metricsPort = (blocker.address() as AddressInfo).port;
      const path = cluster.writeConfig(cluster.node('n1'));
      const doc = parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      doc.metrics = { enabled: true, listen: '127.0.0.1', port: metricsPort };
      writeFileSync(path, stringify(doc));
      const n1 = new VipdProcess('n1', ['run', '--config', path]);
      cluster.processes.set('n1', n1);
      // Exits by itself: before, the tick loop and the heartbeat socket kept a headless daemon alive.
      expect((await n1.wait()).code).toBe(1);
      expect(n1.lines.some((l) => l.msg === 'start failed: stopping what was started' && (l.err as { code?: string }).code === 'VIPD_E_HTTP_BIND')).toBe(true);
      expect(n1.lines.some((l) => l.msg === 'stopped')).toBe(true);
      expect(n1.transitions('web').slice(-1)[0]?.to).toBe('STOP');
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });

  it('SIGHUP reload keeps an unchanged group as it is and starts a new one', async () => {
    cluster = await LoopbackCluster.pair([WEB]);
    const n1 = cluster.start('n1');
    cluster.start('n2');
    await n1.waitForRole('web', 'MASTER');
    // Add a group on both nodes; web is unchanged and must not move.
    const groups = [WEB, DB];
    cluster.writeConfig(cluster.node('n1'), { groups });
    cluster.writeConfig(cluster.node('n2'), { groups });
    const mark = n1.lines.length;
    n1.signal('SIGHUP');
    cluster.get('n2').signal('SIGHUP');
    await n1.waitFor((l) => n1.lines.indexOf(l) >= mark && l.msg === 'configuration reloaded', 10_000, 'reload');
    await n1.waitForRole('db', 'MASTER', { after: mark });
    expect(n1.transitions('web').map((t) => t.to)).toEqual(['BACKUP', 'MASTER']);
    const s = await status(cluster, 'n1');
    expect(s.groups.map((g) => [g.name, g.election.role])).toEqual([
      ['web', 'MASTER'],
      ['db', 'MASTER'],
    ]);

    // A changed priority is applied in place: no transition, the VIP does not move.
    cluster.writeConfig(cluster.node('n1', { priority: { web: 180, db: 200 } }), { groups });
    const mark2 = n1.lines.length;
    n1.signal('SIGHUP');
    await n1.waitFor((l) => n1.lines.indexOf(l) >= mark2 && l.msg === 'configuration reloaded', 10_000, 'second reload');
    expect(n1.lines.slice(mark2).some((l) => l.msg === 'group reconfigured in place (role kept)')).toBe(true);
    const s2 = await status(cluster, 'n1');
    expect(s2.groups.find((g) => g.name === 'web')?.election).toMatchObject({ role: 'MASTER', basePriority: 180 });
    await new Promise((r) => setTimeout(r, 1500));
    expect(n1.transitions('web').map((t) => t.to)).toEqual(['BACKUP', 'MASTER']);

    // Dropped below the peer's 100: the peer preempts, as configured.
    cluster.writeConfig(cluster.node('n1', { priority: { web: 50, db: 200 } }), { groups });
    const markN2 = cluster.get('n2').lines.length;
    n1.signal('SIGHUP');
    await cluster.get('n2').waitForRole('web', 'MASTER', { after: markN2 });
  });

  it('key rotation by SIGHUP: reload re-reads the key files (the documented three steps), and a bad key file refuses the reload', async () => {
    cluster = await LoopbackCluster.pair([WEB]);
    const n1 = cluster.start('n1');
    const n2 = cluster.start('n2');
    await cluster.settle({ n1: { web: { role: 'MASTER' } }, n2: { web: { role: 'BACKUP', master: 'n1' } } });
    const k1 = cluster.keyFile;
    const k2 = join(cluster.dir, 'k2.key');
    writeFileSync(k2, 'the-second-heartbeat-key-abcdef0123456789\n', { mode: 0o600 });
    const rejected = (p: VipdProcess, from: number): LogLine[] =>
      p.lines.slice(from).filter((l) => typeof l.msg === 'string' && l.msg.startsWith('heartbeat rejected'));
    const reload = async (id: 'n1' | 'n2', keys: { keyFile: string; nextKeyFile: string | null }): Promise<LogLine> => {
      const p = cluster.get(id);
      const mark = p.lines.length;
      cluster.writeConfig(cluster.node(id), keys);
      p.signal('SIGHUP');
      return p.waitFor(
        (l) => p.lines.indexOf(l) >= mark && (l.msg === 'configuration reloaded' || (typeof l.msg === 'string' && l.msg.startsWith('reload'))),
        10_000,
        `${id} reload`,
      );
    };
    const start1 = n1.lines.length;
    const start2 = n2.lines.length;
    // 1: both accept K2 too. 2: both sign with K2. 3: K1 dropped. Waits of a few adverts between the steps.
    for (const [keys, label] of [
      [{ keyFile: k1, nextKeyFile: k2 }, 'accept K2'],
      [{ keyFile: k2, nextKeyFile: k1 }, 'sign with K2'],
      [{ keyFile: k2, nextKeyFile: null }, 'drop K1'],
    ] as const) {
      expect([label, (await reload('n1', keys)).msg]).toEqual([label, 'configuration reloaded']);
      expect([label, (await reload('n2', keys)).msg]).toEqual([label, 'configuration reloaded']);
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(rejected(n1, start1)).toEqual([]);
    expect(rejected(n2, start2)).toEqual([]);
    expect(n1.lines.slice(start1).filter((l) => l.msg === 'heartbeat keys updated')).toHaveLength(3);
    // Now K1 is gone: a node still signing with it would be rejected. Prove the daemons really switched:
    // n2 goes back to K1 alone, and n1 rejects it as bad-tag.
    const mark1 = n1.lines.length;
    await reload('n2', { keyFile: k1, nextKeyFile: null });
    await n1.waitFor((l) => n1.lines.indexOf(l) >= mark1 && l.reason === 'bad-tag', 10_000, 'bad-tag from n2 on K1');
    await reload('n2', { keyFile: k2, nextKeyFile: null });
    // A key file that is too short refuses the whole reload; the running keys stay.
    const short = join(cluster.dir, 'short.key');
    writeFileSync(short, 'short\n', { mode: 0o600 });
    const refused = await reload('n1', { keyFile: short, nextKeyFile: null });
    expect(refused.level).toBe('error');
    await cluster.settle({ n1: { web: { role: 'MASTER' } }, n2: { web: { role: 'BACKUP', master: 'n1' } } });
  });

  it('a backup resumed after SIGSTOP does not claim on stale timers; one master remains', async () => {
    cluster = await LoopbackCluster.pair([WEB]);
    cluster.start('n1');
    const n2 = cluster.start('n2');
    await cluster.settle({ n1: { web: { role: 'MASTER' } }, n2: { web: { role: 'BACKUP', master: 'n1' } } });
    const settledTransitions = n2.transitions('web').length;
    n2.signal('SIGSTOP');
    await new Promise((r) => setTimeout(r, 1500)); // longer than the down interval (~0.9 s at 250 ms adverts)
    const mark = n2.lines.length;
    n2.signal('SIGCONT');
    await n2.waitFor((l) => n2.lines.indexOf(l) >= mark && typeof l.msg === 'string' && l.msg.includes('stalled'), 10_000, 'stall noticed');
    await new Promise((r) => setTimeout(r, 1000));
    expect(n2.transitions('web').slice(-1)[0]?.to).toBe('BACKUP');
    expect(n2.transitions('web')).toHaveLength(settledTransitions);
    expect((await status(cluster, 'n1')).groups[0]?.election.role).toBe('MASTER');
  });

  it('a master stopped by SIGSTOP is replaced, and on resume exactly one master remains', async () => {
    cluster = await LoopbackCluster.pair([WEB]);
    const n1 = cluster.start('n1');
    const n2 = cluster.start('n2');
    await cluster.settle({ n1: { web: { role: 'MASTER' } }, n2: { web: { role: 'BACKUP', master: 'n1' } } });
    const mark = n2.lines.length;
    n1.signal('SIGSTOP');
    await n2.waitForRole('web', 'MASTER', { after: mark });
    const mark2 = n2.lines.length;
    n1.signal('SIGCONT');
    // n1 outranks n2 and preempts; n2 steps down. Either way: one master.
    await n2.waitForRole('web', 'BACKUP', { after: mark2 });
    const roles = await Promise.all(['n1', 'n2'].map(async (id) => (await status(cluster, id)).groups[0]?.election.role));
    expect(roles.filter((r) => r === 'MASTER')).toHaveLength(1);
  });

  it('runs notify hooks in event order with context', async () => {
    cluster = await LoopbackCluster.pair([WEB]);
    const hookLog = join(cluster.dir, 'hooks.log');
    const path = cluster.writeConfig(cluster.node('n1'));
    const doc = parse(readFileSync(path, 'utf8')) as { groups: Array<Record<string, unknown>> };
    const hook = ['/bin/sh', '-c', `echo "$VIPD_EVENT $VIPD_GROUP $VIPD_FROM $VIPD_TO $VIPD_VIPS" >> ${hookLog}`];
    (doc.groups[0] as Record<string, unknown>).notify = { master: hook, backup: hook, stop: hook };
    writeFileSync(path, stringify(doc));
    const n1 = new VipdProcess('n1', ['run', '--config', path]);
    cluster.processes.set('n1', n1);
    await n1.waitForRole('web', 'MASTER');
    n1.signal('SIGTERM');
    expect((await n1.wait()).code).toBe(0);
    expect(readFileSync(hookLog, 'utf8').trim().split('\n')).toEqual([
      'backup web INIT BACKUP 127.0.0.101',
      'master web BACKUP MASTER 127.0.0.101',
      'stop web MASTER STOP 127.0.0.101',
    ]);
  });
});
