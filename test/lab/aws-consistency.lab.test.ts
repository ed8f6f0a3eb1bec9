import { ensureBuilt } from '../support/build';
import { eventually } from '../support/lab';
import { describeLab } from '../support/lab-guard';
import { AwsLabCluster, GROUP } from './aws-support';

jest.setTimeout(150_000);

const VIP = '10.0.1.100';
const READ_LAG_MS = 3_000;

/**
 * EC2 is eventually consistent and its data plane asynchronous: Describe*
 * shows a change READ_LAG_MS late; the new holder's metadata, the old
 * holder's metadata and the traffic each follow after their own delay (the
 * old holder keeps listing the address longest). A failover and the failback
 * (preempt) must each cost one assign and leave one owner, with the
 * verification rounds that follow moving nothing.
 */
describeLab('AWS lab: failover and verification under eventual consistency and uneven propagation', () => {
  let cluster: AwsLabCluster | null = null;
  beforeAll(() => ensureBuilt());
  afterEach(async () => {
    await cluster?.destroy();
    cluster = null;
  });

  it('one assign per move, one owner, no move back and forth while reads and the old holder lag', async () => {
    cluster = await AwsLabCluster.create({ vips: [VIP], verifyIntervalMs: 500 });
    const c = cluster;
    await c.cloud.control.setReadLag(READ_LAG_MS);
    await c.cloud.control.setPropagationDelays({ winnerMetadataMs: 800, loserMetadataMs: 4_000, trafficMs: 1_500 });
    await c.startInOrder();
    await c.waitCloudHolder(1);
    await eventually(async () => (await c.clientGet(VIP)) === 'n1', 'the client answered by n1');

    // Failover: n1 dies.
    await c.cloud.control.clearCalls();
    const mark2 = c.vipd(2).lines.length;
    await c.hardKill(1);
    await c.waitReady(2, mark2);
    await c.waitCloudHolder(2);
    await eventually(async () => (await c.clientGet(VIP)) === 'n2', 'the client answered by n2');
    // Past the read lag and the slowest propagation, with verification rounds in between.
    await new Promise((r) => setTimeout(r, READ_LAG_MS + 2_000));
    const n2 = c.cloud.node(2).instanceId;
    expect((await c.cloud.ec2Calls('AssignPrivateIpAddresses')).map((x) => [x.caller, x.result])).toEqual([[n2, 'ok']]);
    expect(
      c
        .vipd(2)
        .lines.slice(mark2)
        .filter((l) => l.event === 'transition')
        .map((l) => l.to),
    ).toEqual(['MASTER']);

    // Failback: n1 comes back and preempts while n2 is alive and its metadata still lists the VIP for 4 s.
    await c.cloud.control.clearCalls();
    await c.lab.restoreNode(1);
    const n2Mark = c.vipd(2).lines.length;
    // A new process: its log starts empty.
    c.start(1);
    await c.waitReady(1);
    await c.waitCloudHolder(1);
    await eventually(async () => (await c.clientGet(VIP)) === 'n1', 'the client answered by n1 again');
    await new Promise((r) => setTimeout(r, READ_LAG_MS + 2_000));
    const n1 = c.cloud.node(1).instanceId;
    expect((await c.cloud.ec2Calls('AssignPrivateIpAddresses')).map((x) => [x.caller, x.result])).toEqual([[n1, 'ok']]);
    expect(
      c
        .vipd(2)
        .lines.slice(n2Mark)
        .filter((l) => l.event === 'transition' && l.group === GROUP)
        .map((l) => l.to),
    ).toEqual(['BACKUP']);
    expect(await c.vipOnNode(2, VIP)).toBe(false);
    expect(await c.vipOnNode(1, VIP)).toBe(true);
    expect((await c.cloud.holders([VIP])).get(VIP)).toBe(1);
  });
});
