import type { Lab } from '../../lab/netns/lab';
import { OsConfigurator } from '../../src/os/configurator';
import { silentLogger } from '../../src/util/logger';
import { ensureBuilt } from '../support/build';
import { describeLab } from '../support/lab-guard';
import { eventually, newLab } from '../support/lab';
import { group, osConfig, vip } from '../support/os-fixtures';

jest.setTimeout(180_000);

const VIP = '10.0.1.42';
const WEB = group({ vips: [vip(VIP)] });

async function routeGet(lab: Lab, from: string | null): Promise<Record<string, unknown>> {
  const args = ['-N', 'route', 'get', '10.0.2.10', ...(from === null ? [] : ['from', from])];
  const routes = (await lab.ipJson(lab.nodeNs(1), args)) as Record<string, unknown>[];
  return routes[0] ?? {};
}

/**
 * The classic gotcha: node 1 has a second uplink whose default route wins
 * (metric 10). A client on another subnet connects to the VIP; the reply
 * must leave through the VIP's subnet, or the fabric's reverse-path filter
 * on the other link drops it (as a cloud's source/destination check does).
 */
describeLab('replies from the VIP with a second default route on the node', () => {
  let lab: Lab;
  let uplink: string;
  beforeAll(() => ensureBuilt());
  beforeEach(async () => {
    lab = await newLab({ nodes: 1 });
    uplink = (await lab.addSecondUplink(1)).nodeAddress;
    await lab.startService(1, 8080);
  });
  afterEach(async () => lab?.teardown());

  it('works with policy routing: the VIP rule sends replies out through the subnet gateway', async () => {
    const os = new OsConfigurator({ runner: lab.nodeRunner(1), logger: silentLogger(), config: osConfig() });
    await os.acquire(WEB);
    // Everything else on the node uses the second uplink; traffic from the VIP uses its table.
    expect(await routeGet(lab, null)).toMatchObject({ dev: 'eth1', prefsrc: '10.0.101.10' });
    expect(await routeGet(lab, VIP)).toMatchObject({ dev: 'eth0', gateway: '10.0.1.1', table: '3432' });
    const probe = await lab.startProbe(VIP, 8080);
    await eventually(async () => probe.records().filter((r) => r.ok).length >= 5, 'five answers through the VIP');
    const records = await probe.stop();
    expect(new Set(records.filter((r) => r.ok).map((r) => r.node))).toEqual(new Set(['n1']));
    await os.settled();
  });

  it('breaks without policy routing: replies leave through the other uplink and are dropped', async () => {
    const os = new OsConfigurator({ runner: lab.nodeRunner(1), logger: silentLogger(), config: osConfig({ policyRouting: false }) });
    await os.acquire(WEB);
    expect((await os.observe(WEB)).vips[0]).toMatchObject({ addressOk: true, ruleOk: null, tableOk: null });
    expect(await routeGet(lab, VIP)).toMatchObject({ dev: 'eth1' });
    const probe = await lab.startProbe(VIP, 8080);
    await eventually(async () => probe.records().length >= 30, 'thirty finished attempts');
    const records = await probe.stop();
    expect(records.filter((r) => r.ok)).toEqual([]);
    // Control: the service and the fabric are fine; an address whose replies
    // belong on the second uplink answers the same client.
    const control = await lab.startProbe(uplink, 8080);
    await eventually(async () => control.records().filter((r) => r.ok).length >= 5, 'answers through the second uplink');
    await control.stop();
    await os.settled();
  });
});
