import { VipdError } from '../../src/errors';
import { OsConfigurator } from '../../src/os/configurator';
import type { CommandResult, CommandRunner } from '../../src/os/runner';
import { silentLogger } from '../../src/util/logger';
import { group, osConfig, vip } from '../support/os-fixtures';

interface Call {
  file: string;
  args: readonly string[];
  input: string | undefined;
}

/** A scripted host: answers observations from JSON documents and records every command. */
class FakeHost implements CommandRunner {
  readonly calls: Call[] = [];
  addrs = `[{"ifname":"eth0","address":"02:00:00:00:00:01","addr_info":[{"family":"inet","local":"10.0.1.10","prefixlen":24,"scope":"0"}]}]`;
  rules = '[{"priority":0,"src":"all","table":"255"},{"priority":32766,"src":"all","table":"254"}]';
  ours = '[]';
  mainDefaults = '[{"dst":"default","gateway":"10.0.1.1","dev":"eth0","protocol":"4","flags":[]}]';
  failBatch: CommandResult | null = null;
  tools: Record<string, CommandResult | 'missing'> = {
    ip: { stdout: 'ip utility, iproute2-6.1.0, libbpf 1.1.2\n', stderr: '', exitCode: 0 },
    arping: { stdout: 'arping from iputils 20221126\n', stderr: '', exitCode: 0 },
  };

  async run(file: string, args: readonly string[], options?: { input?: string }): Promise<CommandResult> {
    this.calls.push({ file, args, input: options?.input });
    if (args[0] === '-V') {
      const t = this.tools[file];
      if (t === undefined || t === 'missing') throw new VipdError('VIPD_E_TOOL_MISSING', `cannot run ${file}: ENOENT`);
      return t;
    }
    if (file === 'ip' && args.includes('-json')) {
      return { stdout: [this.addrs, this.rules, this.ours, this.mainDefaults].join('\n') + '\n', stderr: '', exitCode: 0 };
    }
    if (file === 'ip' && args.includes('-batch')) return this.failBatch ?? { stdout: '', stderr: '', exitCode: 0 };
    return { stdout: '', stderr: '', exitCode: 0 };
  }

  changeBatches(): Call[] {
    return this.calls.filter((c) => c.file === 'ip' && c.args.includes('-batch') && !c.args.includes('-json'));
  }
}

const WEB = group({ vips: [vip('10.0.1.42')] });

function make(host: FakeHost, config = osConfig()): OsConfigurator {
  return new OsConfigurator({ runner: host, logger: silentLogger(), config });
}

