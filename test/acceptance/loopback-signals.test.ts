import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SIGNAL_ACTIONS } from '../../src/cli/process-signals';
import type { DaemonStatus } from '../../src/runtime/daemon';
import { ensureBuilt } from '../support/build';
import { listeningTcpPorts } from '../support/listening-ports';
import { LoopbackCluster } from '../support/loopback-cluster';
import { VipdProcess } from '../support/vipd-process';

/**
 * Signals against real vipd processes (provider none, OS changes off):
 * SIGUSR1 must never open Node's inspector, USR1/USR2 dump and change
 * nothing, every other signal that would kill the process stops it
 * gracefully, and a fatal error releases and exits 70.
 */
jest.setTimeout(180_000);
beforeAll(() => ensureBuilt());

const WEB = { name: 'web', id: 1, vip: '127.0.0.101' };

describe('vipd run: signals', () => {
  let cluster: LoopbackCluster;
  afterEach(async () => cluster?.destroy());

  it('SIGUSR1 opens no port (no inspector) and writes the status document to the log and to vipd.data', async () => {
    cluster = await LoopbackCluster.pair([WEB]);
    const n1 = cluster.start('n1');
    cluster.start('n2');
    await cluster.settle({ n1: { web: { role: 'MASTER' } }, n2: { web: { role: 'BACKUP', master: 'n1' } } });
    const before = listeningTcpPorts(n1.pid);
    n1.signal('SIGUSR1');
    const dump = await n1.waitFor((l) => l.event === 'state-dump', 10_000, 'the state dump');
    // A barrier: the inspector starts on a thread of its own; one more round trip through the process gives it time to show.
    n1.signal('SIGUSR2');
    await n1.waitFor((l) => l.event === 'counters-dump', 10_000, 'the counters dump');
    expect(listeningTcpPorts(n1.pid)).toEqual(before);
    expect(n1.stderr.join('\n')).not.toMatch(/Debugger listening/);
    const file = join(cluster.dir, 'vipd.data');
    expect(dump.file).toBe(file);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as DaemonStatus;
    expect(doc).toMatchObject({ nodeId: 'n1', groups: [{ name: 'web', election: { role: 'MASTER' } }] });
    expect(dump.state).toMatchObject({ nodeId: 'n1' });
    // Still the master, still answering.
    expect((await cluster.status('n1')).groups[0]?.election.role).toBe('MASTER');
  });

  it('SIGUSR2 on the master writes the counters and changes nothing: it stays MASTER, the backup keeps following it', async () => {
    cluster = await LoopbackCluster.pair([WEB]);
    const n1 = cluster.start('n1');
    const n2 = cluster.start('n2');
    await cluster.settle({ n1: { web: { role: 'MASTER' } }, n2: { web: { role: 'BACKUP', master: 'n1' } } });
    const mark = n2.lines.length;
    for (let i = 0; i < 3; i++) n1.signal('SIGUSR2');
    await n1.waitFor((l) => l.event === 'counters-dump', 10_000, 'the counters dump');
    const stats = JSON.parse(readFileSync(join(cluster.dir, 'vipd.stats'), 'utf8')) as {
      nodeId: string;
      counters: Record<string, Array<{ labels: Record<string, string>; value: number }>>;
    };
    expect(stats.nodeId).toBe('n1');
    expect(stats.counters.vipd_adverts_sent_total?.[0]).toMatchObject({ labels: { group: 'web' } });
    expect(stats.counters.vipd_adverts_sent_total?.[0]?.value).toBeGreaterThan(0);
    expect(stats.counters.vipd_become_master_total?.[0]?.value).toBe(1);
    // Several down intervals later: no exit, no transition anywhere.
    await new Promise((r) => setTimeout(r, 2000));
    expect(n1.child.exitCode).toBeNull();
    expect(n1.child.signalCode).toBeNull();
    await cluster.settle({ n1: { web: { role: 'MASTER' } }, n2: { web: { role: 'BACKUP', master: 'n1' } } });
    expect(n2.transitions('web').filter((l) => n2.lines.indexOf(l) >= mark)).toEqual([]);
  });

  const stopSignals = SIGNAL_ACTIONS.filter(([, action]) => action === 'stop').map(([signal]) => signal);

  it.each(stopSignals)('%s stops a master gracefully: resign, release, exit 0', async (signal) => {
    cluster = await LoopbackCluster.pair([WEB], 100); // n2 never runs: n1 claims after the down interval
    const n1 = cluster.start('n1');
    await n1.waitFor((l) => l.event === 'vips-ready', 20_000, 'vips ready');
    n1.signal(signal);
    const exit = await n1.wait();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(n1.lines.some((l) => l.msg === 'signal received: shutting down' && l.signal === signal)).toBe(true);
    expect(n1.lines.some((l) => l.event === 'transition' && l.to === 'STOP')).toBe(true);
    expect(n1.lines.some((l) => l.msg === 'VIPs released')).toBe(true);
  });

  it.each(['uncaught-exception', 'unhandled-rejection'])(
    'a fatal error (%s) is logged with its cause, the VIPs are released, the exit is 70',
    async (fault) => {
      cluster = await LoopbackCluster.pair([WEB], 100); // n2 never runs: n1 claims after the down interval
      const path = cluster.writeConfig(cluster.node('n1'));
      const n1 = new VipdProcess('n1', ['run', '--config', path], { env: { VIPD_TEST_FAULT: fault } });
      cluster.processes.set('n1', n1);
      const exit = await n1.wait();
      expect(exit).toEqual({ code: 70, signal: null });
      const fatal = n1.lines.find((l) => l.event === 'fatal-error');
      expect(fatal).toMatchObject({
        level: 'fatal',
        kind: fault,
        error: { type: 'VipdError', code: 'VIPD_E_INTERNAL', message: expect.stringMatching(/injected fault/) as unknown },
      });
      expect(String((fatal?.error as { stack?: string }).stack)).toMatch(/fault-injection/);
      const ready = n1.lines.findIndex((l) => l.event === 'vips-ready');
      const released = n1.lines.findIndex((l) => l.msg === 'VIPs released');
      expect(ready).toBeGreaterThanOrEqual(0);
      expect(released).toBeGreaterThan(n1.lines.indexOf(fatal as never));
      expect(n1.lines.at(-1)).toMatchObject({ event: 'fatal-exit', outcome: 'VIPs released', exitCode: 70 });
      expect(existsSync(cluster.socketPath('n1'))).toBe(false);
    },
  );

  it('refuses an unknown VIPD_TEST_FAULT value with exit 78 instead of running without it', async () => {
    cluster = await LoopbackCluster.pair([WEB], 100); // n2 never runs: n1 claims after the down interval
    const path = cluster.writeConfig(cluster.node('n1'));
    const n1 = new VipdProcess('n1', ['run', '--config', path], { env: { VIPD_TEST_FAULT: 'segfault' } });
    cluster.processes.set('n1', n1);
    expect((await n1.wait()).code).toBe(78);
  });
});
