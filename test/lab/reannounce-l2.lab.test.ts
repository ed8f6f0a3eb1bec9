import { analyzeHandBack, failureShare } from '../../lab/netns/probe-analysis';
import { FailoverScenario } from '../../lab/scenario/scenario';
import { HEARTBEAT_PORT, SCENARIO_GROUP } from '../../lab/scenario/config';
import { strictScenarioDeps } from '../support/strict-logs';
import { transitions } from '../../lab/scenario/logs';
import { VipdDriver } from '../../lab/scenario/vipd';
import { sweepLeftovers } from '../../lab/netns/sweep';
import { processClock } from '../../src/util/clock';
import { silentLogger } from '../../src/util/logger';
import { ensureBuilt } from '../support/build';
import { eventually } from '../support/lab';
import { describeLab } from '../support/lab-guard';

jest.setTimeout(180_000);

/**
 * Issue 15, on plain L2 with real vipd processes: after the backup claimed
 * and sent gratuitous ARP (the master stalled, or the heartbeat path was
 * cut), the master that keeps the group must tell the link again, or the
 * client follows the backup's announcement until its ARP entry expires.
 * The client probes the VIP over TCP every 10 ms from its own namespace,
 * behind the fabric's router, whose neighbour entry is what the ARP moves.
 */
const INTERVAL_MS = 100;
/** What the issue asks for after the hand-back; without a re-announce it was 24-52 s. */
const HAND_BACK_BOUND_MS = 1000;
/**
 * n1's own announcement after it took the group (os.arp defaults: 3 rounds a second apart, a second
 * burst after 1 s) must be over before the fault, or a round left over after SIGCONT would hide the bug.
 */
const TAKEOVER_ANNOUNCEMENT_MS = 4000;
/** Long enough to see the old behaviour's recovery (an ARP entry expiring) instead of only a timeout. */
const RECOVERY_WAIT_MS = 90_000;

