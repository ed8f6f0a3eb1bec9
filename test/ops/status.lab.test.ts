import type { Lab } from '../../lab/netns/lab';
import { ControlClient } from '../../src/control/client';
import type { DaemonStatus } from '../../src/runtime/daemon';
import { ensureBuilt } from '../support/build';
import { describeLab } from '../support/lab-guard';
import { eventually, newLab } from '../support/lab';
import { LabVipd } from '../support/lab-vipd';

/**
 * `vipd status` with the real OS layer: the OS view of a VIP is shown as
 * current only while it is; after the node hands the VIP over, the view it
 * took as MASTER is history, shown with its age, never as "on interface".
 */
jest.setTimeout(180_000);

const VIP = '10.0.1.100';

async function status(d: LabVipd, i: number): Promise<DaemonStatus> {
  return (await new ControlClient(d.socket(i)).call('status', {}, 5000)) as DaemonStatus;
}

async function vipOn(lab: Lab, i: number): Promise<boolean> {
  const links = (await lab.ipJson(lab.nodeNs(i), ['addr', 'show', 'dev', 'eth0'])) as Array<{ addr_info?: Array<{ local?: string }> }>;
  return links.some((l) => (l.addr_info ?? []).some((a) => a.local === VIP));
}

describeLab('vipd status never shows a stale OS view as current', () => {
  let lab: Lab;
  let vipd: LabVipd;

  beforeAll(async () => {
    ensureBuilt();
    lab = await newLab({ nodes: 2 });
    vipd = new LabVipd(lab, 2, 100, (doc) => {
      doc.os.reconcileIntervalMs = '500ms';
    });
    vipd.start(1);
    vipd.start(2);
    await vipd.get(1).waitFor((l) => l.event === 'vips-ready', 20_000, 'vips ready');
    await vipd.get(2).waitForRole('web', 'BACKUP');
  });

  afterAll(async () => {
    await vipd?.destroy();
    await lab?.teardown();
  });

  it('the master shows the fresh view; after handing over, the old view is history with its age', async () => {
    await eventually(async () => (await status(vipd, 1)).groups[0]?.lastVerify?.fresh === true, 'a fresh verify on the master');
    let text = (await vipd.cli(1, ['status', '--socket', vipd.socket(1)])).stdout;
    expect(text).toMatch(/vip 10\.0\.1\.100: os on interface \/24; cloud - \(checked \d+ ms ago\)/);

    expect((await vipd.cli(1, ['switchover', '--group', 'web', '--socket', vipd.socket(1)])).code).toBe(0);
    await eventually(async () => (await vipOn(lab, 2)) && !(await vipOn(lab, 1)), 'VIP only on n2');
    const s = await status(vipd, 1);
    expect(s.groups[0]?.election.role).toBe('BACKUP');
    expect(s.groups[0]?.lastVerify).toMatchObject({ fresh: false, takenAs: 'MASTER' });
    text = (await vipd.cli(1, ['status', '--socket', vipd.socket(1)])).stdout;
    expect(text).not.toMatch(/vip 10\.0\.1\.100: os on interface/);
    expect(text).toMatch(/vip 10\.0\.1\.100: not checked since the last change; \d+(\.\d)? (ms|s|min) ago, as MASTER: os on interface \/24/);
  });
});
