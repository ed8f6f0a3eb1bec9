import type { LabCloudHandle } from '../../lab/cloud/aws/in-lab';
import { awsScenarioProvider } from '../../lab/scenario/aws-provider';
import { FailoverScenario } from '../../lab/scenario/scenario';
import { sweepLeftovers } from '../../lab/netns/sweep';
import { silentLogger } from '../../src/util/logger';
import { ensureBuilt } from '../support/build';
import { describeLab } from '../support/lab-guard';
import { strictScenarioDeps } from '../support/strict-logs';

jest.setTimeout(120_000);

/** The failover scenario behind `npm run demo` (its default provider) and the benchmark, with the emulated AWS cloud. */
describeLab('failover scenario with provider aws (what `npm run demo` runs)', () => {
  const deps = strictScenarioDeps(silentLogger());
  let scenario: FailoverScenario | null = null;
  beforeAll(async () => {
    ensureBuilt();
    await sweepLeftovers(deps);
  });
  afterEach(async () => {
    await scenario?.teardown();
    scenario = null;
  });

  it('node death: the cloud moves the VIP with one call and the client follows; the emulator is gone after teardown', async () => {
    let cloud: LabCloudHandle | null = null;
    scenario = await FailoverScenario.create(deps, { intervalMs: 100, provider: awsScenarioProvider({ onReady: (c) => (cloud = c) }) });
    expect(scenario.providerName).toBe('aws');
    const c = cloud as LabCloudHandle | null;
    if (c === null) throw new Error('the aws provider did not start the emulator');
    await scenario.start();
    const master = await scenario.waitForSteadyState();
    const old = scenario.lab.nodeName(master);
    await c.control.clearCalls();
    const fault = await scenario.injectFault('hard', master);
    const r = await scenario.awaitRecovery(fault);

    expect(r.provider).toBe('aws');
    expect(r.oldMaster).toBe(old);
    expect(r.newMaster).not.toBe(old);
    expect(r.holders.live).toEqual([r.newMaster]);
    expect(r.takeover.phases?.cloudMs).toBeGreaterThan(0);
    const newIndex = scenario.nodeIndex(r.newMaster);
    const assigns = await c.ec2Calls('AssignPrivateIpAddresses');
    expect(assigns.map((a) => [a.caller, a.result])).toEqual([[c.node(newIndex).instanceId, 'ok']]);
    expect(await c.holders([scenario.vip])).toEqual(new Map([[scenario.vip, newIndex]]));

    const emulator = c.process;
    await scenario.teardown();
    scenario = null;
    expect((await emulator.wait()).code).toBe(0);
  });
});
