import { INTERVAL_MS, TICK_MS, describeRun, downMsOf, settleMs } from './sim/arbitraries';
import { SimCluster, type GroupSpec } from './sim/cluster';
import { PERFECT_LINK } from './sim/network';

/** Hand-written schedules on the simulated cluster; the properties cover the random ones. */

const pairGroups = (deadAfter = 3): GroupSpec[] => [
  {
    name: 'web',
    intervalMs: INTERVAL_MS,
    deadAfter,
    members: [
      { id: 'n1', priority: 200 },
      { id: 'n2', priority: 100 },
    ],
  },
  {
    name: 'db',
    intervalMs: INTERVAL_MS,
    deadAfter,
    members: [
      { id: 'n1', priority: 100 },
      { id: 'n2', priority: 200 },
    ],
  },
];

const trio: GroupSpec[] = [
  {
    name: 'g',
    intervalMs: INTERVAL_MS,
    deadAfter: 3,
    members: [
      { id: 'a', priority: 150 },
      { id: 'b', priority: 120 },
      { id: 'c', priority: 90 },
    ],
  },
];

function cluster(groups: GroupSpec[], seed = 1): SimCluster {
  const sim = new SimCluster({ groups, tickMs: TICK_MS, seed, link: { loss: 0, duplicate: 0, minDelayMs: 0, maxDelayMs: 5 } });
  sim.startAll();
  sim.runFor(settleMs(sim, groups));
  return sim;
}

