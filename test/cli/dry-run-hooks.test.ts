import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ensureBuilt } from '../support/build';
import { LoopbackCluster } from '../support/loopback-cluster';
import { VipdProcess } from '../support/vipd-process';

jest.setTimeout(120_000);
beforeAll(() => ensureBuilt());

const WEB = { name: 'web', id: 1, vip: '127.0.0.101' };

describe('vipd run --dry-run', () => {
  let cluster: LoopbackCluster;
  afterEach(async () => cluster?.destroy());

  it('logs the notify hooks it would run and runs none (side by side with keepalived, a hook must not act twice)', async () => {
    cluster = await LoopbackCluster.pair([WEB]);
    const marker = join(cluster.dir, 'hook-ran');
    const path = cluster.writeConfig(cluster.node('n1'));
    const doc = parse(readFileSync(path, 'utf8')) as { groups: Array<Record<string, unknown>> };
    const hook = ['/bin/sh', '-c', `echo "$VIPD_EVENT" >> ${marker}`];
    (doc.groups[0] as Record<string, unknown>).notify = { master: hook, backup: hook, stop: hook };
    writeFileSync(path, stringify(doc));
    const n1 = new VipdProcess('n1', ['run', '--dry-run', '--config', path]);
    cluster.processes.set('n1', n1);
    await n1.waitForRole('web', 'MASTER');
    await n1.waitFor(
      (l) => l.dryRun === true && Array.isArray(l.command) && (l.command as string[]).join(' ').includes(marker),
      20_000,
      'the master hook logged as a dry run',
    );
    n1.signal('SIGTERM');
    expect((await n1.wait()).code).toBe(0);
    expect(existsSync(marker)).toBe(false);
    const logged = n1.lines.filter((l) => l.dryRun === true && String(l.msg).startsWith('dry run: would run /bin/sh'));
    expect(logged.length).toBe(3); // backup at start, master, stop
  });
});
