import { ensureBuilt } from '../support/build';
import { eventually } from '../support/lab';
import { describeLab } from '../support/lab-guard';
import { AwsLabCluster, GROUP } from './aws-support';

jest.setTimeout(120_000);

const VIPS = ['10.0.1.100', '10.0.1.101'];

/** Every action of the vipd policy (docs/clouds/aws.md) except the move itself. */
const WITHOUT_ASSIGN = [
  'DescribeNetworkInterfaces',
  'DescribeNetworkInterfaceAttribute',
  'DescribeInstances',
  'UnassignPrivateIpAddresses',
  'DescribeAddresses',
  'AssociateAddress',
];

describeLab('AWS lab: cloud faults during a failover and at start', () => {
  let cluster: AwsLabCluster | null = null;
  beforeAll(() => ensureBuilt());
  afterEach(async () => {
    await cluster?.destroy();
    cluster = null;
  });

  it('throttling and 5xx bursts on the move are retried with backoff and the failover completes', async () => {
    cluster = await AwsLabCluster.create({ vips: VIPS });
    const c = cluster;
    await c.startInOrder();
    await c.waitCloudHolder(1);
    await c.cloud.control.clearCalls();
    // Two throttles, then two internal errors (rules count down together), then success.
    await c.cloud.control.setFaults([
      { action: 'AssignPrivateIpAddresses', error: { code: 'RequestLimitExceeded' }, times: 2 },
      { action: 'AssignPrivateIpAddresses', error: { code: 'InternalError' }, times: 4 },
    ]);
    const n2 = c.vipd(2);
    const mark = n2.lines.length;
    await c.hardKill(1);
    const ready = await c.waitReady(2, mark);
    await c.waitCloudHolder(2);

    const assigns = await c.cloud.ec2Calls('AssignPrivateIpAddresses');
    expect(assigns.map((a) => [a.caller, a.status, a.result])).toEqual([
      [c.cloud.node(2).instanceId, 503, 'RequestLimitExceeded'],
      [c.cloud.node(2).instanceId, 503, 'RequestLimitExceeded'],
      [c.cloud.node(2).instanceId, 500, 'InternalError'],
      [c.cloud.node(2).instanceId, 500, 'InternalError'],
      [c.cloud.node(2).instanceId, 200, 'ok'],
    ]);
    expect(ready.cloudCalls).toBe(5);
    const retries = n2.lines.slice(mark).filter((l) => l.msg === 'cloud assign failed transiently; retrying');
    expect(retries.map((l) => l.code)).toEqual(['VIPD_E_CLOUD_THROTTLED', 'VIPD_E_CLOUD_THROTTLED', 'VIPD_E_CLOUD_UNAVAILABLE', 'VIPD_E_CLOUD_UNAVAILABLE']);
    // Full-jitter backoff: never a hot loop, never past the failover budget.
    const gaps = assigns.slice(1).map((a, k) => a.atMs - assigns[k]!.atMs);
    expect(gaps.every((g) => g >= 1)).toBe(true);
    expect(n2.role(GROUP)).toBe('MASTER');
    for (const vip of VIPS) expect(await c.clientGet(vip)).toBe('n2');
  });

  it('permission denied: FAULT with a clear message, one call, no retry storm', async () => {
    cluster = await AwsLabCluster.create({ vips: VIPS, allowedActions: { 2: WITHOUT_ASSIGN } });
    const c = cluster;
    await c.startInOrder();
    await c.waitCloudHolder(1);
    await c.cloud.control.clearCalls();
    const n2 = c.vipd(2);
    const mark = n2.lines.length;
    await c.hardKill(1);
    const fault = await n2.waitForRole(GROUP, 'FAULT', { after: mark });
    const failed = n2.lines.slice(mark).find((l) => l.level === 'error' && String(l.msg).startsWith('cannot acquire the VIPs'));
    expect((failed?.err as { code?: string } | undefined)?.code).toBe('VIPD_E_CLOUD_PERMISSION');
    expect(String(failed?.msg)).toContain('the instance role lacks ec2:AssignPrivateIpAddresses');
    expect(String(failed?.msg)).toContain('UnauthorizedOperation');
    expect((failed?.err as { transient?: boolean }).transient).toBe(false);
    expect(fault.from).toBe('MASTER');

    // Ten seconds later: still the one call (FAULT is held, not retried in a loop), nobody holds the VIPs.
    await new Promise((r) => setTimeout(r, 10_000));
    const assigns = await c.cloud.ec2Calls('AssignPrivateIpAddresses');
    expect(assigns.length).toBeGreaterThanOrEqual(1);
    expect(assigns.length).toBeLessThanOrEqual(2);
    expect(assigns.every((a) => a.result === 'UnauthorizedOperation' && a.status === 403)).toBe(true);
    expect(n2.role(GROUP)).toBe('FAULT');
    expect(await c.vipOnNode(2, VIPS[0]!)).toBe(false);
  });

  it('metadata down at start: vipd exits 1 with VIPD_E_METADATA, and starts once metadata is back', async () => {
    cluster = await AwsLabCluster.create({ vips: VIPS, acquireDeadlineMs: 3000 });
    const c = cluster;
    await c.cloud.control.setOutage({ metadata: 'refuse' });
    const n1 = c.start(1);
    const exit = await n1.wait();
    expect(exit.code).toBe(1);
    const fatal = n1.lines.find((l) => l.level === 'fatal');
    expect((fatal?.err as { code?: string } | undefined)?.code).toBe('VIPD_E_METADATA');
    expect(String(fatal?.msg)).toMatch(
      /^vipd cannot run: cannot read this instance's aws identity at start \([0-9]+ attempts in [0-9]+ ms\): instance metadata .*169\.254\.169\.254/,
    );
    // It never got as far as an election or an OS change.
    expect(n1.transitions(GROUP)).toEqual([]);
    expect(await c.cloud.ec2Calls()).toEqual([]);

    await c.cloud.control.setOutage({ metadata: null });
    c.start(1);
    await c.waitReady(1);
    await c.waitCloudHolder(1);
    await eventually(async () => (await c.clientGet(VIPS[0]!)) === 'n1', 'the client answered by n1');
  });
});
