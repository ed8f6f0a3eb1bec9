import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ControlClient } from '../../src/control/client';
import type { VipdError } from '../../src/errors';
import { MAINTENANCE_FILE } from '../../src/state/maintenance-store';
import { ensureBuilt } from '../support/build';
import { LoopbackCluster } from '../support/loopback-cluster';
import { VipdProcess } from '../support/vipd-process';

/**
 * Maintenance survives a restart: real `vipd run` processes on 127.0.0.1
 * and the real CLI. The scenario is a node taken out for patching and
 * rebooted: coming back with the higher priority, it must not preempt.
 */
jest.setTimeout(120_000);
beforeAll(() => ensureBuilt());

const WEB = { name: 'web', id: 1, vip: '127.0.0.101' };

async function cli(cluster: LoopbackCluster, id: string, args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const p = new VipdProcess(`cli-${id}`, [...args, '--socket', cluster.socketPath(id)]);
  const { code } = await p.wait();
  return { code, stderr: p.stderr.join('\n') };
}

describe('maintenance across restarts', () => {
  let cluster: LoopbackCluster;
  afterEach(async () => cluster?.destroy());

  it('is saved by `maintenance on`: after kill -9 and a restart the node stays out; `off` lets it preempt again', async () => {
    cluster = await LoopbackCluster.pair([WEB]);
    const n1 = cluster.start('n1');
    const n2 = cluster.start('n2');
    await cluster.settle({ n1: { web: { role: 'MASTER' } }, n2: { web: { role: 'BACKUP', master: 'n1' } } });
    const saved = join(cluster.stateDir('n1'), MAINTENANCE_FILE);

    const mark = n2.lines.length;
    expect((await cli(cluster, 'n1', ['maintenance', 'on'])).code).toBe(0);
    await n2.waitForRole('web', 'MASTER', { after: mark });
    expect(existsSync(saved)).toBe(true);

    n1.signal('SIGKILL');
    await n1.wait();
    const n1b = cluster.start('n1');
    const note = await n1b.waitFor(
      (l) => typeof l.msg === 'string' && l.msg.startsWith('maintenance is on (saved before this start)'),
      20_000,
      'saved maintenance noticed',
    );
    expect(note).toMatchObject({ level: 'warn', file: saved, since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    await cluster.settle({ n1: { web: { role: 'BACKUP', master: 'n2' } }, n2: { web: { role: 'MASTER' } } });
    // Several down intervals (~0.9 s each at 250 ms adverts) hearing a lower-priority master: no claim.
    await new Promise((r) => setTimeout(r, 2500));
    expect(n1b.transitions('web').map((t) => t.to)).toEqual(['BACKUP']);
    expect((await cluster.status('n1')).maintenance).toBe(true);

    const mark2 = n1b.lines.length;
    expect((await cli(cluster, 'n1', ['maintenance', 'off'])).code).toBe(0);
    expect(existsSync(saved)).toBe(false);
    await n1b.waitForRole('web', 'MASTER', { after: mark2 });
    await cluster.settle({ n1: { web: { role: 'MASTER' } }, n2: { web: { role: 'BACKUP', master: 'n1' } } });
  });

  it('a save that fails still takes the node out, exits 1 and says a restart would end it', async () => {
    cluster = await LoopbackCluster.pair([WEB]);
    const n1 = cluster.start('n1');
    const n2 = cluster.start('n2');
    await cluster.settle({ n1: { web: { role: 'MASTER' } }, n2: { web: { role: 'BACKUP', master: 'n1' } } });
    rmSync(cluster.stateDir('n1'), { recursive: true });

    const mark = n2.lines.length;
    const on = await cli(cluster, 'n1', ['maintenance', 'on']);
    expect(on.code).toBe(1);
    expect(on.stderr).toMatch(/maintenance is ON in the running daemon, but it was not saved and will be lost at the next restart: cannot write .*ENOENT/);
    await n2.waitForRole('web', 'MASTER', { after: mark });
    expect((await cluster.status('n1')).maintenance).toBe(true);
    expect(n1.lines.some((l) => l.msg === 'control request failed')).toBe(true);
  });

  it('switchover: exit 64 on a bad --timeout (nothing resigns), 1 when the daemon refuses, a raw request with a bad timeout is refused before resigning', async () => {
    cluster = await LoopbackCluster.pair([WEB]);
    cluster.start('n1');
    cluster.start('n2');
    await cluster.settle({ n1: { web: { role: 'MASTER' } }, n2: { web: { role: 'BACKUP', master: 'n1' } } });
    const bad = await cli(cluster, 'n1', ['switchover', '--timeout', '30 seconds']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('--timeout "30 seconds" is not a duration');
    const onBackup = await cli(cluster, 'n2', ['switchover']);
    expect(onBackup.code).toBe(1); // the daemon answered: a failure of the command, not "daemon not running" (69)
    expect(onBackup.stderr).toContain('not MASTER');
    const e = await new ControlClient(cluster.socketPath('n1')).call('switchover', { timeoutMs: '30s' }, 5000).then(
      () => null,
      (err: unknown) => err as VipdError,
    );
    expect(e?.code).toBe('VIPD_E_CONTROL');
    expect(e?.message).toContain('timeoutMs must be an integer');
    await cluster.settle({ n1: { web: { role: 'MASTER' } }, n2: { web: { role: 'BACKUP', master: 'n1' } } });
    const down = await cli(cluster, 'n9', ['switchover']); // no daemon behind that socket
    expect(down.code).toBe(69);
  });

  it('maintenance on and off sent at once: the saved file and the running daemon always agree afterwards', async () => {
    cluster = await LoopbackCluster.pair([WEB]);
    cluster.start('n1');
    cluster.start('n2');
    await cluster.settle({ n1: { web: { role: 'MASTER' } }, n2: { web: { role: 'BACKUP', master: 'n1' } } });
    const saved = join(cluster.stateDir('n1'), MAINTENANCE_FILE);
    const client = new ControlClient(cluster.socketPath('n1'));
    for (let round = 0; round < 5; round++) {
      await Promise.all([
        client.call('maintenance', { on: true }, 5000),
        client.call('maintenance', { on: false }, 5000),
        client.call('maintenance', { on: round % 2 === 0 }, 5000),
      ]);
      const running = (await cluster.status('n1')).maintenance;
      expect([round, running]).toEqual([round, existsSync(saved)]);
      expect([round, running]).toEqual([round, round % 2 === 0]);
    }
  });

  it('a saved state it cannot read stops vipd at start with VIPD_E_STATE_FILE (exit 1), before any election', async () => {
    cluster = await LoopbackCluster.pair([WEB]);
    mkdirSync(join(cluster.stateDir('n1'), MAINTENANCE_FILE)); // EISDIR when read
    const n1 = cluster.start('n1');
    expect((await n1.wait()).code).toBe(1);
    const fatal = n1.lines.find((l) => l.level === 'fatal');
    expect(fatal).toMatchObject({ err: { code: 'VIPD_E_STATE_FILE' } });
    expect(String(fatal?.msg)).toContain('EISDIR');
    expect(n1.transitions()).toEqual([]);
  });
});
