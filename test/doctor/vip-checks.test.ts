import { tableFor } from '../../src/config/routing-numbers';
import { checkGroup } from '../../src/doctor/vip-checks';
import type { DoctorContext } from '../../src/doctor/types';
import type { OsConfigurator } from '../../src/os/configurator';
import type { CommandResult, CommandRunner } from '../../src/os/runner';
import type { DaemonStatus } from '../../src/runtime/daemon';
import { baseConfig, group0, load, makeFixture, type Fixture } from '../config/helpers';

/** `ip route get DEST from SRC` as the kernel answers it: a family mismatch is an error, not a route. */
class RouteGet implements CommandRunner {
  readonly asked: string[][] = [];
  constructor(private readonly table: number) {}
  async run(file: string, args: readonly string[]): Promise<CommandResult> {
    this.asked.push([file, ...args]);
    const dest = args[3] ?? '';
    const from = args[5] ?? '';
    if (dest.includes(':') !== from.includes(':')) return { stdout: '', stderr: 'Error: inet prefix is expected rather than "fd00:1::50".\n', exitCode: 1 };
    return { stdout: JSON.stringify([{ dst: dest, dev: 'eth0', table: String(this.table), prefsrc: from }]), stderr: '', exitCode: 0 };
  }
}

describe('doctor: replies from the VIP', () => {
  let fx: Fixture;
  beforeEach(() => {
    fx = makeFixture();
  });
  afterEach(() => fx.cleanup());

  it('probes with a destination of the VIP\'s family: an IPv6 VIP passes on a healthy master', async () => {
    const doc = baseConfig(fx.keyFile);
    group0(doc)['vips'] = ['fd00:1::50'];
    const config = load(fx, doc);
    const g = config.groups[0]!;
    const table = tableFor(config.os.tableBase, g.id, 0);
    const runner = new RouteGet(table);
    const os = { observe: async () => ({ vips: [{ address: 'fd00:1::50', onInterface: true, prefix: 64, expectedPrefix: 64, addressOk: true, ruleOk: true, tableOk: true }] }) } as unknown as OsConfigurator;
    const daemon = { groups: [{ name: g.name, election: { role: 'MASTER' } }] } as unknown as DaemonStatus;
    const ctx = { config, runner, os, provider: { arbitrates: false }, daemon } as unknown as DoctorContext;
    const results = await checkGroup(ctx, g);
    expect(results.find((r) => r.check === 'replies from fd00:1::50')).toMatchObject({ status: 'pass', detail: `ip route get 2001:db8::1 from fd00:1::50: dev eth0 table ${table}` });
    expect(runner.asked).toEqual([['ip', '-json', 'route', 'get', '2001:db8::1', 'from', 'fd00:1::50']]);
  });
});
