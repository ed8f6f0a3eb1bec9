import { ControlClient } from '../../src/control/client';
import { FailoverScenario, type FailoverResult } from '../../lab/scenario/scenario';
import { SCENARIO_GROUP } from '../../lab/scenario/config';
import { indexOfMessage, transitions } from '../../lab/scenario/logs';
import { VipdDriver } from '../../lab/scenario/vipd';
import { sweepLeftovers } from '../../lab/netns/sweep';
import type { DaemonStatus } from '../../src/runtime/daemon';
import { silentLogger } from '../../src/util/logger';
import { ensureBuilt } from '../support/build';
import { describeLab } from '../support/lab-guard';
import { eventually } from '../support/lab';
import { strictScenarioDeps } from '../support/strict-logs';

jest.setTimeout(60_000);

/**
 * Failover on plain L2 with real vipd processes in the namespace lab: the
 * client's view (probe), the interfaces' view (who carries the VIP) and
 * vipd's own view (logs, control socket). Short intervals keep it fast;
 * nothing here asserts on how long anything took.
 */
const INTERVAL_MS = 100;

function vipd(scenario: FailoverScenario): VipdDriver {
  if (!(scenario.driver instanceof VipdDriver)) throw new Error('expected the vipd driver');
  return scenario.driver;
}

async function status(scenario: FailoverScenario, node: number): Promise<DaemonStatus> {
  return (await new ControlClient(vipd(scenario).socketPath(node)).call('status', {}, 5000)) as DaemonStatus;
}

async function failOver(scenario: FailoverScenario, kind: 'hard' | 'graceful'): Promise<FailoverResult> {
  await scenario.start();
  const master = await scenario.waitForSteadyState();
  expect(scenario.lab.nodeName(master)).toBe('n1');
  const fault = await scenario.injectFault(kind, master);
  return scenario.awaitRecovery(fault);
}

describeLab('failover on plain L2 (real vipd processes, namespace lab)', () => {
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

  it('node death (link cut + kill -9): the client is served by the other node, which alone holds the VIP', async () => {
    scenario = await FailoverScenario.create(deps, { intervalMs: INTERVAL_MS });
    const r = await failOver(scenario, 'hard');

    expect(r.outage.nodeBefore).toBe('n1');
    expect(r.newMaster).toBe('n2');
    expect(r.outageMs).toBeGreaterThan(0);
    // The dead node keeps its address (nobody removed it) but its link is cut: stale, not a second holder.
    expect(r.holders).toEqual({ live: ['n2'], staleOnDeadNodes: ['n1'] });
    expect((await vipd(scenario).waitExited(1)).signal).toBe('SIGKILL');

    expect(r.takeover.reason).toBe('master-down');
    expect(r.takeover.phases?.detectionMs).toEqual(expect.any(Number));
    expect(r.takeover.phases?.totalMs).toEqual(expect.any(Number));
    const s = await status(scenario, 2);
    const web = s.groups.find((g) => g.name === SCENARIO_GROUP);
    expect(web?.election.role).toBe('MASTER');
    expect(web?.ownership).toMatchObject({ wanted: 'active', applied: 'active' });
    expect(web?.lastFailover).toMatchObject({ reason: 'master-down', previousMaster: 'n1' });
  });

  it('graceful stop (SIGTERM): the old master resigns and removes the VIP, the peer takes over on its resignation', async () => {
    scenario = await FailoverScenario.create(deps, { intervalMs: INTERVAL_MS });
    const r = await failOver(scenario, 'graceful');

    expect(r.newMaster).toBe('n2');
    expect(r.outageMs).toBeGreaterThan(0);
    expect(r.takeover.reason).toBe('peer-resigned');
    expect(await vipd(scenario).waitExited(1)).toEqual({ code: 0, signal: null });
    // n1's link is up: had it kept the address, it would count as a live holder here.
    expect(r.holders).toEqual({ live: ['n2'], staleOnDeadNodes: [] });
    const n1 = vipd(scenario).logs(1);
    expect(transitions(n1, SCENARIO_GROUP).map((t) => t.to)).toEqual(['BACKUP', 'MASTER', 'STOP']);
    expect(indexOfMessage(n1, 'VIPs released from the host')).not.toBeNull();
  });

  it('a vipd restarted after kill -9 removes the VIP it left behind before it takes part in the election', async () => {
    scenario = await FailoverScenario.create(deps, { intervalMs: INTERVAL_MS });
    const current = scenario;
    const r = await failOver(current, 'hard');
    expect(r.holders.staleOnDeadNodes).toEqual(['n1']);

    // Back on the network with the stale address: two live holders until vipd starts again.
    await current.lab.restoreNode(1);
    expect((await current.vipHolders([])).live).toEqual(['n1', 'n2']);
    await vipd(current).start(1);

    const logs = vipd(current).logs(1);
    const cleaned = indexOfMessage(logs, 'removed VIP configuration left by a previous run');
    const first = transitions(logs, SCENARIO_GROUP)[0];
    expect(cleaned).not.toBeNull();
    expect(JSON.stringify(logs[cleaned ?? 0])).toContain('removed orphan address 10.0.1.100/24 on eth0');
    // The cleanup comes first: the group's first transition (INIT -> BACKUP) is logged after it.
    expect(first === undefined || (cleaned ?? Infinity) < first.index).toBe(true);

    // n1 (priority 200, preempt) takes the group back once its first down interval has passed. Master and
    // holders are read in one probe: reading them apart races the preemption (n2 is the settled master
    // until n1's wait ends).
    await eventually(async () => {
      if (current.driver.settledMaster() !== 1) return false;
      const h = await current.vipHolders([]);
      return h.live.length === 1 && h.live[0] === 'n1';
    }, 'n1 to be the one settled master and the only node holding the VIP');
    expect(transitions(vipd(current).logs(1), SCENARIO_GROUP)[0]?.to).toBe('BACKUP');
  });
});
