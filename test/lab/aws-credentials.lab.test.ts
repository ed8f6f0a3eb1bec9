import { ensureBuilt } from '../support/build';
import { eventually } from '../support/lab';
import { describeLab } from '../support/lab-guard';
import { AwsLabCluster, metricValue, type AwsNodeOptions } from './aws-support';

jest.setTimeout(150_000);

const VIP = '10.0.1.100';
const CREDENTIALS_PATH = '/latest/meta-data/iam/security-credentials/vipd-node';

/**
 * Instance role credentials that expire and rotate, on both credential paths
 * vipd has: its own metadata reader (provider.aws.metadataEndpoint set, as the
 * other lab tests run) and the SDK's default chain (no metadataEndpoint: the
 * production path, which finds the emulator through 169.254.169.254 inside the
 * node, and AWS_EC2_METADATA_SERVICE_ENDPOINT).
 */
describeLab('AWS lab: role credentials that expire and rotate', () => {
  let cluster: AwsLabCluster | null = null;
  beforeAll(() => ensureBuilt());
  afterEach(async () => {
    await cluster?.destroy();
    cluster = null;
  });

  const paths: [string, AwsNodeOptions][] = [
    ['vipd reads metadata itself (metadataEndpoint set)', {}],
    ['the SDK default chain (no metadataEndpoint)', { aws: { metadataEndpoint: null } }],
  ];

  it.each(paths)('%s: credentials EC2 calls expired before their stated Expiration are refetched, and the failover completes', async (_label, node) => {
    cluster = await AwsLabCluster.create({ vips: [VIP] });
    const c = cluster;
    await c.startInOrder(node);
    await c.waitCloudHolder(1);
    // n2 warmed its client at start: it holds credentials whose Expiration is hours away.
    await eventually(
      async () => (await c.cloud.control.calls()).imds.some((x) => x.caller === c.cloud.node(2).instanceId && x.path === CREDENTIALS_PATH),
      'n2 to fetch its role credentials',
    );
    expect((await c.cloud.control.expireRoleCredentials()).expired).toBeGreaterThanOrEqual(2);
    await c.cloud.control.clearCalls();

    const mark = c.vipd(2).lines.length;
    await c.hardKill(1);
    await c.waitReady(2, mark);
    await c.waitCloudHolder(2);
    await eventually(async () => (await c.clientGet(VIP)) === 'n2', 'the client answered by n2');

    const n2 = c.cloud.node(2).instanceId;
    const calls = await c.cloud.control.calls();
    // The first assign was signed with the expired credentials (refused before a caller is known,
    // hence its source); the retry with fresh ones from metadata.
    expect(calls.ec2.filter((x) => x.action === 'AssignPrivateIpAddresses').map((x) => [x.source, x.caller, x.result])).toEqual([
      [c.lab.nodeIp(2), null, 'RequestExpired'],
      [c.lab.nodeIp(2), n2, 'ok'],
    ]);
    expect(calls.imds.some((x) => x.caller === n2 && x.path === CREDENTIALS_PATH && x.status === 200)).toBe(true);
    // Never FAULT, never the permission or clock hint.
    expect(
      c
        .vipd(2)
        .lines.slice(mark)
        .filter((l) => l.code === 'VIPD_E_CLOUD_PERMISSION' || (l.event === 'transition' && l.to === 'FAULT')),
    ).toEqual([]);
    expect(metricValue(await c.metrics(2), 'vipd_cloud_requests_total', { operation: 'AssignPrivateIpAddresses', outcome: 'credentials' })).toBe(1);
  });

  it.each(paths)('%s: a failover right after a rotation signs with the new credentials', async (_label, node) => {
    cluster = await AwsLabCluster.create({ vips: [VIP] });
    const c = cluster;
    // Credentials live 8 s; metadata serves their successor 4 s before they expire.
    await c.cloud.control.setRoleCredentialLifetime(8_000, 4_000);
    await c.startInOrder(node);
    await c.waitCloudHolder(1);
    const n2 = c.cloud.node(2).instanceId;
    const firstKey = await credentialKeyOf(c, n2);
    // Past the first rotation and past the first credentials' expiry.
    await eventually(async () => (await credentialKeyOf(c, n2)) !== firstKey, 'metadata to serve n2 rotated credentials', 20_000);
    await new Promise((r) => setTimeout(r, 8_000));
    await c.cloud.control.clearCalls();

    const mark = c.vipd(2).lines.length;
    await c.hardKill(1);
    await c.waitReady(2, mark);
    await c.waitCloudHolder(2);
    const calls = await c.cloud.control.calls();
    expect(calls.ec2.filter((x) => x.action === 'AssignPrivateIpAddresses').map((x) => [x.caller, x.result])).toEqual([[n2, 'ok']]);
    expect(
      c
        .vipd(2)
        .lines.slice(mark)
        .filter((l) => l.event === 'transition' && l.to === 'FAULT'),
    ).toEqual([]);
  });
});

/** The access key metadata currently serves an instance (read from inside its node, as the instance itself would). */
async function credentialKeyOf(c: AwsLabCluster, instanceId: string): Promise<string> {
  const r = await c.lab.run(c.lab.nodeNs(c.cloud.nodeOfInstance(instanceId) ?? 0), [
    'sh',
    '-c',
    `t=$(curl -sf -X PUT -H 'x-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token) && curl -sf -H "x-aws-ec2-metadata-token: $t" http://169.254.169.254${CREDENTIALS_PATH}`,
  ]);
  if (r.exitCode !== 0) throw new Error(`reading role credentials from metadata failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { AccessKeyId: string }).AccessKeyId;
}
