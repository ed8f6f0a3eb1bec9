import { judgeTimeline, ownerAt } from '../../../lab/invariants/judge';
import { expectedSpuriousClaims, poissonQuantile } from '../../../lab/invariants/loss-model';
import type { InvariantBudgets, NodeCondition, Sample, Timeline } from '../../../lab/invariants/timeline';

const VIP = '10.0.1.100';
const BUDGETS: InvariantBudgets = { dualHoldMs: 1000, cloudMismatchMs: 2000, noOwnerMs: 3000, maxOwnerChanges: 1 };

/** One sample per step of 20 ms: who carries the VIP, who the cloud names, the nodes' conditions. */
interface Step {
  readonly os: readonly string[];
  readonly cloud?: string | null;
  readonly nodes?: Readonly<Record<string, NodeCondition>>;
}

function timeline(steps: ReadonlyArray<readonly [number, Step]>, withCloud = true): Timeline {
  const samples: Sample[] = [];
  let t = 0;
  for (const [count, step] of steps) {
    for (let k = 0; k < count; k++) {
      samples.push({
        t,
        os: { [VIP]: step.os },
        ...(withCloud ? { cloud: { [VIP]: step.cloud ?? null } } : {}),
        daemons: { n1: null, n2: null },
        nodes: step.nodes ?? { n1: 'up', n2: 'up' },
      });
      t += 20;
    }
  }
  return { scenario: 'hand-made', provider: withCloud ? 'aws' : 'none', vips: [VIP], samples, events: [], probe: [] };
}

