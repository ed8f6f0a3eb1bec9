import type { Lab } from '../../lab/netns/lab';
import { ensureBuilt } from '../support/build';
import { describeLab } from '../support/lab-guard';
import { newLab } from '../support/lab';
import { LabVipd } from '../support/lab-vipd';

jest.setTimeout(120_000);

describeLab('vipd run --dry-run', () => {
  let lab: Lab;
  let vipd: LabVipd;

  beforeAll(async () => {
    ensureBuilt();
    lab = await newLab({ nodes: 2 });
    vipd = new LabVipd(lab, 2);
  });

  afterAll(async () => {
    await vipd?.destroy();
    await lab?.teardown();
  });

  it('elects and logs the OS actions it would take, and changes nothing', async () => {
    const before = await lab.ip(lab.nodeNs(1), ['-json', 'addr', 'show']);
    const rulesBefore = await lab.ip(lab.nodeNs(1), ['-json', 'rule', 'show']);
    const n1 = vipd.start(1, ['--dry-run']);
    await n1.waitForRole('web', 'MASTER');
    const planned = await n1.waitFor(
      (l) => l.dryRun === true && Array.isArray(l.command) && (l.command as string[]).includes('-batch'),
      20_000,
      'a planned ip -batch',
    );
    // The plan is computed from the real host state: the address with the subnet prefix, rule and table.
    const input = (planned.input as string[]).join('\n');
    expect(input).toMatch(/10\.0\.1\.100\/24 dev eth0/);
    expect(input).toMatch(/rule .*from 10\.0\.1\.100/);
    await n1.waitFor((l) => l.event === 'vips-ready', 20_000);
    // The announcement is logged with the configured sender (native by default) and not sent.
    const garp = await n1.waitFor(
      (l) => l.dryRun === true && (l.garp as { address?: string } | undefined)?.address === '10.0.1.100',
      20_000,
      'a planned gratuitous ARP',
    );
    expect(garp.garp).toMatchObject({ sender: 'native', iface: 'eth0' });
    expect(n1.lines.some((l) => Array.isArray(l.command) && (l.command as string[])[0] === 'arping')).toBe(false);
    expect(await lab.ip(lab.nodeNs(1), ['-json', 'addr', 'show'])).toBe(before);
    expect(await lab.ip(lab.nodeNs(1), ['-json', 'rule', 'show'])).toBe(rulesBefore);
    n1.signal('SIGTERM');
    expect((await n1.wait()).code).toBe(0);
  });
});
