import { analyzeOutage } from '../../lab/netns/probe-analysis';
import { ensureBuilt } from '../support/build';
import { eventually } from '../support/lab';
import { describeLab } from '../support/lab-guard';
import { AwsLabCluster, SERVICE_PORT } from './aws-support';

jest.setTimeout(120_000);

const VIPS = ['10.0.1.100', '10.0.1.101', '10.0.1.102'];

describeLab('AWS lab: hard failover through the emulated cloud', () => {
  let cluster: AwsLabCluster | null = null;
  beforeAll(() => ensureBuilt());
  afterEach(async () => {
    await cluster?.destroy();
    cluster = null;
  });

  it('moves three VIPs with exactly one AssignPrivateIpAddresses and the client follows to the new node', async () => {
    cluster = await AwsLabCluster.create({ vips: VIPS });
    const c = cluster;
    // Nobody holds the VIPs yet: the fabric drops them, whatever ARP says.
    for (const vip of VIPS) expect(await c.cloud.fabricRoute(vip)).toEqual({ kind: 'blackhole' });

    await c.startInOrder();
    await c.waitCloudHolder(1);
    const probe = await c.lab.startProbe(VIPS[0]!, SERVICE_PORT, { intervalMs: 20 });
    await eventually(
      async () =>
        probe.records().slice(-3).length === 3 &&
        probe
          .records()
          .slice(-3)
          .every((r) => r.node === 'n1'),
      'the probe answered by n1',
    );
    for (const vip of VIPS) expect(await c.cloud.fabricRoute(vip)).toEqual({ kind: 'via', gateway: c.lab.nodeIp(1) });

    await c.cloud.control.clearCalls();
    const mark = c.vipd(2).lines.length;
    const faultAt = Number(process.hrtime.bigint()) / 1e6;
    await c.hardKill(1);
    const ready = await c.waitReady(2, mark);
    await c.waitCloudHolder(2);
    await eventually(async () => analyzeOutage(probe.records(), faultAt).recoveredBy === 'n2', 'the probe answered by n2');
    const records = await probe.stop();
    expect(analyzeOutage(records, faultAt)).toMatchObject({ nodeBefore: 'n1', recoveredBy: 'n2' });

    const assigns = await c.cloud.ec2Calls('AssignPrivateIpAddresses');
    expect(assigns).toHaveLength(1);
    expect(assigns[0]).toMatchObject({
      caller: c.cloud.node(2).instanceId,
      result: 'ok',
      params: expect.objectContaining({
        NetworkInterfaceId: c.cloud.node(2).eniId,
        AllowReassignment: 'true',
        'PrivateIpAddress.1': VIPS[0],
        'PrivateIpAddress.2': VIPS[1],
        'PrivateIpAddress.3': VIPS[2],
      }),
    });
    expect(ready.cloudCalls).toBe(1);
    for (const vip of VIPS) {
      expect(await c.cloud.fabricRoute(vip)).toEqual({ kind: 'via', gateway: c.lab.nodeIp(2) });
      expect(await c.clientGet(vip)).toBe('n2');
    }
    // The new master keeps verifying without moving anything again, from its own metadata
    // (local-ipv4s): rounds that find the VIPs here spend no API call.
    await c.cloud.control.clearCalls();
    const n2 = c.cloud.node(2).instanceId;
    await eventually(
      async () => (await c.cloud.control.calls()).imds.filter((r) => r.caller === n2 && r.path.endsWith('/local-ipv4s')).length >= 3,
      'three verify rounds of n2 (metadata reads)',
    );
    const calls = await c.cloud.control.calls();
    expect(calls.ec2.filter((r) => r.caller === n2)).toEqual([]);
    expect(await c.cloud.ec2Calls('AssignPrivateIpAddresses')).toEqual([]);
  });

  it('a node preempted in the middle of its cloud move abandons it at once and can take over promptly later', async () => {
    // n2's assign takes 10 s to show in metadata; n1 starts meanwhile, preempts, and its own
    // move shows at once: n2's confirmation can never come (the newer change wins).
    cluster = await AwsLabCluster.create({ vips: VIPS, propagationMs: 10_000 });
    const c = cluster;
    const n2 = c.start(2);
    await eventually(async () => (await c.cloud.ec2Calls('AssignPrivateIpAddresses')).length === 1, 'n2 to assign');
    await c.cloud.control.setPropagationDelay(0);
    c.start(1);
    await c.waitReady(1);
    await n2.waitFor((l) => l.event === 'transition' && l.from === 'MASTER' && l.to === 'BACKUP' && l.reason === 'preempted', 10_000, 'n2 preempted');
    await n2.waitFor((l) => l.msg === 'acquire abandoned: this node no longer wants the VIPs', 10_000, 'n2 to abandon its acquire');
    await c.waitCloudHolder(1);

    const mark = n2.lines.length;
    await c.hardKill(1);
    // Well inside the 20 s acquire deadline the abandoned move would otherwise have held n2 to.
    const ready = await c.waitReady(2, mark, 10_000);
    expect(ready.cloudCalls).toBe(1);
    await c.waitCloudHolder(2);
    expect(n2.lines.some((l) => l.msg === 'acquire did not complete; will retry')).toBe(false);
  });
});
