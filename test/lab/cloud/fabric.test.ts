import { ExecFileRunner } from '../../../src/os/exec-runner';
import type { CommandRunner, CommandResult, RunOptions } from '../../../src/os/runner';
import { IpRouteFabric } from '../../../lab/cloud/fabric';

class RecordingRunner implements CommandRunner {
  readonly runs: string[][] = [];
  readonly inputs: Array<string | undefined> = [];
  constructor(private readonly result: CommandResult = { stdout: '', stderr: '', exitCode: 0 }) {}
  async run(file: string, args: readonly string[], options?: RunOptions): Promise<CommandResult> {
    this.runs.push([file, ...args]);
    this.inputs.push(options?.input);
    return this.result;
  }
}

describe('IpRouteFabric', () => {
  it('routes a VIP to the holder and blackholes it, optionally in a named namespace', async () => {
    const runner = new RecordingRunner();
    await new IpRouteFabric(runner).routeTo('10.0.1.42', '10.0.1.10');
    await new IpRouteFabric(runner, { namespace: 'fab' }).blackhole('10.0.1.42');
    expect(runner.runs).toEqual([
      ['ip', 'route', 'replace', '10.0.1.42/32', 'via', '10.0.1.10'],
      ['ip', '-n', 'fab', 'route', 'replace', 'blackhole', '10.0.1.42/32'],
    ]);
  });

  it('several VIPs at once: one ip process reading the routes from stdin, in order', async () => {
    const runner = new RecordingRunner();
    await new IpRouteFabric(runner, { namespace: 'fab' }).program([
      { vip: '10.0.1.42', via: '10.0.1.10' },
      { vip: '10.0.1.43', via: null },
    ]);
    expect(runner.runs).toEqual([['ip', '-n', 'fab', '-batch', '-']]);
    expect(runner.inputs).toEqual(['route replace 10.0.1.42/32 via 10.0.1.10\nroute replace blackhole 10.0.1.43/32\n']);
    await new IpRouteFabric(runner).program([]);
    expect(runner.runs).toHaveLength(1);
  });

  it('a failing ip command is an error (never a silent success)', async () => {
    const runner = new RecordingRunner({ stdout: '', stderr: 'Error: Nexthop has invalid gateway.', exitCode: 2 });
    await expect(new IpRouteFabric(runner).routeTo('10.0.1.42', '10.9.9.9')).rejects.toMatchObject({ code: 'VIPD_E_COMMAND_FAILED' });
  });
});

// Real routes, inside a namespace this test creates and removes (no route out of it).
const canNetns = process.getuid?.() === 0;
const required = process.env.VIPD_REQUIRE_LAB === '1';
if (!canNetns) console.warn('SKIP IpRouteFabric in a network namespace: needs root; set VIPD_REQUIRE_LAB=1 to make this a failure');

(canNetns || required ? describe : describe.skip)('IpRouteFabric in a real network namespace', () => {
  const ns = `vipd-fabtest-${process.pid}`;
  const runner = new ExecFileRunner({ timeoutMs: 10_000 });
  const ip = (...args: string[]) => runner.run('ip', args);

  beforeAll(async () => {
    if (!canNetns) throw new Error('VIPD_REQUIRE_LAB=1 but not running as root');
    expect((await ip('netns', 'add', ns)).exitCode).toBe(0);
    // A veth pair kept inside the namespace (this kernel has no dummy driver).
    expect((await ip('-n', ns, 'link', 'add', 'br0', 'type', 'veth', 'peer', 'name', 'br0p')).exitCode).toBe(0);
    await ip('-n', ns, 'addr', 'add', '10.0.1.1/24', 'dev', 'br0');
    await ip('-n', ns, 'link', 'set', 'br0p', 'up');
    await ip('-n', ns, 'link', 'set', 'br0', 'up');
  });
  afterAll(async () => {
    await ip('netns', 'del', ns);
  });

  it('programs route and blackhole for the VIP /32', async () => {
    const fabric = new IpRouteFabric(runner, { namespace: ns });
    const route = async () => JSON.parse((await ip('-n', ns, '-j', 'route', 'show', '10.0.1.42/32')).stdout) as { type?: string; gateway?: string }[];
    await fabric.blackhole('10.0.1.42');
    expect(await route()).toEqual([expect.objectContaining({ type: 'blackhole' })]);
    await fabric.routeTo('10.0.1.42', '10.0.1.10');
    expect(await route()).toEqual([expect.objectContaining({ gateway: '10.0.1.10' })]);
    await fabric.routeTo('10.0.1.42', '10.0.1.11');
    expect(await route()).toEqual([expect.objectContaining({ gateway: '10.0.1.11' })]);
  });

  it('programs 32 VIPs in one batch, and a batch with a bad next hop is an error', async () => {
    const fabric = new IpRouteFabric(runner, { namespace: ns });
    const vips = Array.from({ length: 32 }, (_, i) => `10.0.1.${100 + i}`);
    await fabric.program(vips.map((vip, i) => ({ vip, via: i % 2 === 0 ? '10.0.1.10' : null })));
    const routes = JSON.parse((await ip('-n', ns, '-j', 'route', 'show')).stdout) as { dst: string; type?: string; gateway?: string }[];
    for (const [i, vip] of vips.entries()) {
      expect(routes.find((r) => r.dst === vip)).toEqual(expect.objectContaining(i % 2 === 0 ? { gateway: '10.0.1.10' } : { type: 'blackhole' }));
    }
    await expect(
      fabric.program([
        { vip: '10.0.1.42', via: '10.0.1.10' },
        { vip: '10.0.1.43', via: '192.0.2.1' },
      ]),
    ).rejects.toMatchObject({ code: 'VIPD_E_COMMAND_FAILED' });
  });
});
