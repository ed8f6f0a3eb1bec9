import type { GcpLabCloudHandle } from '../../lab/cloud/gcp/in-lab';
import { gcpScenarioProvider } from '../../lab/scenario/gcp-provider';
import { FailoverScenario } from '../../lab/scenario/scenario';
import { hostScenarioDeps } from '../../lab/scenario/deps';
import { sweepLeftovers } from '../../lab/netns/sweep';
import { silentLogger } from '../../src/util/logger';
import { ensureBuilt } from '../support/build';
import { describeLab } from '../support/lab-guard';

jest.setTimeout(120_000);

/** The failover scenario with the emulated GCP cloud: real vipd processes, the real Compute SDK, the two-step move. */
describeLab('failover scenario with provider gcp', () => {
  const deps = hostScenarioDeps(silentLogger());
  let scenario: FailoverScenario | null = null;
  beforeAll(async () => {
    ensureBuilt();
    await sweepLeftovers(deps);
  });
  afterEach(async () => {
    await scenario?.teardown();
    scenario = null;
  });

  it("hard kill (the old VM still RUNNING to the API): the alias leaves its NIC, then joins the new master's; traffic follows; call log get, PATCH, op, PATCH, op", async () => {
    let cloud: GcpLabCloudHandle | null = null;
    scenario = await FailoverScenario.create(deps, { intervalMs: 100, provider: gcpScenarioProvider({ onReady: (c) => (cloud = c) }) });
    expect(scenario.providerName).toBe('gcp');
    const c = cloud as GcpLabCloudHandle | null;
    if (c === null) throw new Error('the gcp provider did not start the emulator');
    await scenario.start();
    const master = await scenario.waitForSteadyState();
    const old = scenario.lab.nodeName(master);
    const oldIndex = scenario.nodeIndex(old);
    expect(await c.holders([scenario.vip])).toEqual(new Map([[scenario.vip, oldIndex]]));
    await c.control.clearCalls();
    const fault = await scenario.injectFault('hard', master);
    const r = await scenario.awaitRecovery(fault);

    expect(r.provider).toBe('gcp');
    expect(r.newMaster).not.toBe(old);
    expect(r.holders.live).toEqual([r.newMaster]);
    expect(r.takeover.phases?.cloudMs).toBeGreaterThan(0);
    const newIndex = scenario.nodeIndex(r.newMaster);
    const newVm = c.node(newIndex).instance;
    const oldVm = c.node(oldIndex).instance;
    // The new master's own calls, operation polls collapsed: read both VMs, PATCH the old one, its op, PATCH ours, its op.
    const calls = (await c.apiCalls())
      .filter((x) => x.caller === newVm)
      .map((x) => `${x.action}${x.params.instance !== undefined ? ` ${x.params.instance}` : ''}`);
    const moves = calls.filter((x, i) => !(x === 'zoneOperations.wait' && calls[i - 1] === 'zoneOperations.wait'));
    const firstPatch = moves.indexOf(`instances.updateNetworkInterface ${oldVm}`);
    expect(firstPatch).toBeGreaterThan(0);
    expect(moves.slice(0, firstPatch).sort()).toEqual(expect.arrayContaining([`instances.get ${newVm}`, `instances.get ${oldVm}`]));
    expect(moves.slice(firstPatch, firstPatch + 4)).toEqual([
      `instances.updateNetworkInterface ${oldVm}`,
      'zoneOperations.wait',
      `instances.updateNetworkInterface ${newVm}`,
      'zoneOperations.wait',
    ]);
    // The old VM held only the VIP: its removal is the raw PATCH that clears the list.
    const removal = (await c.apiCalls('instances.updateNetworkInterface')).find((x) => x.params.instance === oldVm)!;
    expect(removal.body).toContain('"aliasIpRanges":[]');
    expect(await c.holders([scenario.vip])).toEqual(new Map([[scenario.vip, newIndex]]));

    const emulator = c.process;
    await scenario.teardown();
    scenario = null;
    expect((await emulator.wait()).code).toBe(0);
  });
});
