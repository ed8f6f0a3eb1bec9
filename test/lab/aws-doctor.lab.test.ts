import { VIPD_MAIN, VipdProcess } from '../support/vipd-process';
import { join } from 'node:path';
import { labEniId } from '../../lab/cloud/aws/in-lab';
import { ensureBuilt } from '../support/build';
import { describeLab } from '../support/lab-guard';
import { eventually } from '../support/lab';
import { AwsLabCluster } from './aws-support';

/**
 * `vipd doctor` on a provider-aws master: the cloud assignment check fails
 * when the cloud gives the VIP to another instance behind vipd's back, and
 * passes again once vipd re-asserted it (the keepalived #950 class of bug).
 */
jest.setTimeout(180_000);

const VIP = '10.0.1.100';

describeLab('vipd doctor with the emulated AWS cloud', () => {
  let cluster: AwsLabCluster;

  beforeAll(async () => {
    ensureBuilt();
    // 1 s adverts: n1 can be paused for a moment without n2 taking over (down interval 3.6 s).
    cluster = await AwsLabCluster.create({ vips: [VIP], intervalMs: 1000, verifyIntervalMs: 1000 });
    await cluster.startInOrder();
    await cluster.waitCloudHolder(1);
  });

  afterAll(async () => cluster?.destroy());

  async function doctor(i: number): Promise<{ code: number | null; out: string }> {
    const p = new VipdProcess(`doctor-n${i}`, ['doctor', '--config', join(cluster.dir, `n${i}.yaml`)], {
      command: ['ip', 'netns', 'exec', cluster.lab.nodeNs(i), process.execPath, VIPD_MAIN],
      env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://169.254.169.254/', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_CONFIG_FILE: '/dev/null' },
    });
    const { code } = await p.wait();
    return { code, out: p.lines.map((l) => String(l.msg)).join('\n') };
  }

  it('passes on the master and on the backup, with the cloud facts', async () => {
    const master = await doctor(1);
    expect(master.out).toMatch(/\[PASS\] web: cloud assignment 10\.0\.1\.100: the cloud assigns 10\.0\.1\.100 to this NIC/);
    expect(master.out).toMatch(/\[PASS\] web: NIC address limit: \d+ more address\(es\) fit on eni-/);
    expect(master.out).toMatch(/\[PASS\] web: source\/destination check: sourceDestCheck=(true|false)/);
    expect(master.code).toBe(0);
    const backup = await doctor(2);
    expect(backup.out).toMatch(/\[PASS\] web: cloud assignment 10\.0\.1\.100: the cloud assigns 10\.0\.1\.100 to another instance/);
    expect(backup.out).toMatch(/\[PASS\] web: VIP 10\.0\.1\.100 on eth0: absent, as it should be/);
    expect(backup.code).toBe(0);
  });

  it('fails when the cloud assignment is taken away, and passes after vipd re-asserts it', async () => {
    const n1 = cluster.vipd(1);
    n1.signal('SIGSTOP');
    try {
      // Behind vipd's back, as a stray script or a console click would.
      const moved = await cluster.cloud.awsCli(2, [
        'ec2',
        'assign-private-ip-addresses',
        '--network-interface-id',
        labEniId(2),
        '--private-ip-addresses',
        VIP,
        '--allow-reassignment',
      ]);
      expect(moved.exitCode).toBe(0);
      await cluster.waitCloudHolder(2);
      const r = await doctor(1);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/\[FAIL\] web: cloud assignment 10\.0\.1\.100: the cloud assigns 10\.0\.1\.100 to another instance \(i-/);
    } finally {
      n1.signal('SIGCONT');
    }
    await cluster.waitCloudHolder(1);
    await eventually(async () => (await doctor(1)).code === 0, 'doctor passing after the re-assert', 30_000, 1000);
    expect(n1.lines.some((l) => typeof l.msg === 'string' && l.msg.includes('re-asserting'))).toBe(true);
  });
});
