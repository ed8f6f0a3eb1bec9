import { existsSync } from 'node:fs';
import { AWS_CLI } from '../../../../lab/cloud/aws/in-lab';
import { ensureBuilt } from '../../../support/build';
import { eventually } from '../../../support/lab';
import { describeLab } from '../../../support/lab-guard';
import { AwsLabCluster } from '../../aws-support';

jest.setTimeout(120_000);

const VIP = '10.0.1.100';
const haveCli = existsSync(AWS_CLI);
if (!haveCli)
  console.warn(
    `SKIP the AWS CLI case of test/lab/cloud/aws/clients.lab.test.ts: ${AWS_CLI} not found (apt-get install awscli); VIPD_REQUIRE_LAB=1 makes this a failure`,
  );
const itCli = haveCli || process.env.VIPD_REQUIRE_LAB === '1' ? it : it.skip;

/**
 * Clients other than vipd's own code path, run inside node namespaces the
 * way they run on an instance: the AWS CLI (what a keepalived notify
 * script calls) and vipd with no metadata override (the SDK's default
 * credential chain). Both find the instance role through 169.254.169.254,
 * which inside the lab is the emulator.
 */
describeLab('AWS lab: the AWS CLI and the default credential chain inside the lab', () => {
  let cluster: AwsLabCluster | null = null;
  beforeAll(() => ensureBuilt());
  afterEach(async () => {
    await cluster?.destroy();
    cluster = null;
  });

  itCli('aws ec2 assign-private-ip-addresses --allow-reassignment from a node moves the traffic (the keepalived notify recipe)', async () => {
    cluster = await AwsLabCluster.create({ vips: [VIP] });
    const c = cluster;
    const assign = (i: number, reassign: boolean) =>
      c.cloud.awsCli(i, [
        'ec2',
        'assign-private-ip-addresses',
        '--network-interface-id',
        c.cloud.node(i).eniId,
        '--private-ip-addresses',
        VIP,
        ...(reassign ? ['--allow-reassignment'] : []),
      ]);

    // keepalived on n1 put the VIP on eth0; the cloud does not know yet: nothing reaches it.
    await c.lab.ip(c.lab.nodeNs(1), ['address', 'add', `${VIP}/24`, 'dev', 'eth0']);
    expect(await c.clientGet(VIP)).toBeNull();
    const first = await assign(1, true);
    expect(first).toMatchObject({ exitCode: 0, stderr: '' });
    expect(JSON.parse(first.stdout)).toMatchObject({ NetworkInterfaceId: c.cloud.node(1).eniId, AssignedPrivateIpAddresses: [{ PrivateIpAddress: VIP }] });
    await eventually(async () => (await c.clientGet(VIP)) === 'n1', 'the client answered by n1');

    // Failover: the VIP moves to n2's eth0. Without --allow-reassignment the cloud refuses ...
    await c.lab.ip(c.lab.nodeNs(1), ['address', 'del', `${VIP}/24`, 'dev', 'eth0']);
    await c.lab.ip(c.lab.nodeNs(2), ['address', 'add', `${VIP}/24`, 'dev', 'eth0']);
    const refused = await assign(2, false);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain('InvalidParameterValue');
    expect(await c.clientGet(VIP)).toBeNull();
    // ... with it, one call moves the address and the traffic.
    expect(await assign(2, true)).toMatchObject({ exitCode: 0, stderr: '' });
    await eventually(async () => (await c.clientGet(VIP)) === 'n2', 'the client answered by n2');
    expect(await c.cloud.fabricRoute(VIP)).toEqual({ kind: 'via', gateway: c.lab.nodeIp(2) });

    // Each call was signed with the calling node's instance role, read from the emulated metadata.
    const calls = await c.cloud.ec2Calls('AssignPrivateIpAddresses');
    expect(calls.map((x) => [x.caller, x.source, x.result])).toEqual([
      [c.cloud.node(1).instanceId, c.lab.nodeIp(1), 'ok'],
      [c.cloud.node(2).instanceId, c.lab.nodeIp(2), 'InvalidParameterValue'],
      [c.cloud.node(2).instanceId, c.lab.nodeIp(2), 'ok'],
    ]);
  });

  it('vipd with no metadata override (the real-instance path) fails over through the SDK default credential chain', async () => {
    cluster = await AwsLabCluster.create({ vips: [VIP] });
    const c = cluster;
    await c.startInOrder({ aws: { metadataEndpoint: null } });
    await c.waitCloudHolder(1);
    const mark = c.vipd(2).lines.length;
    await c.hardKill(1);
    await c.waitReady(2, mark);
    await c.waitCloudHolder(2);
    await eventually(async () => (await c.clientGet(VIP)) === 'n2', 'the client answered by n2');
    const calls = await c.cloud.control.calls();
    expect(calls.ec2.filter((x) => x.action === 'AssignPrivateIpAddresses').map((x) => x.caller)).toEqual([
      c.cloud.node(1).instanceId,
      c.cloud.node(2).instanceId,
    ]);
    // The role credentials were fetched by the SDK, from each node's own source address.
    for (const i of [1, 2]) {
      expect(
        calls.imds.some(
          (x) => x.caller === c.cloud.node(i).instanceId && x.path === '/latest/meta-data/iam/security-credentials/vipd-node' && x.status === 200,
        ),
      ).toBe(true);
    }
  });
});
