import { ensureBuilt } from '../support/build';
import { freeUdpPorts, LoopbackCluster } from '../support/loopback-cluster';
import { VipdProcess } from '../support/vipd-process';

/**
 * The operator's CLI against real `vipd run` processes on 127.0.0.1: a
 * switchover refuses (exit 69, nothing resigns) when no live peer would take
 * over, and one convention everywhere: -c finds the control socket from the
 * config, --json, usage errors exit 64, `vipd help <cmd>`.
 */
jest.setTimeout(120_000);
beforeAll(() => ensureBuilt());

const WEB = { name: 'web', id: 1, vip: '127.0.0.101' };

async function cli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = new VipdProcess('cli', args);
  const { code } = await p.wait();
  return { code, stdout: p.lines.map((l) => (l.unparsed ? String(l.msg) : JSON.stringify(l))).join('\n'), stderr: p.stderr.join('\n') };
}

describe('switchover never causes an outage', () => {
  let cluster: LoopbackCluster;
  afterEach(async () => cluster?.destroy());

  it('peer dead: refused with exit 69 and why, nothing resigns; --force resigns anyway', async () => {
    cluster = await LoopbackCluster.pair([WEB]);
    const n1 = cluster.start('n1');
    const n2 = cluster.start('n2');
    await cluster.settle({ n1: { web: { role: 'MASTER' } }, n2: { web: { role: 'BACKUP', master: 'n1' } } });
    n2.signal('SIGKILL');
    await n2.wait();
    // Past n1's down interval (3 x 250 ms + skew): n2 is presumed down.
    await new Promise((r) => setTimeout(r, 2000));
    const before = n1.transitions('web').length;

    const refused = await cli(['switchover', '-c', cluster.configPath('n1')]);
    expect(refused.code).toBe(69);
    expect(refused.stderr).toMatch(/switchover refused, nothing resigned: web: no live peer would take over \(n2 has been silent for \d\.\d s/);
    expect(n1.transitions('web')).toHaveLength(before);
    expect((await cluster.status('n1')).groups[0]?.election.role).toBe('MASTER');

    const forced = await cli(['switchover', '-c', cluster.configPath('n1'), '--force', '--timeout', '500ms']);
    expect(forced.code).toBe(1); // resigned, and nobody took over within the timeout
    expect(forced.stderr).toContain('no peer took over web');
    expect(
      n1
        .transitions('web')
        .slice(before)
        .map((t) => t.to)[0],
    ).toBe('BACKUP');
  });

  it('--to a node that would not win is refused (exit 69), naming the one that would; --to the winner hands over', async () => {
    const [p1, p2, p3] = await freeUdpPorts(3);
    cluster = new LoopbackCluster(
      [
        { id: 'n1', port: p1 as number, priority: 200 },
        { id: 'n2', port: p2 as number, priority: 150 },
        { id: 'n3', port: p3 as number, priority: 100 },
      ],
      [WEB],
    );
    const n1 = cluster.start('n1');
    cluster.start('n2');
    cluster.start('n3');
    await cluster.settle({ n1: { web: { role: 'MASTER' } }, n2: { web: { role: 'BACKUP', master: 'n1' } }, n3: { web: { role: 'BACKUP', master: 'n1' } } });
    const before = n1.transitions('web').length;
    const refused = await cli(['switchover', '-c', cluster.configPath('n1'), '--to', 'n3']);
    // Code and message together: a failure then says which error the daemon answered.
    expect({ code: refused.code, stderr: refused.stderr }).toEqual({
      code: 69,
      stderr: expect.stringContaining('web: n2 would take over, not n3 (priority 150 against 100)'),
    });
    expect(n1.transitions('web')).toHaveLength(before);
    const ok = await cli(['switchover', '-c', cluster.configPath('n1'), '--to', 'n2', '--json']);
    expect(ok.code).toBe(0);
    const parsed = JSON.parse(ok.stdout) as { results: Array<{ group: string; newMaster: string }> };
    expect(parsed.results).toMatchObject([{ group: 'web', newMaster: 'n2' }]);
  });
});

describe('one CLI convention', () => {
  let cluster: LoopbackCluster;
  afterEach(async () => cluster?.destroy());

  it('-c finds the socket for status and maintenance; maintenance status; --json', async () => {
    cluster = await LoopbackCluster.pair([WEB]);
    cluster.start('n1');
    cluster.start('n2');
    await cluster.settle({ n1: { web: { role: 'MASTER' } }, n2: { web: { role: 'BACKUP', master: 'n1' } } });
    const config = cluster.configPath('n2');

    const status = await cli(['status', '-c', config, '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ nodeId: 'n2' });

    expect(await cli(['maintenance', 'status', '-c', config])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^maintenance off \(nothing saved in .*maintenance\.json\)$/),
    });
    const on = await cli(['maintenance', 'on', '--config', config, '--json']);
    expect(on.code).toBe(0);
    expect(JSON.parse(on.stdout)).toMatchObject({ maintenance: true });
    const st = await cli(['maintenance', 'status', '-c', config, '--json']);
    expect(JSON.parse(st.stdout)).toMatchObject({ maintenance: true, saved: { since: expect.stringMatching(/^\d{4}-/) } });
    expect((await cli(['maintenance', 'off', '-c', config])).code).toBe(0);
  });

  it.each<[string, string[]]>([
    ['an unknown option', ['status', '--bogus']],
    ['a missing argument', ['maintenance']],
    ['a bad maintenance state', ['maintenance', 'maybe', '-s', '/nonexistent.sock']],
    ['an unknown command', ['frobnicate']],
    ['a bad --timeout', ['switchover', '--timeout', 'soon', '-s', '/nonexistent.sock']],
    ['an unknown option to doctor', ['doctor', '--fast']],
    ['an unknown option to check-config', ['check-config', '--strict']],
  ])('usage error (%s): exit 64', async (_name, args) => {
    expect((await cli(args)).code).toBe(64);
  });

  it('a config named with -c that cannot be loaded: exit 78, not a guess at the socket', async () => {
    const r = await cli(['status', '-c', '/nonexistent/vipd.yaml']);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('cannot find the control socket from /nonexistent/vipd.yaml');
  });

  it.each(['run', 'check-config', 'status', 'switchover', 'maintenance', 'doctor'])('vipd help %s: options, exit codes and examples', async (command) => {
    const r = await cli(['help', command]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: vipd ${command}`);
    expect(r.stdout).toContain('-c, --config <file>');
    expect(r.stdout).toContain('Exit codes:');
    expect(r.stdout).toContain('Examples:');
  });
});
