import { join } from 'node:path';
import type { GroupConfig, OsConfig } from '../../src/config/types';
import type { Lab } from '../../lab/netns/lab';
import { OsConfigurator } from '../../src/os/configurator';
import { findGarpAddon } from '../../src/os/garp';
import type { CommandResult, CommandRunner, PreparedCommand } from '../../src/os/runner';
import { silentLogger } from '../../src/util/logger';
import { ensureBuilt } from '../support/build';
import { describeLab } from '../support/lab-guard';
import { eventually, newLab } from '../support/lab';
import { group, osConfig, vip } from '../support/os-fixtures';

jest.setTimeout(180_000);

/**
 * Records every spawn so tests can assert how many processes an operation
 * costs. With `prepared`, it also starts commands ahead (as the daemon's
 * runner does) and records each feeding of one as ['prepared', file, ...args].
 */
class CountingRunner implements CommandRunner {
  readonly calls: string[][] = [];
  readonly prepare?: (file: string, args: readonly string[]) => PreparedCommand;
  constructor(
    private readonly inner: CommandRunner,
    prepared = false,
  ) {
    const prepare = inner.prepare?.bind(inner);
    if (prepared && prepare) {
      this.prepare = (file, args) => {
        const p = prepare(file, args);
        return {
          get alive() {
            return p.alive;
          },
          run: (input, options) => {
            this.calls.push(['prepared', file, ...args]);
            return p.run(input, options);
          },
          dispose: () => p.dispose(),
        };
      };
    }
  }
  run(file: string, args: readonly string[], options?: { timeoutMs?: number; input?: string }): Promise<CommandResult> {
    this.calls.push([file, ...args]);
    return this.inner.run(file, args, options);
  }
}

function configurator(lab: Lab, i: number, config: OsConfig = osConfig(), prepared = false): { os: OsConfigurator; runner: CountingRunner } {
  const runner = new CountingRunner(lab.nodeRunner(i), prepared);
  return { os: new OsConfigurator({ runner, logger: silentLogger(), config }), runner };
}

/** Everything vipd could touch in a namespace, as the kernel reports it. */
async function hostState(lab: Lab, ns: string): Promise<unknown> {
  const read = (args: string[]): Promise<unknown> => lab.ipJson(ns, ['-N', ...args]);
  return {
    addrs: await read(['addr', 'show']),
    rules4: await read(['-4', 'rule', 'show']),
    rules6: await read(['-6', 'rule', 'show']),
    routes4: await read(['-4', 'route', 'show', 'table', 'all']),
    routes6: await read(['-6', 'route', 'show', 'table', 'all']),
  };
}

interface AddrInfo {
  family: string;
  local: string;
  prefixlen: number;
  nodad?: boolean;
}
async function addresses(lab: Lab, i: number): Promise<AddrInfo[]> {
  const links = (await lab.ipJson(lab.nodeNs(i), ['addr', 'show', 'dev', 'eth0'])) as { addr_info: AddrInfo[] }[];
  return links[0]?.addr_info ?? [];
}

const WEB: GroupConfig = group({ vips: [vip('10.0.1.42'), vip('10.0.1.43')] });
// tableBase 3400 + group 1 * 32 + index
const T42 = 3432;
const T43 = 3433;