describe('OsConfigurator (scripted host)', () => {
  it('acquires with one observation and one change batch, then announces with arping -U and -A', async () => {
    const host = new FakeHost();
    const os = make(host);
    await os.acquire(WEB);
    await os.settled();
    const batches = host.changeBatches();
    expect(batches).toHaveLength(1);
    expect(batches[0]?.args).toEqual(['-4', '-batch', '-']);
    expect(batches[0]?.input).toBe(
      [
        'address replace 10.0.1.42/24 dev eth0',
        'rule add from 10.0.1.42/32 lookup 3432 priority 3400 protocol 86',
        'route replace 0.0.0.0/0 via 10.0.1.1 dev eth0 table 3432 proto 86',
        'route replace 10.0.1.0/24 dev eth0 src 10.0.1.42 table 3432 proto 86',
        '',
      ].join('\n'),
    );
    const arping = host.calls.filter((c) => c.file === 'arping').map((c) => c.args);
    expect(arping).toEqual([
      ['-U', '-c', '1', '-I', 'eth0', '-s', '10.0.1.42', '10.0.1.42'],
      ['-A', '-c', '1', '-I', 'eth0', '-s', '10.0.1.42', '10.0.1.42'],
    ]);
    expect(host.calls.filter((c) => c.file === 'ip')).toHaveLength(2);
  });

  it('reports a failing batch line with exit code and stderr (VIPD_E_COMMAND_FAILED)', async () => {
    const host = new FakeHost();
    host.failBatch = { stdout: '', stderr: 'Error: Nexthop has invalid gateway.\nCommand failed -:3\n', exitCode: 1 };
    const err = await make(host)
      .acquire(WEB)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'VIPD_E_COMMAND_FAILED',
      details: { failed: ['route replace 0.0.0.0/0 via 10.0.1.1 dev eth0 table 3432 proto 86'], exitCode: 1 },
    });
    expect((err as VipdError).message).toContain('Nexthop has invalid gateway');
  });

  it('maps a missing device to VIPD_E_INTERFACE and unreadable output to VIPD_E_OS_STATE, changing nothing', async () => {
    const host = new FakeHost();
    host.run = async (file, args, options) => {
      host.calls.push({ file, args, input: options?.input });
      return { stdout: '', stderr: 'Device "eth0" does not exist.\nCommand failed -:1\n', exitCode: 1 };
    };
    await expect(make(host).acquire(WEB)).rejects.toMatchObject({ code: 'VIPD_E_INTERFACE' });
    const garbled = new FakeHost();
    garbled.rules = '[{"priority":"x"}]';
    await expect(make(garbled).acquire(WEB)).rejects.toMatchObject({ code: 'VIPD_E_OS_STATE' });
    await expect(make(garbled).observe(WEB)).rejects.toMatchObject({ code: 'VIPD_E_OS_STATE' });
    expect(garbled.changeBatches()).toEqual([]);
  });

  it('preflight names the Debian package of a missing or wrong tool', async () => {
    const missing = new FakeHost();
    missing.tools.arping = 'missing';
    await expect(make(missing).preflight([WEB])).rejects.toMatchObject({ code: 'VIPD_E_TOOL_MISSING', message: expect.stringContaining('iputils-arping') });
    const habets = new FakeHost();
    habets.tools.arping = { stdout: 'ARPing 2.21, by Thomas Habets\n', stderr: '', exitCode: 0 };
    await expect(make(habets).preflight([WEB])).rejects.toMatchObject({ code: 'VIPD_E_TOOL_MISSING', message: expect.stringContaining('iputils-arping') });
    const v6 = new FakeHost();
    await expect(make(v6).preflight([group({ vips: [vip('fd00::42', 64)] })])).rejects.toMatchObject({ message: expect.stringContaining('ndisc6') });
    const ok = new FakeHost();
    await expect(make(ok).preflight([WEB])).resolves.toBeUndefined();
  });

  it('refuses an interface name that could smuggle batch syntax', async () => {
    await expect(make(new FakeHost()).acquire(group({ interface: 'eth0 table 1', vips: [vip('10.0.1.42')] }))).rejects.toMatchObject({ code: 'VIPD_E_CONFIG' });
  });

  it('does nothing at all with os.enabled=false', async () => {
    const host = new FakeHost();
    const os = make(host, osConfig({ enabled: false }));
    await os.acquire(WEB);
    await os.release(WEB);
    expect(await os.repair(WEB)).toEqual([]);
    expect(await os.cleanupOrphans([WEB])).toEqual([]);
    expect(host.calls).toEqual([]);
  });

  it('announce(group, count) sends that many rounds (re-announcement), otherwise os.arp.count', async () => {
    const host = new FakeHost();
    const os = make(host, osConfig({ arp: { sender: 'arping', count: 2, repeatDelayMs: 0, refreshIntervalMs: 0 } }));
    await os.acquire(WEB);
    await os.settled();
    host.calls.length = 0;
    await os.announce(WEB, 5);
    await os.announce(WEB);
    expect(host.calls.filter((c) => c.file === 'arping').map((c) => `${c.args[0] ?? ''} -c ${c.args[2] ?? ''}`)).toEqual([
      '-U -c 5',
      '-A -c 5',
      '-U -c 2',
      '-A -c 2',
    ]);
  });

  it('a repeat announcement for a group released meanwhile sends nothing (it must not pull traffic from the new holder)', async () => {
    const host = new FakeHost();
    const os = make(host);
    await os.acquire(WEB);
    await os.settled();
    const arpings = (): number => host.calls.filter((c) => c.file === 'arping').length;
    await os.announce(WEB); // a scheduled repeat while held
    const whileHeld = arpings();
    expect(whileHeld).toBeGreaterThan(0);
    await os.release(WEB);
    await os.announce(WEB); // the repeat timer raced the release
    expect(arpings()).toBe(whileHeld);
    await os.acquire(WEB); // held again: announcements resume
    await os.settled();
    expect(arpings()).toBeGreaterThan(whileHeld);
  });

  it('release removes only our address (our prefix) and rules tagged with our protocol', async () => {
    const host = new FakeHost();
    host.addrs = `[{"ifname":"eth0","addr_info":[{"family":"inet","local":"10.0.1.10","prefixlen":24,"scope":"0"},{"family":"inet","local":"10.0.1.42","prefixlen":24,"scope":"0","secondary":true},{"family":"inet","local":"10.0.1.43","prefixlen":24,"scope":"0","secondary":true}]}]`;
    host.rules = '[{"priority":3400,"src":"10.0.1.42","table":"3432","protocol":"86"},{"priority":3400,"src":"10.0.1.42","table":"254"}]';
    await make(host).release(WEB);
    const [batch] = host.changeBatches();
    expect(batch?.args).toEqual(['-4', '-force', '-batch', '-']);
    expect(batch?.input).toBe('rule del from 10.0.1.42/32 lookup 3432 priority 3400 protocol 86\naddress del 10.0.1.42/24 dev eth0\n');
  });
});
