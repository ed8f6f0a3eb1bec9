import type { FabricEvent } from '../../lab/cloud/dataplane';
import { ensureBuilt } from '../support/build';
import { eventually } from '../support/lab';
import { describeLab } from '../support/lab-guard';
import { AwsLabCluster, GROUP, HEARTBEAT_PORT, metricValue } from './aws-support';

jest.setTimeout(120_000);

const VIPS = ['10.0.1.100', '10.0.1.101'];

/**
 * A pair has no majority: when heartbeats are cut but both nodes still
 * reach the cloud API, the cloud's record decides (docs/election.md,
 * "Cloud arbitration"). Ownership must settle on the node that wins the
 * election (n1, priority 200) within two moves, and stay there.
 */
describeLab('AWS lab: heartbeat partition with both nodes reaching the API', () => {
  let cluster: AwsLabCluster | null = null;
  beforeAll(() => ensureBuilt());
  afterEach(async () => {
    await cluster?.destroy();
    cluster = null;
  });

  async function heartbeats(c: AwsLabCluster, action: '-A' | '-D'): Promise<void> {
    for (const i of [1, 2]) {
      const r = await c.lab.run(c.lab.nodeNs(i), ['iptables', action, 'INPUT', '-p', 'udp', '--dport', String(HEARTBEAT_PORT), '-j', 'DROP']);
      if (r.exitCode !== 0) throw new Error(`iptables ${action} in n${i}: ${r.stderr}`);
    }
  }

  async function routeEvents(c: AwsLabCluster): Promise<FabricEvent[]> {
    return ((await c.cloud.control.state()).fabric as FabricEvent[]).filter((e) => VIPS.includes(e.vip));
  }

  /** n1 master and holder, the call log cleared: the moment before the partition. */
  async function settledPair(opts: { acquireDeadlineMs?: number } = {}) {
    cluster = await AwsLabCluster.create({ vips: VIPS, verifyIntervalMs: 500, ...opts });
    const c = cluster;
    await c.startInOrder();
    await c.waitCloudHolder(1);
    const n1 = c.vipd(1);
    const n2 = c.vipd(2);
    const eventsBefore = (await routeEvents(c)).length;
    await c.cloud.control.clearCalls();
    return { c, n1, n2, eventsBefore, mark1: n1.lines.length, mark2: n2.lines.length };
  }

  it('converges on the higher-priority node within two moves, suspects split brain, and stays', async () => {
    const { c, n1, n2, eventsBefore, mark1, mark2 } = await settledPair();

    await heartbeats(c, '-A');
    // n2 stops hearing n1, claims, and moves the VIPs (move 1) ...
    await n2.waitForRole(GROUP, 'MASTER', { after: mark2 });
    // ... n1 sees n2 in the cloud, suspects split brain and re-asserts (move 2) ...
    await n1.waitFor(
      (l) => n1.lines.indexOf(l) >= mark1 && l.level === 'error' && /split brain suspected/.test(String(l.msg)),
      30_000,
      'split brain suspected on n1',
    );
    // ... and n2, seeing the master it declared dead holding the VIPs, yields.
    const yielded = await n2.waitForRole(GROUP, 'BACKUP', { after: mark2 });
    expect(yielded).toMatchObject({ reason: 'cloud-outranked', peer: 'n1' });
    await c.waitCloudHolder(1);

    // Stable: watch ten verify rounds of both nodes.
    await new Promise((r) => setTimeout(r, 5000));
    expect(n1.role(GROUP)).toBe('MASTER');
    expect(n2.role(GROUP)).toBe('BACKUP');
    expect([...(await c.cloud.holders(VIPS)).values()]).toEqual([1, 1]);
    const assigns = await c.cloud.ec2Calls('AssignPrivateIpAddresses');
    expect(assigns.map((a) => a.caller)).toEqual([c.cloud.node(2).instanceId, c.cloud.node(1).instanceId]);
    // Every holder change is one route change per VIP on the fabric: two moves at most.
    const moves = (await routeEvents(c)).slice(eventsBefore);
    expect(moves.length).toBeLessThanOrEqual(2 * VIPS.length);
    expect(moves.slice(-VIPS.length).every((e) => e.via === c.lab.nodeIp(1))).toBe(true);
    expect(
      n2
        .transitions(GROUP)
        .slice(-2)
        .map((t) => t.to),
    ).toEqual(['MASTER', 'BACKUP']);
    expect(await c.vipOnNode(2, VIPS[0]!)).toBe(false);
    for (const vip of VIPS) expect(await c.clientGet(vip)).toBe('n1');

    // The yielded node keeps reporting the suspicion while the partition lasts.
    expect(metricValue(await c.metrics(2), 'vipd_split_brain_suspected', { group: GROUP })).toBe(1);
    expect(n2.lines.some((l) => l.level === 'error' && /split brain suspected/.test(String(l.msg)))).toBe(true);

    // Healed: n2 hears n1 again, the suspicion clears, nothing moves.
    await heartbeats(c, '-D');
    await eventually(async () => metricValue(await c.metrics(2), 'vipd_split_brain_suspected', { group: GROUP }) === 0, 'n2 to clear the suspicion');
    expect(await c.cloud.ec2Calls('AssignPrivateIpAddresses')).toHaveLength(2);
    expect(n1.role(GROUP)).toBe('MASTER');
  });

  it('a claim the cloud never confirms (its metadata broken) yields to the re-asserting master at its deadline: still two moves', async () => {
    // n2's instance metadata answers 500 throughout, so its confirm can never succeed while n1
    // re-asserts: the race of a long propagation, made certain. The holders n2 reads after its
    // assign went through name n1, a writer after it, so it steps down instead of assigning again.
    const { c, n1, n2, eventsBefore, mark2 } = await settledPair({ acquireDeadlineMs: 4000 });
    await c.cloud.control.setOutage({ metadata: 'http500', metadataInstances: [c.cloud.node(2).instanceId] });

    await heartbeats(c, '-A');
    await n2.waitForRole(GROUP, 'MASTER', { after: mark2 });
    const unconfirmed = await n2.waitFor(
      (l) => n2.lines.indexOf(l) >= mark2 && l.msg === 'assigned but never confirmed: the cloud now shows these holders',
      30_000,
      'the unconfirmed acquire to read the holders',
    );
    expect(unconfirmed.holders).toEqual(VIPS.map((vip) => ({ vip, cloud: expect.objectContaining({ kind: 'other', nodeId: 'n1' }) })));
    const yielded = await n2.waitForRole(GROUP, 'BACKUP', { after: mark2 });
    expect(yielded).toMatchObject({ reason: 'cloud-outranked', peer: 'n1' });
    await c.waitCloudHolder(1);

    // Longer than the deadline plus the retry delay: a retrying n2 would have assigned again by now.
    await new Promise((r) => setTimeout(r, 6000));
    const assigns = await c.cloud.ec2Calls('AssignPrivateIpAddresses');
    expect(assigns.map((a) => a.caller)).toEqual([c.cloud.node(2).instanceId, c.cloud.node(1).instanceId]);
    const moves = (await routeEvents(c)).slice(eventsBefore);
    expect(moves.length).toBeLessThanOrEqual(2 * VIPS.length);
    expect(n1.role(GROUP)).toBe('MASTER');
    expect(n2.role(GROUP)).toBe('BACKUP');
    expect(await c.vipOnNode(2, VIPS[0]!)).toBe(false);
    for (const vip of VIPS) expect(await c.clientGet(vip)).toBe('n1');
    await c.cloud.control.setOutage({ metadata: null });
  });
});