describeLab('OsConfigurator on a real interface (lab node namespace)', () => {
  let lab: Lab;
  beforeAll(() => ensureBuilt());
  // A fresh lab per test: a failing test cannot leave state the next one trips on.
  beforeEach(async () => {
    lab = await newLab({ nodes: 2, ipv6: true });
  });
  afterEach(async () => lab?.teardown());

  it('release stops an ARP burst still in flight (no announcement for a VIP we let go)', async () => {
    const { os } = configurator(lab, 1, osConfig({ arp: { sender: 'arping', count: 10, repeatDelayMs: 0, refreshIntervalMs: 0 } }));
    await os.preflight([WEB]);
    await os.acquire(WEB);
    const arpings = async (): Promise<number> => {
      const r = await lab.run(lab.nodeNs(1), ['pgrep', '-f', 'arping .*10\\.0\\.1\\.4[23]']);
      return r.stdout.trim() === '' ? 0 : r.stdout.trim().split('\n').length;
    };
    await eventually(async () => (await arpings()) > 0, 'arping running');
    await os.release(WEB);
    await eventually(async () => (await arpings()) === 0, 'arping stopped by release', 5000);
    await os.settled();
  });

  it('acquires from a fresh standby reading in ONE ip spawn (none when standby started it), and re-reads when the host changed since', async () => {
    const ns = lab.nodeNs(1);
    const { os, runner } = configurator(lab, 1);
    await os.preflight([WEB]);
    await os.standby(WEB);
    runner.calls.length = 0;
    await os.acquire(WEB);
    expect(runner.calls.filter((c) => c[0] === 'ip')).toHaveLength(1);
    const view = await os.observe(WEB);
    expect(view.vips.every((v) => v.addressOk && v.ruleOk === true && v.tableOk === true)).toBe(true);
    await os.release(WEB);

    // With the runner able to start commands ahead (as the daemon's is), standby also starts the
    // `ip -batch -` that acquire feeds: no ip process is spawned at acquire (arping is this test's sender).
    const armed = configurator(lab, 1, osConfig(), true);
    await armed.os.standby(WEB);
    armed.runner.calls.length = 0;
    await armed.os.acquire(WEB);
    expect(armed.runner.calls.filter((c) => c[0] !== 'arping')).toEqual([['prepared', 'ip', '-4', '-batch', '-']]);
    expect((await armed.os.observe(WEB)).vips.every((v) => v.addressOk && v.ruleOk === true && v.tableOk === true)).toBe(true);
    await armed.os.release(WEB);
    await armed.os.standby(WEB);
    armed.os.close();
    await armed.os.acquire(WEB); // closed: spawns again, same result
    expect((await armed.os.observe(WEB)).vips.every((v) => v.addressOk && v.ruleOk === true && v.tableOk === true)).toBe(true);
    await armed.os.release(WEB);

    // Stale standby: something added one of our rules after the reading. The fast batch fails
    // on it (EEXIST), acquire re-reads and converges: no duplicate rule, everything in place; the
    // same with the batch fed to a process started at standby.
    for (const { os: o, runner: r } of [{ os, runner }, armed]) {
      await o.standby(WEB);
      await lab.ip(ns, ['rule', 'add', 'from', '10.0.1.42', 'lookup', String(T42), 'priority', '3400', 'protocol', '86']);
      r.calls.length = 0;
      await o.acquire(WEB);
      expect(r.calls.filter((c) => c[0] === 'ip').length).toBeGreaterThan(1);
      const rules = (await lab.ipJson(ns, ['-N', 'rule', 'show', 'priority', '3400'])) as Array<{ src?: string }>;
      expect(rules.filter((x) => x.src === '10.0.1.42')).toHaveLength(1);
      const after = await o.observe(WEB);
      expect(after.vips.every((v) => v.addressOk && v.ruleOk === true && v.tableOk === true)).toBe(true);
      await o.release(WEB);
      await o.settled();
    }
  });

  it('acquires with the subnet prefix, one rule and one table per VIP, in one batch; release restores the host exactly', async () => {
    const ns = lab.nodeNs(1);
    const before = await hostState(lab, ns);
    const { os, runner } = configurator(lab, 1);
    await os.preflight([WEB]);
    runner.calls.length = 0;
    await os.acquire(WEB);
    // One observation spawn and one change batch (the ARP burst runs in the background).
    expect(runner.calls.filter((c) => c.includes('ip') && c.includes('-batch')).length).toBe(2);

    const addrs = await addresses(lab, 1);
    expect(addrs.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`)).toEqual(['10.0.1.10/24', '10.0.1.42/24', '10.0.1.43/24']);
    const rules = (await lab.ipJson(ns, ['-N', 'rule', 'show', 'priority', '3400'])) as unknown[];
    expect(rules).toEqual([
      { priority: 3400, src: '10.0.1.42', table: String(T42), protocol: '86' },
      { priority: 3400, src: '10.0.1.43', table: String(T43), protocol: '86' },
    ]);
    const table = (await lab.ipJson(ns, ['-N', 'route', 'show', 'table', String(T42)])) as Record<string, unknown>[];
    expect(table).toEqual([
      expect.objectContaining({ dst: 'default', gateway: '10.0.1.1', dev: 'eth0', protocol: '86' }),
      expect.objectContaining({ dst: '10.0.1.0/24', dev: 'eth0', prefsrc: '10.0.1.42', protocol: '86' }),
    ]);
    // The kernel picks the VIP's table for traffic from the VIP.
    const get = (await lab.ipJson(ns, ['-N', 'route', 'get', '10.0.2.10', 'from', '10.0.1.42'])) as Record<string, unknown>[];
    expect(get[0]).toMatchObject({ table: String(T42), gateway: '10.0.1.1', dev: 'eth0' });

    const view = await os.observe(WEB);
    expect(view.vips).toEqual([
      { address: '10.0.1.42', onInterface: true, prefix: 24, expectedPrefix: 24, addressOk: true, ruleOk: true, tableOk: true },
      { address: '10.0.1.43', onInterface: true, prefix: 24, expectedPrefix: 24, addressOk: true, ruleOk: true, tableOk: true },
    ]);

    // Idempotent: a second acquire observes and changes nothing.
    runner.calls.length = 0;
    await os.acquire(WEB);
    expect(runner.calls.filter((c) => c.includes('-batch') && !c.includes('-json')).length).toBe(0);

    await os.settled();
    await os.release(WEB);
    expect(await hostState(lab, ns)).toEqual(before);
    const after = await os.observe(WEB);
    expect(after.vips.map((v) => [v.onInterface, v.ruleOk, v.tableOk])).toEqual([
      [false, false, false],
      [false, false, false],
    ]);
    // Releasing again is a no-op, not an error.
    await os.release(WEB);
  });

  it('repairs what something else removed, and reports each repair', async () => {
    const ns = lab.nodeNs(1);
    const { os } = configurator(lab, 1);
    await os.acquire(WEB);
    await os.settled();
    expect(await os.repair(WEB)).toEqual([]);
    await lab.ip(ns, ['addr', 'del', '10.0.1.42/24', 'dev', 'eth0']);
    await lab.ip(ns, ['rule', 'del', 'from', '10.0.1.43', 'lookup', String(T43), 'priority', '3400']);
    const view = await os.observe(WEB);
    expect(view.vips.map((v) => [v.address, v.addressOk, v.ruleOk])).toEqual([
      ['10.0.1.42', false, true],
      ['10.0.1.43', true, false],
    ]);
    const repairs = await os.repair(WEB);
    expect(repairs).toEqual(expect.arrayContaining(['re-applied address 10.0.1.42/24 on eth0', 're-applied rule from 10.0.1.43 lookup 3433 priority 3400']));
    // Whatever else was re-applied is a route of the VIP's own table (kernels differ in what an address delete takes along).
    expect(repairs.filter((r) => !r.startsWith('re-applied address') && !r.startsWith('re-applied rule')).every((r) => r.includes('in table 3432'))).toBe(true);
    expect((await os.observe(WEB)).vips.every((v) => v.addressOk && v.ruleOk && v.tableOk)).toBe(true);
    expect(await os.repair(WEB)).toEqual([]);
    // A flushed table is repaired too.
    await lab.ip(ns, ['route', 'flush', 'table', String(T43)]);
    expect(await os.repair(WEB)).toEqual(['re-applied route default via 10.0.1.1 in table 3433', 're-applied route 10.0.1.0/24 src 10.0.1.43 in table 3433']);
    await os.settled();
    await os.release(WEB);
  });

  it('a new instance removes what a previous run left behind (orphans), and nothing else', async () => {
    const ns = lab.nodeNs(1);
    const before = await hostState(lab, ns);
    const first = configurator(lab, 1).os;
    await first.acquire(WEB);
    await first.settled();
    // A VIP the config no longer has, left in one of the group's tables by an older config.
    await lab.ip(ns, ['rule', 'add', 'from', '10.0.1.99', 'lookup', '3440', 'priority', '3400', 'protocol', '86']);
    await lab.ip(ns, ['route', 'add', 'default', 'via', '10.0.1.1', 'table', '3440', 'proto', '86']);
    // Not ours: no protocol tag, or another prefix.
    await lab.ip(ns, ['rule', 'add', 'from', '10.0.1.42', 'lookup', 'main', 'priority', '500']);
    const withForeign = await hostState(lab, ns);

    const second = configurator(lab, 1).os;
    const removed = await second.cleanupOrphans([WEB]);
    expect(removed).toEqual(
      expect.arrayContaining([
        'removed orphan address 10.0.1.42/24 on eth0',
        'removed orphan address 10.0.1.43/24 on eth0',
        'removed orphan rule from 10.0.1.99 lookup 3440 priority 3400',
        'removed orphan route 0.0.0.0/0 in table 3440',
      ]),
    );
    expect(await second.cleanupOrphans([WEB])).toEqual([]);
    await lab.ip(ns, ['rule', 'del', 'from', '10.0.1.42', 'lookup', 'main', 'priority', '500']);
    expect(await hostState(lab, ns)).toEqual(before);
    expect(withForeign).not.toEqual(before);
  });

  it('release removes the VIPs with the prefix they were added with, also after the primary address is gone', async () => {
    const ns = lab.nodeNs(1);
    const { os } = configurator(lab, 1);
    await os.acquire(WEB);
    await os.settled();
    // networkd restart / DHCP renew: the host's own address goes away (the VIPs are promoted, not dropped).
    await lab.run(ns, ['sysctl', '-qw', 'net.ipv4.conf.eth0.promote_secondaries=1']);
    await lab.ip(ns, ['addr', 'del', '10.0.1.10/24', 'dev', 'eth0']);
    let inet = (await addresses(lab, 1)).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
    expect(inet).toEqual(['10.0.1.42/24', '10.0.1.43/24']);
    // Deriving the prefix now fails (no primary); the one applied at acquire is used.
    await os.release(WEB);
    inet = (await addresses(lab, 1)).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
    expect(inet).toEqual([]);
    const rules = (await lab.ipJson(ns, ['-4', 'rule', 'show'])) as { src?: string }[];
    expect(rules.filter((r) => r.src === '10.0.1.42' || r.src === '10.0.1.43')).toEqual([]);
  });

  it('leaves an address of the VIP with another prefix alone (not ours as configured)', async () => {
    const ns = lab.nodeNs(1);
    await lab.ip(ns, ['addr', 'add', '10.0.1.42/32', 'dev', 'eth0']);
    const { os } = configurator(lab, 1);
    await os.acquire(WEB);
    await os.settled();
    let inet = (await addresses(lab, 1)).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
    expect(inet).toEqual(expect.arrayContaining(['10.0.1.42/32', '10.0.1.42/24']));
    await os.release(WEB);
    inet = (await addresses(lab, 1)).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
    expect(inet).toEqual(['10.0.1.10/24', '10.0.1.42/32']);
    await lab.ip(ns, ['addr', 'del', '10.0.1.42/32', 'dev', 'eth0']);
  });

  it('IPv6: nodad address with the /64 prefix, rule and table; release restores the host', async () => {
    const ns = lab.nodeNs(1);
    const before = await hostState(lab, ns);
    const v6 = group({ name: 'v6', id: 2, vips: [vip('FD00:1:0::42')] });
    const { os } = configurator(lab, 1);
    await os.preflight([v6]);
    await os.acquire(v6);
    const a = (await addresses(lab, 1)).find((x) => x.local === 'fd00:1::42');
    expect(a).toMatchObject({ prefixlen: 64, nodad: true });
    const get = (await lab.ipJson(ns, ['-N', '-6', 'route', 'get', 'fd00:2::10', 'from', 'fd00:1::42'])) as Record<string, unknown>[];
    expect(get[0]).toMatchObject({ table: String(3400 + 2 * 32), gateway: 'fd00:1::1', dev: 'eth0' });
    expect((await os.observe(v6)).vips[0]).toMatchObject({ addressOk: true, ruleOk: true, tableOk: true });
    await os.settled();
    await os.release(v6);
    expect(await hostState(lab, ns)).toEqual(before);
  });

  it('gratuitous ARP moves the fabric neighbour entry to the new holder', async () => {
    const address = '10.0.1.42';
    const g = group({ vips: [vip(address)] });
    // A burst of three: the fabric ignores a GARP within locktime (1 s) of its last update.
    const burst = osConfig({ arp: { sender: 'arping', count: 3, repeatDelayMs: 2000, refreshIntervalMs: 0 } });
    const n1 = configurator(lab, 1, burst).os;
    const n2 = configurator(lab, 2, burst).os;
    await n1.acquire(g);
    await n1.settled();
    // arp_accept=0: a GARP only updates an existing entry, so make one.
    expect((await lab.run(lab.fabricNs, ['ping', '-n', '-c', '1', '-W', '2', address])).exitCode).toBe(0);
    const mac1 = await lab.nodeMac(1);
    const mac2 = await lab.nodeMac(2);
    expect((await lab.fabricNeighbour(address))?.lladdr).toBe(mac1);
    await n1.release(g);
    await n2.acquire(g);
    // No traffic is sent to the VIP meanwhile: only the announcement can change the entry.
    await eventually(async () => (await lab.fabricNeighbour(address))?.lladdr === mac2, 'fabric entry to point at node 2');
    await n2.settled();
    await n2.release(g);
  });

  it('the in-process sender (native addon): each of its two frames alone moves the fabric entry, from inside a node namespace', async () => {
    const address = '10.0.1.42';
    const g = group({ vips: [vip(address)] });
    const n1 = configurator(lab, 1).os;
    await n1.acquire(g);
    await n1.settled();
    const mac1 = await lab.nodeMac(1);
    const mac2 = await lab.nodeMac(2);
    // Node 2 does not carry the address: were it there, it would answer the fabric's ping as well.
    const addon = findGarpAddon();
    expect(addon).not.toBeNull();
    for (const reply of [false, true]) {
      // Point the fabric at node 1 again (a reply to its ping), so only the next frame can move it.
      await lab.ip(lab.fabricNs, ['neigh', 'flush', 'dev', 'br0', 'to', address]);
      expect((await lab.run(lab.fabricNs, ['ping', '-n', '-c', '1', '-W', '2', address])).exitCode).toBe(0);
      expect((await lab.fabricNeighbour(address))?.lladdr).toBe(mac1);
      // One frame, after the fabric's locktime (1 s) since the ping refreshed the entry.
      const script = `setTimeout(() => require(${JSON.stringify(addon)}).sendGratuitousArp('eth0', ${JSON.stringify(address)}, ${reply}), 1100)`;
      const r = await lab.run(lab.nodeNs(2), [process.execPath, '-e', script]);
      expect(r).toMatchObject({ exitCode: 0, stderr: '' });
      await eventually(
        async () => (await lab.fabricNeighbour(address))?.lladdr === mac2,
        `fabric entry to point at node 2 after the ${reply ? 'reply' : 'request'} form`,
      );
    }
    await n1.release(g);
  });

  it("acquire with the native sender: the announcement leaves from the configurator's own process, no arping spawned", async () => {
    const address = '10.0.1.42';
    const g = group({ vips: [vip(address)] });
    const n1 = configurator(lab, 1).os;
    await n1.acquire(g);
    await n1.settled();
    expect((await lab.run(lab.fabricNs, ['ping', '-n', '-c', '1', '-W', '2', address])).exitCode).toBe(0);
    await n1.release(g);
    // The native sender sends from its own process's namespace, and jest runs in the host's: so the
    // configurator runs in a node process inside node 2's namespace, spawning through a recording runner.
    const mac2 = await lab.nodeMac(2);
    const script = [
      `const { OsConfigurator } = require(${JSON.stringify(join(__dirname, '..', '..', 'dist', 'src', 'os', 'configurator.js'))});`,
      `const { ExecFileRunner } = require(${JSON.stringify(join(__dirname, '..', '..', 'dist', 'src', 'os', 'exec-runner.js'))});`,
      `const { loadNativeGarp } = require(${JSON.stringify(join(__dirname, '..', '..', 'dist', 'src', 'os', 'garp.js'))});`,
      `const spawned = []; const inner = new ExecFileRunner();`,
      `const runner = { run: (f, a, o) => { spawned.push(f); return inner.run(f, a, o); } };`,
      `const logger = { child: () => logger, info() {}, warn() {}, debug() {}, error() {} };`,
      `const config = ${JSON.stringify(osConfig({ arp: { sender: 'native', count: 3, repeatDelayMs: 0, refreshIntervalMs: 0 } }))};`,
      `const os = new OsConfigurator({ runner, logger, config, garp: loadNativeGarp() });`,
      `const g = ${JSON.stringify(g)};`,
      `(async () => { await os.preflight([g]); await os.acquire(g); await os.settled(); await os.release(g); console.log(JSON.stringify(spawned)); })().catch((e) => { console.error(e); process.exit(1); });`,
    ].join('\n');
    const r = await lab.run(lab.nodeNs(2), [process.execPath, '-e', script], { timeoutMs: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const spawned = JSON.parse(r.stdout) as string[];
    expect(spawned).not.toContain('arping');
    expect(spawned.every((f) => f === 'ip')).toBe(true);
    // Three rounds a second apart: the later ones land past the fabric's locktime.
    expect((await lab.fabricNeighbour(address))?.lladdr).toBe(mac2);
  });

  it('IPv6: the neighbour solicitation from the VIP moves the fabric entry to the new holder', async () => {
    const address = 'fd00:1::42';
    const g = group({ name: 'v6', id: 2, vips: [vip(address)] });
    const n1 = configurator(lab, 1).os;
    const n2 = configurator(lab, 2).os;
    await n1.acquire(g);
    await n1.settled();
    expect((await lab.run(lab.fabricNs, ['ping', '-6', '-n', '-c', '1', '-W', '2', address])).exitCode).toBe(0);
    const mac2 = await lab.nodeMac(2);
    expect((await lab.fabricNeighbour(address))?.lladdr).toBe(await lab.nodeMac(1));
    await n1.release(g);
    await n2.acquire(g);
    await eventually(async () => (await lab.fabricNeighbour(address))?.lladdr === mac2, 'fabric entry to point at node 2');
    await n2.settled();
    await n2.release(g);
  });

  it('fails with typed errors: missing interface, no default route to copy', async () => {
    const { os } = configurator(lab, 1);
    await expect(os.acquire(group({ interface: 'eth9', vips: [vip('10.0.1.42')] }))).rejects.toMatchObject({ code: 'VIPD_E_INTERFACE' });
    const ns = lab.nodeNs(2);
    await lab.ip(ns, ['route', 'del', 'default']);
    try {
      const n2 = configurator(lab, 2).os;
      await expect(n2.preflight([WEB])).rejects.toMatchObject({ code: 'VIPD_E_INTERFACE', message: expect.stringContaining('os.gateway') });
      // With os.gateway set, the table uses it.
      const withGw = configurator(lab, 2, osConfig({ gateway: '10.0.1.1' })).os;
      await withGw.acquire(WEB);
      expect((await withGw.observe(WEB)).vips.every((v) => v.tableOk)).toBe(true);
      await withGw.settled();
      await withGw.release(WEB);
    } finally {
      await lab.ip(ns, ['route', 'add', 'default', 'via', '10.0.1.1', 'dev', 'eth0']);
    }
  });
});
