import type { Lab } from '../../lab/netns/lab';
import { ControlClient } from '../../src/control/client';
import type { DaemonStatus } from '../../src/runtime/daemon';
import { ensureBuilt } from '../support/build';
import { describeLab } from '../support/lab-guard';
import { eventually, newLab } from '../support/lab';
import { LabVipd } from '../support/lab-vipd';

/**
 * Signals and the crash path against real daemons in the namespace lab
 * (provider none, the real OS layer: addresses on eth0, gratuitous ARP):
 * SIGUSR2 on the master must leave it master, holding and serving the VIP;
 * a fatal error in the master must leave no VIP on it, and the peer serves.
 */
jest.setTimeout(180_000);

const VIP = '10.0.1.100';

async function role(d: LabVipd, i: number): Promise<string | undefined> {
  return ((await new ControlClient(d.socket(i)).call('status', {}, 5000)) as DaemonStatus).groups[0]?.election.role;
}

async function vipOn(lab: Lab, i: number): Promise<boolean> {
  const links = (await lab.ipJson(lab.nodeNs(i), ['addr', 'show', 'dev', 'eth0'])) as Array<{ addr_info?: Array<{ local?: string }> }>;
  return links.some((l) => (l.addr_info ?? []).some((a) => a.local === VIP));
}

/** Who answers on the VIP, seen from the lab's client (the service replies with its node name). */
async function servedBy(lab: Lab): Promise<string | null> {
  const r = await lab.run(lab.clientNs, ['curl', '-s', '--max-time', '2', `http://${VIP}:8080/`], { timeoutMs: 10_000 });
  return r.exitCode === 0 ? r.stdout.trim() : null;
}

describeLab('signals and fatal errors against real daemons', () => {
  let lab: Lab;
  let vipd: LabVipd;

  beforeEach(async () => {
    ensureBuilt();
    lab = await newLab({ nodes: 2 });
    vipd = new LabVipd(lab, 2, 100);
    for (const i of [1, 2]) await lab.startService(i, 8080);
  });

  afterEach(async () => {
    await vipd?.destroy();
    await lab?.teardown();
  });

  it('SIGUSR2 on the master: it stays MASTER and keeps the VIP and the service, the backup does not take over', async () => {
    vipd.start(1);
    vipd.start(2);
    await vipd.get(1).waitFor((l) => l.event === 'vips-ready', 20_000, 'vips ready');
    await vipd.get(2).waitForRole('web', 'BACKUP');
    const mark = vipd.get(2).lines.length;
    await eventually(async () => (await servedBy(lab)) === lab.nodeName(1), 'the service answering from n1');
    vipd.get(1).signal('SIGUSR2');
    await vipd.get(1).waitFor((l) => l.event === 'counters-dump', 10_000, 'the counters dump');
    await new Promise((r) => setTimeout(r, 1500)); // many down intervals (100 ms adverts)
    expect(vipd.get(1).child.exitCode).toBeNull();
    expect(await role(vipd, 1)).toBe('MASTER');
    expect(await role(vipd, 2)).toBe('BACKUP');
    expect(await vipOn(lab, 1)).toBe(true);
    expect(await vipOn(lab, 2)).toBe(false);
    expect(await servedBy(lab)).toBe(lab.nodeName(1));
    expect(
      vipd
        .get(2)
        .transitions('web')
        .filter((l) => vipd.get(2).lines.indexOf(l) >= mark),
    ).toEqual([]);
  });

  it('a fatal error in the master: logged, the VIP removed from its interface, exit 70; the peer takes over and serves', async () => {
    vipd.start(1, [], { VIPD_TEST_FAULT: 'uncaught-exception' });
    vipd.start(2);
    const n1 = vipd.get(1);
    const exit = await n1.wait();
    expect(exit.code).toBe(70);
    expect(n1.lines.find((l) => l.event === 'fatal-error')).toMatchObject({ kind: 'uncaught-exception', error: { type: 'VipdError' } });
    expect(n1.lines.some((l) => l.event === 'vips-ready')).toBe(true);
    // Gone when the process is: the release happened before the exit, not by anyone's later cleanup.
    expect(await vipOn(lab, 1)).toBe(false);
    await vipd.get(2).waitFor((l) => l.event === 'vips-ready', 20_000, 'n2 vips ready');
    expect(await vipOn(lab, 2)).toBe(true);
    await eventually(async () => (await servedBy(lab)) === lab.nodeName(2), 'the service answering from n2');
  });
});
