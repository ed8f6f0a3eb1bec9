import { existsSync } from 'node:fs';
import { ExecFileRunner } from '../../../../src/os/exec-runner';
import { ADMIN, EIP, NODE1, NODE2, REGION, VIPS, startLab, type RunningLab } from '../fixtures';

/**
 * The AWS CLI is an independent client (botocore, Python): if it can drive
 * the emulator, the emulator speaks EC2 and not just "what our SDK sends".
 */
const AWS = '/usr/bin/aws';
const haveCli = existsSync(AWS);
const required = process.env.VIPD_REQUIRE_LAB === '1';

if (!haveCli) {
  // A clear line in the output rather than a silent pass.
  console.warn(`SKIP test/lab/cloud/aws/aws-cli.test.ts: ${AWS} not found (apt-get install awscli); set VIPD_REQUIRE_LAB=1 to make this a failure`);
}

const describeCli = haveCli || required ? describe : describe.skip;

describeCli('AWS CLI against the lab cloud', () => {
  let lab: RunningLab;
  const runner = new ExecFileRunner({ timeoutMs: 60_000 });

  beforeAll(() => {
    if (!haveCli) throw new Error(`VIPD_REQUIRE_LAB=1 but ${AWS} is missing`);
  });
  beforeEach(async () => {
    lab = await startLab();
  });
  afterEach(async () => {
    await lab.stop();
  });

  async function aws(args: readonly string[], secret = ADMIN.secretAccessKey): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    return runner.run(
      AWS,
      ['--endpoint-url', lab.endpoints.apiUrl, '--region', REGION, '--output', 'json', '--cli-connect-timeout', '5', '--cli-read-timeout', '10', ...args],
      {
        env: {
          PATH: '/usr/bin:/bin',
          HOME: '/nonexistent',
          AWS_ACCESS_KEY_ID: ADMIN.accessKeyId,
          AWS_SECRET_ACCESS_KEY: secret,
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_MAX_ATTEMPTS: '1',
          AWS_PAGER: '',
        },
      },
    );
  }

  it('assign-private-ip-addresses --allow-reassignment moves the address; describe shows it; unassign removes it', async () => {
    await lab.cloud.flavour.model.assignPrivateIpAddresses({ eniId: NODE2.eni, addresses: [VIPS[0]], count: null, allowReassignment: false });
    const assign = await aws([
      'ec2',
      'assign-private-ip-addresses',
      '--network-interface-id',
      NODE1.eni,
      '--private-ip-addresses',
      VIPS[0],
      '--allow-reassignment',
    ]);
    expect(assign.stderr).toBe('');
    expect(assign.exitCode).toBe(0);
    expect(JSON.parse(assign.stdout)).toMatchObject({ NetworkInterfaceId: NODE1.eni, AssignedPrivateIpAddresses: [{ PrivateIpAddress: VIPS[0] }] });
    expect(lab.cloud.flavour.model.holderOf(VIPS[0])?.id).toBe(NODE1.eni);

    const described = await aws(['ec2', 'describe-network-interfaces', '--filters', `Name=addresses.private-ip-address,Values=${VIPS[0]}`]);
    expect(described.exitCode).toBe(0);
    const enis = (
      JSON.parse(described.stdout) as {
        NetworkInterfaces: {
          NetworkInterfaceId: string;
          Attachment: { InstanceId: string };
          PrivateIpAddresses: { PrivateIpAddress: string; Primary: boolean }[];
        }[];
      }
    ).NetworkInterfaces;
    expect(enis.map((e) => [e.NetworkInterfaceId, e.Attachment.InstanceId])).toEqual([[NODE1.eni, NODE1.id]]);
    expect(enis[0]!.PrivateIpAddresses).toEqual([
      expect.objectContaining({ PrivateIpAddress: NODE1.primary, Primary: true }),
      expect.objectContaining({ PrivateIpAddress: VIPS[0], Primary: false }),
    ]);

    const unassign = await aws(['ec2', 'unassign-private-ip-addresses', '--network-interface-id', NODE1.eni, '--private-ip-addresses', VIPS[0]]);
    expect(unassign.exitCode).toBe(0);
    expect(lab.cloud.flavour.model.holderOf(VIPS[0])).toBeNull();
    expect(lab.cloud.calls.ec2().map((c) => [c.action, c.caller, c.result])).toEqual([
      ['AssignPrivateIpAddresses', 'admin', 'ok'],
      ['DescribeNetworkInterfaces', 'admin', 'ok'],
      ['UnassignPrivateIpAddresses', 'admin', 'ok'],
    ]);
  });

  it('associate-address and describe-addresses', async () => {
    await aws(['ec2', 'assign-private-ip-addresses', '--network-interface-id', NODE1.eni, '--private-ip-addresses', VIPS[1]]);
    const assoc = await aws([
      'ec2',
      'associate-address',
      '--allocation-id',
      EIP.allocationId,
      '--network-interface-id',
      NODE1.eni,
      '--private-ip-address',
      VIPS[1],
      '--allow-reassociation',
    ]);
    expect(assoc.exitCode).toBe(0);
    expect((JSON.parse(assoc.stdout) as { AssociationId: string }).AssociationId).toMatch(/^eipassoc-/);
    const described = await aws(['ec2', 'describe-addresses', '--allocation-ids', EIP.allocationId]);
    expect(JSON.parse(described.stdout)).toMatchObject({ Addresses: [{ PublicIp: EIP.publicIp, PrivateIpAddress: VIPS[1], NetworkInterfaceId: NODE1.eni }] });
  });

  it('a wrong secret fails with SignatureDoesNotMatch and a non-zero exit', async () => {
    const r = await aws(['ec2', 'describe-network-interfaces'], 'wrong-secret-000000000000000000000000');
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('SignatureDoesNotMatch');
  });

  it('an EC2 error reaches the CLI with its code and message', async () => {
    const r = await aws(['ec2', 'assign-private-ip-addresses', '--network-interface-id', NODE1.eni, '--private-ip-addresses', '10.0.9.9']);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/InvalidParameterValue.*does not fall within the subnet/);
  });
});
