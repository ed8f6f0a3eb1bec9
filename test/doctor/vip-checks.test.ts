import { openCallScope } from '../../src/cloud/call-context';
import type { CloudFacts, CloudHolder, CloudProvider } from '../../src/cloud/provider';
import { tableFor } from '../../src/os/routing-numbers';
import { checkGroup } from '../../src/doctor/vip-checks';
import type { DoctorContext } from '../../src/doctor/types';
import type { CommandResult, CommandRunner } from '../../src/os/runner';
import type { Role } from '../../src/election/types';
import { processClock } from '../../src/util/clock';
import { realTimers } from '../../src/util/timers';
import { baseConfig, group0, load, makeFixture, type Fixture } from '../config/helpers';
import { daemonStatus, groupStatus } from '../support/daemon-status';

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

/** A doctor context with nothing to say beyond what the test sets: no OS view, no cloud, no files, nothing saved. */
function doctorContext(over: Pick<DoctorContext, 'config' | 'runner' | 'daemon'> & Partial<DoctorContext>): DoctorContext {
  return {
    os: null,
    provider: null,
    cloudScope: () => openCallScope({ clock: processClock, timers: realTimers }, processClock.nowMs() + 5_000, 'doctor read'),
    loadGarp: () => null,
    loadNotify: () => ({}),
    hostFiles: { kind: () => 'missing', executable: () => false },
    maintenance: { location: '/nonexistent', load: async () => null },
    ...over,
  };
}

describe('doctor: replies from the VIP', () => {
  let fx: Fixture;
  beforeEach(() => {
    fx = makeFixture();
  });
  afterEach(() => fx.cleanup());

  it("probes with a destination of the VIP's family: an IPv6 VIP passes on a healthy master", async () => {
    const doc = baseConfig(fx.keyFile);
    group0(doc)['vips'] = ['fd00:1::50'];
    const config = load(fx, doc);
    const g = config.groups[0]!;
    const table = tableFor(config.os.tableBase, g.id, 0);
    const runner = new RouteGet(table);
    const os: DoctorContext['os'] = {
      observe: async () => ({
        group: g.name,
        interface: g.interface,
        vips: [{ address: 'fd00:1::50', onInterface: true, prefix: 64, expectedPrefix: 64, addressOk: true, ruleOk: true, tableOk: true }],
      }),
    };
    const daemon = daemonStatus({ groups: [groupStatus({ name: g.name, election: { role: 'MASTER' } })] });
    const ctx = doctorContext({ config, runner, os, daemon });
    const results = await checkGroup(ctx, g);
    expect(results.find((r) => r.check === 'replies from fd00:1::50')).toMatchObject({
      status: 'pass',
      detail: `ip route get 2001:db8::1 from fd00:1::50: dev eth0 table ${table}`,
    });
    expect(runner.asked).toEqual([['ip', '-json', 'route', 'get', '2001:db8::1', 'from', 'fd00:1::50']]);
  });
});

describe('doctor: the cloud part reads typed facts from whichever provider is configured', () => {
  let fx: Fixture;
  beforeEach(() => {
    fx = makeFixture();
  });
  afterEach(() => fx.cleanup());

  function cloud(holder: CloudHolder, facts: CloudFacts): CloudProvider {
    const unused = async (): Promise<never> => {
      throw new Error('not used by the doctor');
    };
    return {
      name: 'fake',
      identity: unused,
      assign: unused,
      confirm: unused,
      observeHolders: unused,
      holders: async (vips) => new Map(vips.map((v) => [v.address, holder])),
      describe: async () => facts,
    };
  }

  async function run(provider: CloudProvider | null, role: Role) {
    const doc = baseConfig(fx.keyFile);
    group0(doc)['vips'] = ['10.0.1.50', '10.0.1.51'];
    const config = load(fx, doc);
    const g = config.groups[0]!;
    const daemon = daemonStatus({ groups: [groupStatus({ name: g.name, election: { role } })] });
    return checkGroup(doctorContext({ config, runner: new RouteGet(tableFor(config.os.tableBase, g.id, 0)), provider, daemon }), g);
  }

  it('no cloud (provider none): the cloud checks are skipped, nothing is read', async () => {
    expect((await run(null, 'MASTER')).filter((r) => r.check.startsWith('cloud'))).toEqual([
      expect.objectContaining({ check: 'cloud assignment', status: 'skip' }),
    ]);
  });

  it('a BACKUP whose NIC has room for one address but the group has two VIPs: the limit check fails; provider lines are passed through', async () => {
    const facts: CloudFacts = {
      nicId: 'vnic-1',
      addressCapacity: { limit: 4, used: 3 },
      checks: [{ check: 'policy', status: 'warn', detail: 'cannot tell', fix: 'add the policy' }],
    };
    const results = await run(cloud({ kind: 'nobody' }, facts), 'BACKUP');
    expect(results.find((r) => r.check === 'NIC address limit')).toMatchObject({ status: 'fail', detail: '1 more address(es) fit on vnic-1 (limit 4)' });
    expect(results.find((r) => r.check === 'policy')).toMatchObject({ status: 'warn', detail: 'cannot tell', fix: 'add the policy' });
    expect(results.filter((r) => r.check.startsWith('cloud assignment')).map((r) => r.status)).toEqual(['pass', 'pass']);
  });

  it('a capacity the provider could not read is a warning that says why, not a pass', async () => {
    const facts: CloudFacts = { nicId: 'eni-1', addressCapacity: { error: { code: 'VIPD_E_CLOUD_PERMISSION', message: 'denied' } }, checks: [] };
    const results = await run(cloud({ kind: 'me' }, facts), 'MASTER');
    expect(results.find((r) => r.check === 'NIC address limit')).toMatchObject({ status: 'warn', detail: 'cannot count the addresses on eni-1: denied' });
  });
});
