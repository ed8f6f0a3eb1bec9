import { ensureBuilt } from '../support/build';
import { eventually } from '../support/lab';
import { describeLab } from '../support/lab-guard';
import { AwsLabCluster, type AwsNodeOptions } from './aws-support';

jest.setTimeout(120_000);

const VIP = '10.0.1.100';

/**
 * In a cloud, moving a VIP takes both layers: the API call (the SDN routes
 * the address to the holder's NIC) and the OS (the kernel accepts only
 * addresses it owns, and answers from them). Each half alone leaves the
 * client without an answer from the new node; both together move it.
 */
describeLab('AWS lab: both layers are needed', () => {
  let cluster: AwsLabCluster | null = null;
  beforeAll(() => ensureBuilt());
  afterEach(async () => {
    await cluster?.destroy();
    cluster = null;
  });

  /** Client GETs for a while after the takeover: what answered (null = nothing). */
  async function answersFor(c: AwsLabCluster, ms: number): Promise<(string | null)[]> {
    const out: (string | null)[] = [];
    const until = Number(process.hrtime.bigint()) / 1e6 + ms;
    while (Number(process.hrtime.bigint()) / 1e6 < until) out.push(await c.clientGet(VIP, 0.5));
    return out;
  }

  /** n1 serves the VIP, dies; n2 takes over with the given layers. Returns the cluster after n2 reported its VIPs ready. */
  async function failover(node: AwsNodeOptions, prepareN1: (c: AwsLabCluster) => Promise<void>): Promise<AwsLabCluster> {
    cluster = await AwsLabCluster.create({ vips: [VIP] });
    const c = cluster;
    await c.startInOrder(node);
    await prepareN1(c);
    await eventually(async () => (await c.clientGet(VIP)) === 'n1', 'the client answered by n1');
    const mark = c.vipd(2).lines.length;
    await c.hardKill(1);
    await c.waitReady(2, mark);
    return c;
  }

  it('without the cloud call (provider none, OS on) traffic keeps going to the dead node', async () => {
    const c = await failover({ provider: 'none' }, async (c) => {
      // n1 holds the VIP in the cloud as it would after an earlier move (its instance role, through the CLI).
      const r = await c.cloud.awsCli(1, [
        'ec2',
        'assign-private-ip-addresses',
        '--network-interface-id',
        c.cloud.node(1).eniId,
        '--private-ip-addresses',
        VIP,
        '--allow-reassignment',
      ]);
      expect(r).toMatchObject({ exitCode: 0, stderr: '' });
      await c.waitCloudHolder(1);
    });
    expect(await c.vipOnNode(2, VIP)).toBe(true);
    const answers = await answersFor(c, 3000);
    expect(answers.length).toBeGreaterThan(2);
    expect(answers.filter((a) => a !== null)).toEqual([]);
    // Gratuitous ARP reached the bridge, but the fabric routes the VIP by the cloud's record.
    expect(await c.cloud.fabricRoute(VIP)).toEqual({ kind: 'via', gateway: c.lab.nodeIp(1) });
    expect(await c.cloud.ec2Calls('AssignPrivateIpAddresses')).toHaveLength(1);
  });

  it('without the OS layer (provider aws, os.enabled false) the cloud routes to the new node but nothing answers', async () => {
    const c = await failover({ osEnabled: false }, async (c) => {
      // Something else configured n1 (that is what os.enabled false means); n2 gets nothing.
      await c.lab.ip(c.lab.nodeNs(1), ['address', 'add', `${VIP}/24`, 'dev', 'eth0']);
    });
    await c.waitCloudHolder(2);
    await c.cloud.control.settled();
    expect(await c.cloud.fabricRoute(VIP)).toEqual({ kind: 'via', gateway: c.lab.nodeIp(2) });
    expect(await c.vipOnNode(2, VIP)).toBe(false);
    const answers = await answersFor(c, 3000);
    expect(answers.length).toBeGreaterThan(2);
    expect(answers.filter((a) => a !== null)).toEqual([]);
  });

  it('with both layers the client is answered by the new node', async () => {
    const c = await failover({}, async () => undefined);
    await c.waitCloudHolder(2);
    expect(await c.vipOnNode(2, VIP)).toBe(true);
    await eventually(async () => (await c.clientGet(VIP)) === 'n2', 'the client answered by n2');
    expect(await c.cloud.fabricRoute(VIP)).toEqual({ kind: 'via', gateway: c.lab.nodeIp(2) });
  });
});
