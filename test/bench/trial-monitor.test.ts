import { conditionAfter, invariantProblems, trialBudgets } from '../../bench/trial-monitor';
import { judgeTimeline } from '../../lab/invariants/judge';
import type { Sample, Timeline } from '../../lab/invariants/timeline';

const VIP = '10.0.1.100';

function sample(t: number, holders: string[], cloud: string | null | undefined, n1: 'up' | 'dead' | 'stopped' = 'up'): Sample {
  return { t, os: { [VIP]: holders }, ...(cloud === undefined ? {} : { cloud: { [VIP]: cloud } }), daemons: { n1: null, n2: null }, nodes: { n1, n2: 'up' } };
}

function timeline(samples: Sample[]): Timeline {
  return { scenario: 'trial', provider: 'aws', vips: [VIP], samples, events: [], probe: [] };
}

describe("a benchmark trial's invariants", () => {
  it('budgets: one owner change; no owner for the master-down interval plus the move; the cloud gets its propagation delay', () => {
    expect(trialBudgets(3609.375, false, 0)).toEqual({ dualHoldMs: 1000, cloudMismatchMs: 2000, noOwnerMs: 4610, maxOwnerChanges: 1 });
    expect(trialBudgets(72.2, true, 500)).toEqual({ dualHoldMs: 1000, cloudMismatchMs: 2500, noOwnerMs: 3573, maxOwnerChanges: 1 });
  });

  it("the fault's target stops counting as a holder: stopped after SIGTERM, dead after kill -9 or a cut link", () => {
    expect(conditionAfter('graceful')).toBe('stopped');
    expect(conditionAfter('crash')).toBe('dead');
    expect(conditionAfter('hard')).toBe('dead');
  });

  it('a clean failover passes; a node that keeps the VIP beside the new master, or a flap back, fails with a line per rule', () => {
    const budgets = trialBudgets(72.2, true, 0);
    const clean = judgeTimeline(
      timeline([sample(0, ['n1'], 'n1'), sample(20, ['n1'], 'n1', 'dead'), sample(120, ['n1', 'n2'], 'n2', 'dead'), sample(140, ['n1', 'n2'], 'n2', 'dead')]),
      budgets,
    );
    expect(invariantProblems(clean)).toEqual([]);

    const samples: Sample[] = [];
    for (let t = 0; t <= 1500; t += 20) samples.push(sample(t, ['n1', 'n2'], 'n2'));
    const dual = judgeTimeline(timeline(samples), budgets);
    expect(invariantProblems(dual)).toEqual([expect.stringMatching(/^invariant dual-holder \(10\.0\.1\.100\): held by n1 and n2 for 1500 ms/)]);

    const flap = judgeTimeline(timeline([sample(0, ['n1'], 'n1'), sample(20, ['n2'], 'n2'), sample(40, ['n1'], 'n1')]), budgets);
    expect(invariantProblems(flap)).toEqual([expect.stringMatching(/^invariant ping-pong/)]);
  });
});