function vipd(scenario: FailoverScenario): VipdDriver {
  if (!(scenario.driver instanceof VipdDriver)) throw new Error('expected the vipd driver');
  return scenario.driver;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Heartbeats into both nodes dropped (all of them, or a random share) by iptables in each node's namespace. */
async function dropHeartbeats(scenario: FailoverScenario, action: '-A' | '-D', probability?: number): Promise<void> {
  const match = probability === undefined ? [] : ['-m', 'statistic', '--mode', 'random', '--probability', String(probability)];
  for (const i of [1, 2]) {
    const r = await scenario.lab.run(scenario.lab.nodeNs(i), [
      'iptables',
      action,
      'INPUT',
      '-p',
      'udp',
      '--dport',
      String(HEARTBEAT_PORT),
      ...match,
      '-j',
      'DROP',
    ]);
    if (r.exitCode !== 0) throw new Error(`iptables ${action} in n${i}: ${r.stderr}`);
  }
}

function claimsAfter(scenario: FailoverScenario, node: number, mark: number): number {
  return transitions(vipd(scenario).logs(node), SCENARIO_GROUP).filter((t) => t.index >= mark && t.to === 'MASTER').length;
}

function reannouncesAfter(scenario: FailoverScenario, node: number, mark: number): Array<Record<string, unknown>> {
  return vipd(scenario)
    .logs(node)
    .slice(mark)
    .filter((l) => l.event === 'reannounce' && l.group === SCENARIO_GROUP);
}

/** n2 claimed (its VIPs ready) and the client follows it: the state the issue starts from. */
async function waitClientOnBackup(scenario: FailoverScenario, mark2: number): Promise<void> {
  await eventually(async () => claimsAfter(scenario, 2, mark2) > 0, 'n2 to claim the group', 30_000, 20);
  await eventually(
    async () =>
      scenario
        .probeRecords()
        .slice(-3)
        .every((r) => r.ok && r.node === 'n2'),
    'the client to be answered by n2',
    30_000,
    20,
  );
}

/** After n2 stepped down again, the client is answered by n1 several times in a row; returns how long after fromMs the first answer came. */
async function handBack(scenario: FailoverScenario, fromMs: number, mark2: number): Promise<{ afterMs: number; failedBefore: number }> {
  await eventually(
    async () => transitions(vipd(scenario).logs(2), SCENARIO_GROUP).some((t) => t.index >= mark2 && t.from === 'MASTER' && t.to === 'BACKUP'),
    'n2 to hand the group back',
    30_000,
    20,
  );
  await eventually(
    async () =>
      scenario
        .probeRecords()
        .slice(-5)
        .every((r) => r.t0 >= fromMs && r.ok && r.node === 'n1'),
    'the client to be answered by n1 again',
    RECOVERY_WAIT_MS,
    50,
  );
  const a = analyzeHandBack(scenario.probeRecords(), fromMs, 'n1');
  if (a.afterMs === null) throw new Error('the probe records do not show n1 answering after the hand-back');
  return { afterMs: a.afterMs, failedBefore: a.failedBefore };
}

describeLab('re-announce after two nodes both held the VIP (plain L2, real vipd processes)', () => {
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

  async function settled(): Promise<FailoverScenario> {
    scenario = await FailoverScenario.create(deps, { intervalMs: INTERVAL_MS });
    await scenario.start();
    const master = await scenario.waitForSteadyState();
    expect(scenario.lab.nodeName(master)).toBe('n1');
    await sleep(TAKEOVER_ANNOUNCEMENT_MS);
    return scenario;
  }

  it('SIGSTOP of the master for 3x the down interval, then SIGCONT: the client is answered by n1 within a second', async () => {
    const s = await settled();
    const root = vipd(s).rootPid(1);
    if (root === null) throw new Error('no vipd on n1');
    const mark1 = vipd(s).logMark(1);
    const mark2 = vipd(s).logMark(2);

    process.kill(root, 'SIGSTOP');
    try {
      await sleep(3 * s.masterDownMs);
      await waitClientOnBackup(s, mark2);
    } finally {
      process.kill(root, 'SIGCONT');
    }
    const resumedAt = processClock.nowMs();
    const r = await handBack(s, resumedAt, mark2);

    const announced = reannouncesAfter(s, 1, mark1);
    // the figure the issue asks for, next to today's 24-52 s
    console.log(
      `SIGSTOP/SIGCONT: client answered by n1 ${r.afterMs.toFixed(0)} ms after SIGCONT (${r.failedBefore} failed attempts); re-announces: ${JSON.stringify(announced.map((l) => l.reason))}`,
    );
    // The adverts n2 sent while n1 was stopped wait on n1's socket; the tick loop lets them in before it
    // reports the stall (runtime/tick-loop.ts), so the first of them (n2 back after a silence, or its
    // claim) usually names the re-announcement and the stall folds into it. Either way it went out at once.
    expect(announced.length).toBeGreaterThan(0);
    expect(announced.every((l) => ['stall', 'lower-master', 'peer-returned'].includes(String(l.reason)))).toBe(true);
    expect(r.afterMs).toBeLessThan(HAND_BACK_BOUND_MS);
    expect(vipd(s).role(1)).toBe('MASTER');
    expect(vipd(s).role(2)).toBe('BACKUP');
  });

  it('heartbeat partition for 5 s, then healed: the client is answered by n1 within a second', async () => {
    const s = await settled();
    const mark1 = vipd(s).logMark(1);
    const mark2 = vipd(s).logMark(2);

    await dropHeartbeats(s, '-A');
    try {
      await waitClientOnBackup(s, mark2);
      await sleep(5000);
    } finally {
      await dropHeartbeats(s, '-D');
    }
    const healedAt = processClock.nowMs();
    const r = await handBack(s, healedAt, mark2);

    const announced = reannouncesAfter(s, 1, mark1);
    // the figure the issue asks for, next to today's 24-52 s
    console.log(
      `partition healed: client answered by n1 ${r.afterMs.toFixed(0)} ms after the heal (${r.failedBefore} failed attempts); re-announces: ${JSON.stringify(announced.map((l) => l.reason))}`,
    );
    // Whichever side hears the other first: n2's claim (lower-master) or n2 back after the silence (peer-returned).
    expect(announced.length).toBeGreaterThan(0);
    expect(announced.every((l) => ['lower-master', 'peer-returned'].includes(String(l.reason)))).toBe(true);
    expect(r.afterMs).toBeLessThan(HAND_BACK_BOUND_MS);
    expect(vipd(s).role(1)).toBe('MASTER');
  });

  it('20% heartbeat loss for 60 s: reports the client failure share next to the spurious claims', async () => {
    const s = await settled();
    const mark1 = vipd(s).logMark(1);
    const mark2 = vipd(s).logMark(2);

    const from = processClock.nowMs();
    await dropHeartbeats(s, '-A', 0.2);
    try {
      await sleep(60_000);
    } finally {
      await dropHeartbeats(s, '-D', 0.2);
    }
    const to = processClock.nowMs();
    // Let the last claim (if any) settle, then read the window.
    await eventually(async () => vipd(s).role(2) === 'BACKUP' && vipd(s).role(1) === 'MASTER', 'n1 master and n2 backup after the loss ends', 30_000, 50);
    const share = failureShare(s.probeRecords(), from, to);
    const claims = claimsAfter(s, 2, mark2);
    const announced = reannouncesAfter(s, 1, mark1);
    const heardClaims = vipd(s)
      .logs(1)
      .slice(mark1)
      .filter((l) => typeof l.msg === 'string' && l.msg.includes('claims MASTER with lower priority')).length;
    // the figure the issue asks for (today 39-81 %)
    console.log(
      `20% heartbeat loss for 60 s: n2 claimed ${claims} times; client failures ${share.failed}/${share.attempts} = ${(100 * share.share).toFixed(1)} %; n1 heard ${heardClaims} of its claim adverts and re-announced ${announced.length} times (${JSON.stringify(announced.map((l) => l.reason))})`,
    );
    expect(share.attempts).toBeGreaterThan(0);
    // Every claim of n2 that n1 heard made it announce again (rate-limited: several claims may share one).
    if (claims > 0) expect(announced.length).toBeGreaterThan(0);
    await eventually(
      async () =>
        s
          .probeRecords()
          .slice(-5)
          .every((r) => r.ok && r.node === 'n1'),
      'the client to be answered by n1 at the end',
      RECOVERY_WAIT_MS,
      50,
    );
  });
});
