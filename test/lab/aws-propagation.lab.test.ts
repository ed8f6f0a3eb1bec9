import { ensureBuilt } from '../support/build';
import { describeLab } from '../support/lab-guard';
import { AwsLabCluster, GROUP, metricValue } from './aws-support';

jest.setTimeout(120_000);

const VIPS = ['10.0.1.100', '10.0.1.101'];
const PROPAGATION_MS = 2000;

/**
 * In AWS the remap is asynchronous: the API answers before traffic (and
 * the instance's own metadata) follow. vipd must wait for the cloud to
 * confirm, and its reported failover time must include that wait. The
 * emulator sets the lower bound: nothing can be confirmed earlier than
 * PROPAGATION_MS after the assign, so ">= 2 s" is not a timing margin.
 */
describeLab('AWS lab: propagation delay', () => {
  let cluster: AwsLabCluster | null = null;
  beforeAll(() => ensureBuilt());
  afterEach(async () => {
    await cluster?.destroy();
    cluster = null;
  });

  it('acquire waits for metadata to show the VIPs, and the failover time reported includes the delay', async () => {
    cluster = await AwsLabCluster.create({ vips: VIPS, propagationMs: PROPAGATION_MS });
    const c = cluster;
    await c.startInOrder();
    await c.waitCloudHolder(1);
    await c.cloud.control.clearCalls();
    const n2 = c.vipd(2);
    const mark = n2.lines.length;
    await c.hardKill(1);
    const ready = await c.waitReady(2, mark);

    const phases = ready.phases as { cloudMs: number; totalMs: number | null; detectionMs: number | null; osMs: number };
    expect(phases.cloudMs).toBeGreaterThanOrEqual(PROPAGATION_MS);
    expect(phases.totalMs).not.toBeNull();
    expect(phases.totalMs!).toBeGreaterThanOrEqual(PROPAGATION_MS + (phases.detectionMs ?? 0));
    expect(ready.cloudCalls).toBe(1);

    // Confirmation came from metadata, polled until it showed both VIPs: never a fixed sleep.
    const calls = await c.cloud.control.calls();
    const assign = calls.ec2.filter((x) => x.action === 'AssignPrivateIpAddresses');
    expect(assign).toHaveLength(1);
    const polls = calls.imds.filter((x) => x.caller === c.cloud.node(2).instanceId && x.path.endsWith('/local-ipv4s'));
    expect(polls.length).toBeGreaterThan(2);
    const last = polls[polls.length - 1]!;
    expect(last.atMs - assign[0]!.atMs).toBeGreaterThanOrEqual(PROPAGATION_MS);
    // The fabric followed after the same delay. The OS was configured as soon as the assign call
    // succeeded, before the confirmation (a metadata outage must not hold the host back).
    const routed = ((await c.cloud.control.state()).fabric as { atMs: number; vip: string; via: string | null }[]).filter((e) => e.via === c.lab.nodeIp(2));
    expect(routed.map((e) => e.vip).sort()).toEqual([...VIPS].sort());
    for (const e of routed) expect(e.atMs - assign[0]!.atMs).toBeGreaterThanOrEqual(PROPAGATION_MS);
    const osLine = n2.lines.slice(mark).findIndex((l) => l.component === 'os' && l.msg === 'VIPs configured on the host');
    const confirmed = n2.lines.slice(mark).findIndex((l) => l.msg === 'cloud confirmed the VIPs on this node');
    expect(osLine).toBeGreaterThanOrEqual(0);
    expect(confirmed).toBeGreaterThan(osLine);

    const metrics = await c.metrics(2);
    expect(metricValue(metrics, 'vipd_failover_cloud_acquire_seconds_count', { group: GROUP })).toBe(1);
    expect(metricValue(metrics, 'vipd_failover_cloud_acquire_seconds_sum', { group: GROUP })).toBeGreaterThanOrEqual(PROPAGATION_MS / 1000);
    expect(metricValue(metrics, 'vipd_failover_cloud_acquire_seconds_bucket', { group: GROUP, le: '1' })).toBe(0);
    expect(metricValue(metrics, 'vipd_failover_total_seconds_sum', { group: GROUP })).toBeGreaterThanOrEqual(PROPAGATION_MS / 1000);
    // The daemon counts the EC2 operations it sent (its one move), not provider methods; metadata polls are not API operations.
    expect(metricValue(metrics, 'vipd_cloud_requests_total', { provider: 'aws', operation: 'AssignPrivateIpAddresses', outcome: 'ok' })).toBe(1);
    expect(metricValue(metrics, 'vipd_cloud_requests_total', { provider: 'aws', operation: 'AssociateAddress', outcome: 'ok' })).toBe(0);
    for (const vip of VIPS) expect(await c.clientGet(vip)).toBe('n2');
  });
});