describe('judgeTimeline', () => {
  it('passes a clean failover: n1 owns, dies, n2 owns within the budgets', () => {
    const v = judgeTimeline(
      timeline([
        [50, { os: ['n1'], cloud: 'n1' }],
        [20, { os: ['n1'], cloud: 'n1', nodes: { n1: 'dead', n2: 'up' } }],
        [5, { os: ['n1', 'n2'], cloud: 'n1', nodes: { n1: 'dead', n2: 'up' } }],
        [50, { os: ['n1', 'n2'], cloud: 'n2', nodes: { n1: 'dead', n2: 'up' } }],
      ]),
      BUDGETS,
    );
    expect(v.violations).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.owners[VIP]).toEqual(['n1', 'n2']);
    expect(v.longestNoOwnerMs[VIP]).toBe(500);
  });

  it('fails two up holders for longer than the reconcile interval, not for shorter', () => {
    const long = judgeTimeline(
      timeline([
        [10, { os: ['n1'], cloud: 'n1' }],
        [60, { os: ['n1', 'n2'], cloud: 'n1' }],
        [10, { os: ['n1'], cloud: 'n1' }],
      ]),
      BUDGETS,
    );
    expect(long.violations.map((x) => x.rule)).toEqual(['dual-holder']);
    expect(long.violations[0]).toMatchObject({ vip: VIP, from: 200, to: 1400 });
    const short = judgeTimeline(
      timeline([
        [10, { os: ['n1'], cloud: 'n1' }],
        [40, { os: ['n1', 'n2'], cloud: 'n1' }],
        [10, { os: ['n1'], cloud: 'n1' }],
      ]),
      BUDGETS,
    );
    expect(short.ok).toBe(true);
  });

  it('does not count a dead, frozen or stopped node as a second holder', () => {
    for (const cond of ['dead', 'frozen', 'stopped'] as const) {
      const v = judgeTimeline(timeline([[100, { os: ['n1', 'n2'], cloud: 'n2', nodes: { n1: cond, n2: 'up' } }]]), BUDGETS);
      expect(v.violations).toEqual([]);
    }
  });

  it('does not count time inside a waiver of that rule, and counts it again after the waiver ends', () => {
    const base = timeline([
      [10, { os: ['n1'], cloud: 'n1' }],
      [100, { os: ['n1', 'n2'], cloud: 'n1' }],
      [10, { os: ['n1'], cloud: 'n1' }],
    ]);
    expect(judgeTimeline(base, BUDGETS).violations.map((x) => x.rule)).toEqual(['dual-holder']);
    const covered = { ...base, waivers: [{ rule: 'dual-holder' as const, from: 200, to: 1800, why: 'partition' }] };
    expect(judgeTimeline(covered, BUDGETS).ok).toBe(true);
    const endsEarly = { ...base, waivers: [{ rule: 'dual-holder' as const, from: 200, to: 600, why: 'partition' }] };
    expect(judgeTimeline(endsEarly, BUDGETS).violations.map((x) => x.rule)).toEqual(['dual-holder']);
    const otherRule = { ...base, waivers: [{ rule: 'no-owner' as const, from: 0, to: 5000, why: 'unrelated' }] };
    expect(judgeTimeline(otherRule, BUDGETS).violations.map((x) => x.rule)).toEqual(['dual-holder']);
  });

  it('fails the cloud naming a node that does not carry the VIP beyond the confirmation budget', () => {
    const long = judgeTimeline(
      timeline([
        [10, { os: ['n1'], cloud: 'n1' }],
        [110, { os: ['n1'], cloud: 'n2' }],
        [10, { os: ['n2'], cloud: 'n2' }],
      ]),
      { ...BUDGETS, noOwnerMs: 10_000 },
    );
    expect(long.violations.map((x) => x.rule)).toEqual(['cloud-mismatch']);
    const short = judgeTimeline(
      timeline([
        [10, { os: ['n1'], cloud: 'n1' }],
        [90, { os: ['n1'], cloud: 'n2' }],
        [10, { os: ['n2'], cloud: 'n2' }],
      ]),
      { ...BUDGETS, noOwnerMs: 10_000 },
    );
    expect(short.ok).toBe(true);
  });

  it('the cloud naming a node the scenario took down is a failover under way (no-owner), not a mismatch', () => {
    // The bench's process crash takes the address off the killed node: the cloud names it, nobody carries it.
    const v = judgeTimeline(
      timeline([
        [10, { os: ['n1'], cloud: 'n1' }],
        [160, { os: [], cloud: 'n1', nodes: { n1: 'dead', n2: 'up' } }],
        [10, { os: ['n2'], cloud: 'n2', nodes: { n1: 'dead', n2: 'up' } }],
      ]),
      BUDGETS,
    );
    expect(v.violations.map((x) => x.rule)).toEqual(['no-owner']);
    expect(
      judgeTimeline(
        timeline([
          [10, { os: ['n1'], cloud: 'n1' }],
          [100, { os: [], cloud: 'n1', nodes: { n1: 'dead', n2: 'up' } }],
        ]),
        BUDGETS,
      ).ok,
    ).toBe(true);
  });

  it('fails no owner beyond the failover budget while a node is up, and not while every node is down', () => {
    const gap = judgeTimeline(
      timeline([
        [10, { os: ['n1'], cloud: 'n1' }],
        [160, { os: [], cloud: null }],
        [10, { os: ['n2'], cloud: 'n2' }],
      ]),
      BUDGETS,
    );
    expect(gap.violations.map((x) => x.rule)).toEqual(['no-owner']);
    expect(gap.violations[0]!.detail).toContain('3200 ms');
    const allDown = judgeTimeline(
      timeline([
        [10, { os: ['n1'], cloud: 'n1' }],
        [200, { os: [], cloud: null, nodes: { n1: 'dead', n2: 'stopped' } }],
      ]),
      BUDGETS,
    );
    expect(allDown.violations).toEqual([]);
  });

  it('without a cloud, the single up holder is the owner', () => {
    const v = judgeTimeline(
      timeline(
        [
          [10, { os: ['n1'] }],
          [10, { os: ['n2'], nodes: { n1: 'dead', n2: 'up' } }],
        ],
        false,
      ),
      BUDGETS,
    );
    expect(v.owners[VIP]).toEqual(['n1', 'n2']);
    expect(v.ok).toBe(true);
  });

  it('with a cloud, a holder the cloud does not route to is no owner', () => {
    const s: Sample = { t: 0, os: { [VIP]: ['n2'] }, cloud: { [VIP]: 'n1' }, daemons: {}, nodes: { n1: 'up', n2: 'up' } };
    expect(ownerAt(s, VIP)).toBeNull();
    expect(ownerAt({ ...s, cloud: { [VIP]: 'n2' } }, VIP)).toBe('n2');
  });

  it('fails more owner changes than allowed (ping-pong), with the sequence in the detail', () => {
    const steps: Array<readonly [number, Step]> = [
      [10, { os: ['n1'], cloud: 'n1' }],
      [10, { os: ['n2'], cloud: 'n2' }],
      [10, { os: ['n1'], cloud: 'n1' }],
    ];
    const v = judgeTimeline(timeline(steps), BUDGETS);
    expect(v.violations.map((x) => x.rule)).toEqual(['ping-pong']);
    expect(v.violations[0]!.detail).toContain('n1 -> n2 -> n1');
    expect(judgeTimeline(timeline(steps), { ...BUDGETS, maxOwnerChanges: 2 }).ok).toBe(true);
  });
});

describe('the heartbeat loss model', () => {
  it('expects n (1-p) p^deadAfter claims and separates deadAfter from deadAfter - 1', () => {
    expect(expectedSpuriousClaims(600, 0.2, 3)).toBeCloseTo(3.84, 6);
    expect(expectedSpuriousClaims(600, 0.4, 3)).toBeCloseTo(23.04, 6);
    // A backup claiming one advert early: far above the 99.9 % quantile of the right rate.
    expect(expectedSpuriousClaims(600, 0.4, 2)).toBeGreaterThan(poissonQuantile(expectedSpuriousClaims(600, 0.4, 3), 0.999));
    expect(expectedSpuriousClaims(600, 0.2, 2)).toBeGreaterThan(poissonQuantile(expectedSpuriousClaims(600, 0.2, 3), 0.999));
  });

  it('gives Poisson quantiles', () => {
    expect(poissonQuantile(1, 0.5)).toBe(1);
    expect(poissonQuantile(3.84, 0.001)).toBe(0);
    expect(poissonQuantile(23.04, 0.001)).toBeGreaterThan(8);
    expect(poissonQuantile(23.04, 0.999)).toBeLessThan(40);
  });
});
