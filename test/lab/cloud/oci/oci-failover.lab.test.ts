import { analyzeOutage } from '../../../../lab/netns/probe-analysis';
import { ensureBuilt } from '../../../support/build';
import { eventually } from '../../../support/lab';
import { describeLab } from '../../../support/lab-guard';
import { SERVICE_PORT } from '../../aws-support';
import { OciLabCluster } from './oci-lab-support';

jest.setTimeout(120_000);

const VIPS = ['10.0.1.100', '10.0.1.101', '10.0.1.102'];

describeLab('OCI lab: hard failover through the emulated cloud with the real oci-core SDK', () => {
  let cluster: OciLabCluster | null = null;
  beforeAll(() => ensureBuilt());
  afterEach(async () => {
    await cluster?.destroy();
    cluster = null;
  });

  it.each(['instance_principal', 'api_key'] as const)(
    '%s: moves three VIPs with one UpdatePrivateIp each, signed by the new master, and the client follows',
    async (auth) => {
      cluster = await OciLabCluster.create({ vips: VIPS, auth });
      const c = cluster;
      for (const vip of VIPS) expect(await c.cloud.fabricRoute(vip)).toEqual({ kind: 'blackhole' });

      await c.startInOrder();
      await c.waitCloudHolder(1);
      const created = await c.cloud.apiCalls('CreatePrivateIp');
      expect(created.map((r) => c.cloud.nodeOfCaller(r.caller))).toEqual([1, 1, 1]);
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

      await c.cloud.control.clearCalls();
      const mark = c.vipd(2).lines.length;
      const faultAt = Number(process.hrtime.bigint()) / 1e6;
      await c.hardKill(1);
      const ready = await c.waitReady(2, mark);
      await c.waitCloudHolder(2);
      await eventually(async () => analyzeOutage(probe.records(), faultAt).recoveredBy === 'n2', 'the probe answered by n2');
      const records = await probe.stop();
      expect(analyzeOutage(records, faultAt)).toMatchObject({ nodeBefore: 'n1', recoveredBy: 'n2' });

      const updates = await c.cloud.apiCalls('UpdatePrivateIp');
      expect(updates).toHaveLength(3);
      for (const u of updates) {
        expect(u).toMatchObject({ caller: auth === 'api_key' ? c.cloud.node(2).userId : c.cloud.node(2).instanceId, result: 'ok', status: 200 });
        expect(JSON.parse(u.body)).toEqual({ vnicId: c.cloud.node(2).vnicId });
      }
      expect(await c.cloud.apiCalls('DeletePrivateIp')).toHaveLength(0);
      expect(await c.cloud.apiCalls('CreatePrivateIp')).toHaveLength(0);
      expect(ready.cloudCalls).toBe(1);
      for (const vip of VIPS) {
        expect(await c.cloud.fabricRoute(vip)).toEqual({ kind: 'via', gateway: c.lab.nodeIp(2) });
        expect(await c.clientGet(vip)).toBe('n2');
      }
    },
  );
});
