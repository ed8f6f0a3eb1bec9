import { join } from 'node:path';
import { ensureBuilt } from '../../../support/build';
import { describeLab } from '../../../support/lab-guard';
import { VIPD_MAIN, VipdProcess } from '../../../support/vipd-process';
import { OciLabCluster } from './oci-lab-support';

/** `vipd doctor` on provider-oci nodes: the cloud assignment and OCI's own facts (policy, VNIC, address headroom). */
jest.setTimeout(180_000);

const VIP = '10.0.1.100';

describeLab('vipd doctor with the emulated OCI cloud', () => {
  let cluster: OciLabCluster;

  beforeAll(async () => {
    ensureBuilt();
    cluster = await OciLabCluster.create({ vips: [VIP], intervalMs: 1000, verifyIntervalMs: 1000 });
    await cluster.startInOrder();
    await cluster.waitCloudHolder(1);
  });

  afterAll(async () => cluster?.destroy());

  async function doctor(i: number): Promise<{ code: number | null; out: string }> {
    const p = new VipdProcess(`doctor-n${i}`, ['doctor', '--config', join(cluster.dir, `n${i}.yaml`)], {
      command: ['ip', 'netns', 'exec', cluster.lab.nodeNs(i), process.execPath, VIPD_MAIN],
    });
    const { code } = await p.wait();
    return { code, out: p.lines.map((l) => String(l.msg)).join('\n') };
  }

  it('passes on the master and the backup, with the policy, the VNIC and its address headroom', async () => {
    const master = await doctor(1);
    expect(master.out).toMatch(/\[PASS\] web: cloud assignment 10\.0\.1\.100: the cloud assigns 10\.0\.1\.100 to this NIC/);
    expect(master.out).toMatch(/\[PASS\] web: policy \(use private-ips\): ListPrivateIps on ocid1\.vnic\./);
    expect(master.out).toMatch(/\[PASS\] web: VNIC address headroom: 2 of 64 addresses in use on ocid1\.vnic\./);
    expect(master.out).toMatch(/\[PASS\] web: VNIC: ocid1\.vnic\.\S+ in subnet ocid1\.subnet\./);
    expect(master.code).toBe(0);
    const backup = await doctor(2);
    expect(backup.out).toMatch(/\[PASS\] web: cloud assignment 10\.0\.1\.100: the cloud assigns 10\.0\.1\.100 to another instance/);
    expect(backup.code).toBe(0);
  });
});
