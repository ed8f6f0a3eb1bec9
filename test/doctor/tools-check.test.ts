import { checkTools } from '../../src/doctor/host-checks';
import { VipdError } from '../../src/errors';
import type { CommandResult, CommandRunner, RunOptions } from '../../src/os/runner';
import { baseConfig, group0, load, makeFixture, type Fixture } from '../config/helpers';

/** Answers like the host it describes: tools in `installed` run, the others are missing. */
class HostTools implements CommandRunner {
  readonly calls: string[] = [];
  constructor(private readonly installed: readonly string[]) {}
  async run(file: string, args: readonly string[], _options?: RunOptions): Promise<CommandResult> {
    this.calls.push([file, ...args].join(' '));
    if (!this.installed.includes(file)) throw new VipdError('VIPD_E_TOOL_MISSING', `${file} is not installed`);
    return { stdout: `${file} version 1`, stderr: '', exitCode: 0 };
  }
}

const notBuilt = (): never => {
  throw new VipdError('VIPD_E_TOOL_MISSING', 'the in-process ARP sender is not built (build/Release/vipd_garp.node)');
};

describe('doctor: tools and the ARP sender', () => {
  let fx: Fixture;
  beforeEach(() => {
    fx = makeFixture();
  });
  afterEach(() => fx.cleanup());

  it('native sender not built: FAIL with the rebuild fix; arping is not asked for', async () => {
    const config = load(fx, baseConfig(fx.keyFile));
    const runner = new HostTools(['ip']);
    const results = await checkTools({ config, runner, loadGarp: notBuilt });
    expect(results.map((r) => [r.check, r.status])).toEqual([
      ['arp sender', 'fail'],
      ['tool ip', 'pass'],
    ]);
    expect(results[0]?.detail).toContain('vipd_garp.node');
    expect(results[0]?.fix).toBe('npm run build:native in the install directory, or set os.arp.sender: arping');
    expect(runner.calls).toEqual(['ip -V']);
  });

  it('native sender loads: PASS', async () => {
    const config = load(fx, baseConfig(fx.keyFile));
    const results = await checkTools({ config, runner: new HostTools(['ip']), loadGarp: () => ({}) });
    expect(results.map((r) => [r.check, r.status])).toEqual([
      ['arp sender', 'pass'],
      ['tool ip', 'pass'],
    ]);
  });

  it('arping configured but missing: FAIL naming the Debian package; the addon is not loaded', async () => {
    const doc = baseConfig(fx.keyFile);
    doc['os'] = { arp: { sender: 'arping' } };
    const config = load(fx, doc);
    let loaded = false;
    const results = await checkTools({ config, runner: new HostTools(['ip']), loadGarp: () => (loaded = true) });
    expect(loaded).toBe(false);
    expect(results.map((r) => [r.check, r.status, r.fix])).toEqual([
      ['tool ip', 'pass', null],
      ['tool arping', 'fail', 'apt-get install iputils-arping'],
    ]);
  });

  it('an IPv6 VIP needs ndisc6', async () => {
    const doc = baseConfig(fx.keyFile);
    group0(doc)['vips'] = ['fd00:1::50'];
    const config = load(fx, doc);
    const results = await checkTools({ config, runner: new HostTools(['ip']), loadGarp: () => ({}) });
    expect(results.find((r) => r.check === 'tool ndisc6')).toMatchObject({ status: 'fail', fix: 'apt-get install ndisc6' });
  });

  it('os.enabled false: skipped, nothing run', async () => {
    const doc = baseConfig(fx.keyFile);
    doc['os'] = { enabled: false };
    const runner = new HostTools([]);
    const results = await checkTools({ config: load(fx, doc), runner, loadGarp: notBuilt });
    expect(results).toEqual([expect.objectContaining({ check: 'tools', status: 'skip' })]);
    expect(runner.calls).toEqual([]);
  });
});