describe('simulated cluster scenarios', () => {
  it('active-active: each group elects its own top node; a crash moves only its groups, the return preempts back', () => {
    const groups = pairGroups();
    const sim = cluster(groups);
    expect(sim.masters('web')).toEqual(['n1']);
    expect(sim.masters('db')).toEqual(['n2']);

    sim.crash('n1');
    sim.runFor(settleMs(sim, groups));
    expect(sim.masters('web')).toEqual(['n2']);
    expect(sim.masters('db')).toEqual(['n2']);
    expect(sim.transitions.filter((t) => t.group === 'db' && t.node === 'n2' && t.at > 0 && t.to !== 'MASTER')).toEqual([]);

    sim.start('n1');
    sim.runFor(settleMs(sim, groups));
    expect(sim.masters('web')).toEqual(['n1']);
    expect(sim.masters('db')).toEqual(['n2']);
    const back = sim.transitions.filter((t) => t.group === 'web' && t.node === 'n1' && t.to === 'MASTER').at(-1);
    expect(back?.reason).toBe('preempting');
  });

  it('three nodes: the crash of the master hands over to the next best, and the return of the lowest changes nothing', () => {
    const sim = cluster(trio);
    expect(sim.masters('g')).toEqual(['a']);
    sim.crash('a');
    const crashedAt = sim.now;
    sim.runFor(settleMs(sim, trio));
    expect(sim.masters('g')).toEqual(['b']);
    // c must not have claimed: b's shorter down interval wins and c hears b first.
    expect(sim.transitionsSince(crashedAt).map((t) => `${t.node} ${t.to} ${t.reason}`)).toEqual(['b MASTER master-down']);

    sim.crash('c');
    sim.runFor(5 * INTERVAL_MS);
    sim.start('c');
    const restartedAt = sim.now;
    sim.runFor(settleMs(sim, trio));
    expect(sim.masters('g')).toEqual(['b']);
    expect(sim.transitionsSince(restartedAt).map((t) => `${t.node} ${t.from}->${t.to}`)).toEqual(['c INIT->BACKUP']);
  });

  it('three nodes: a graceful stop of the master hands over to the next best via the resign', () => {
    const sim = cluster(trio);
    sim.stop('a');
    const stoppedAt = sim.now;
    sim.runFor(settleMs(sim, trio));
    expect(sim.masters('g')).toEqual(['b']);
    const handover = sim.transitionsSince(stoppedAt).filter((t) => t.to === 'MASTER');
    expect(handover.map((t) => `${t.node} ${t.reason} ${t.peer ?? ''}`)).toEqual(['b peer-resigned a']);
  });

  it('a backup paused far longer than the down interval, with the master alive, does not claim on resume', () => {
    const sim = cluster(trio);
    const pausedAt = sim.now;
    sim.pause('b', 20 * downMsOf(sim, 'b', trio[0] as GroupSpec));
    sim.runFor(settleMs(sim, trio) + 20 * downMsOf(sim, 'b', trio[0] as GroupSpec));
    expect(sim.transitionsSince(pausedAt)).toEqual([]);
    expect(sim.masters('g')).toEqual(['a']);
  });

  it('a paused master: the backup takes over; on resume one advert exchange leaves one master (the higher)', () => {
    const groups = pairGroups();
    const sim = cluster(groups);
    const pause = 10 * downMsOf(sim, 'n2', groups[0] as GroupSpec);
    sim.pause('n1', pause);
    sim.runFor(pause - 1);
    // The frozen n1 still believes it is MASTER: the split brain of keepalived #2238.
    expect(sim.masters('web')).toEqual(['n1', 'n2']);
    // Resume: n1 notes the stall and advertises at once, then steps the adverts that queued up.
    sim.runFor(1 + 5 + TICK_MS);
    expect({ masters: sim.masters('web'), log: describeRun(sim, 'web') }).toEqual({ masters: ['n1'], log: describeRun(sim, 'web') });
    expect(sim.masters('db')).toEqual(['n2']);
  });

  it('a paused nopreempt master: the backup takes over; on resume the resumed node steps down (stall) and the VIP stays with the backup', () => {
    const groups: GroupSpec[] = [
      {
        name: 'web',
        intervalMs: INTERVAL_MS,
        deadAfter: 3,
        members: [
          { id: 'n1', priority: 200, preempt: false },
          { id: 'n2', priority: 100, preempt: false },
        ],
      },
    ];
    const sim = new SimCluster({
      groups,
      tickMs: TICK_MS,
      seed: 1,
      link: { loss: 0, duplicate: 0, minDelayMs: 0, maxDelayMs: 5 },
      cloud: { acquireMinMs: 5, acquireMaxMs: 50, verifyEveryMs: 2 * INTERVAL_MS },
    });
    sim.startAll();
    sim.runFor(settleMs(sim, groups));
    expect({ masters: sim.masters('web'), cloud: sim.cloudHolder('web') }).toEqual({ masters: ['n1'], cloud: 'n1' });
    const pausedAt = sim.now;
    const pause = 3 * downMsOf(sim, 'n2', groups[0] as GroupSpec);
    sim.pause('n1', pause);
    sim.runFor(pause - 1);
    expect(sim.cloudHolder('web')).toBe('n2');
    sim.runFor(1 + settleMs(sim, groups));
    expect(sim.transitionsSince(pausedAt).map((t) => `${t.node} ${t.from}->${t.to} ${t.reason}`)).toEqual([
      'n2 BACKUP->MASTER master-down',
      'n1 MASTER->BACKUP stall',
    ]);
    expect({ masters: sim.masters('web'), cloud: sim.cloudHolder('web'), link: sim.linkOwner('web') }).toEqual({ masters: ['n2'], cloud: 'n2', link: 'n2' });
    // n1 sent no MASTER advert after it resumed: n2 never had a reason to step down.
    expect(sim.sends.filter((x) => x.at >= pausedAt + pause && x.node === 'n1' && x.advert.role === 'MASTER' && x.advert.kind === 'advert')).toEqual([]);
  });

  it('a node in maintenance never claims, even alone; leaving maintenance lets it claim after one down interval', () => {
    const groups: GroupSpec[] = [
      {
        name: 'g',
        intervalMs: INTERVAL_MS,
        deadAfter: 3,
        members: [
          { id: 'a', priority: 250, maintenance: true },
          { id: 'b', priority: 100 },
        ],
      },
    ];
    const sim = cluster(groups);
    expect(sim.masters('g')).toEqual(['b']);
    sim.crash('b');
    sim.runFor(50 * INTERVAL_MS);
    expect(sim.masters('g')).toEqual([]);
    sim.input('a', 'g', (core, now) => core.setMaintenance(false, now));
    const off = sim.now;
    const claimed = sim.runUntilTrue(() => sim.masters('g').length === 1, off + downMsOf(sim, 'a', groups[0] as GroupSpec) + TICK_MS);
    expect(claimed).not.toBeNull();
  });

  it('a weight-0 tracker failure on the master hands over within the skew; recovery preempts back after a down interval', () => {
    const groups = pairGroups();
    const sim = cluster(groups);
    sim.input('n1', 'web', (core, now) => core.setHealth({ penalty: 0, fault: true }, now));
    expect(sim.role('n1', 'web')).toBe('FAULT');
    sim.runFor(settleMs(sim, groups));
    expect(sim.masters('web')).toEqual(['n2']);
    sim.input('n1', 'web', (core, now) => core.setHealth({ penalty: 0, fault: false }, now));
    sim.runFor(settleMs(sim, groups));
    expect(sim.masters('web')).toEqual(['n1']);
    expect(sim.transitions.filter((t) => t.node === 'n1' && t.group === 'web').map((t) => t.reason)).toEqual([
      'start',
      'master-down',
      'tracker-fault',
      'tracker-recovered',
      'preempting',
    ]);
  });

  it('deadAfter 1 does not flap on a link without jitter (the skew is its only slack)', () => {
    const groups = pairGroups(1);
    const sim = new SimCluster({ groups, tickMs: TICK_MS, seed: 3, link: PERFECT_LINK });
    sim.startAll();
    sim.runFor(settleMs(sim, groups));
    const settled = sim.now;
    sim.runFor(200 * INTERVAL_MS);
    expect(sim.transitionsSince(settled)).toEqual([]);
  });

  it('runs are deterministic: the same seed replays the same transitions', () => {
    const run = (): string => {
      const sim = new SimCluster({ groups: trio, tickMs: TICK_MS, seed: 42, link: { loss: 0.3, duplicate: 0.2, minDelayMs: 0, maxDelayMs: 150 } });
      sim.startAll();
      sim.runFor(3000);
      sim.crash('a');
      sim.runFor(3000);
      return describeRun(sim, 'g');
    };
    const first = run();
    expect(first.length).toBeGreaterThan(0);
    expect(run()).toBe(first);
  });
});
