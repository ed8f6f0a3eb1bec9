import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssignPrivateIpAddressesCommand, DescribeNetworkInterfacesCommand, type EC2ServiceException } from '@aws-sdk/client-ec2';
import { VipdError } from '../../../src/errors';
import { LabCloudControlClient } from '../../../lab/cloud/control-client';
import { LabCloud } from '../../../lab/cloud/lab-cloud';
import { silentLogger } from '../../../src/util/logger';
import { NODE1, RecordingFabric, VIPS, adminClient, labSpec, startLab, type RunningLab } from './fixtures';

async function failure(p: Promise<unknown>): Promise<EC2ServiceException & VipdError> {
  try {
    await p;
  } catch (e) {
    return e as EC2ServiceException & VipdError;
  }
  throw new Error('expected the call to fail');
}

describe('lab cloud control endpoint', () => {
  let lab: RunningLab;
  beforeEach(async () => {
    lab = await startLab();
  });
  afterEach(async () => {
    await lab.stop();
  });

  it('state shows the control plane, the data plane and the fabric', async () => {
    const state = await lab.control.state();
    expect(state).toMatchObject({
      region: 'eu-west-1',
      propagationDelayMs: 0,
      outage: { api: null, metadata: null },
      dataplane: { [VIPS[0]]: null, [VIPS[1]]: null, [VIPS[2]]: null },
    });
    expect((state.networkInterfaces as { id: string }[]).map((e) => e.id)).toContain(NODE1.eni);
    expect(await lab.control.health()).toEqual({ ok: true });
  });

  it('a fault for the next N calls, visible in the call log; the log can be cleared', async () => {
    const ec2 = adminClient(lab);
    try {
      await lab.control.addFault({ action: 'AssignPrivateIpAddresses', error: { code: 'RequestLimitExceeded' }, times: 1 });
      const e = await failure(ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE1.eni, PrivateIpAddresses: [VIPS[0]] })));
      expect(e.name).toBe('RequestLimitExceeded');
      expect(e.$metadata.httpStatusCode).toBe(503);
      await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE1.eni, PrivateIpAddresses: [VIPS[0]] }));
      const calls = await lab.control.calls();
      expect(calls.ec2.map((c) => [c.action, c.result, c.status])).toEqual([
        ['AssignPrivateIpAddresses', 'RequestLimitExceeded', 503],
        ['AssignPrivateIpAddresses', 'ok', 200],
      ]);
      expect(await lab.control.state()).toMatchObject({ faults: [] });
      await lab.control.clearCalls();
      expect((await lab.control.calls()).ec2).toEqual([]);
    } finally {
      ec2.destroy();
    }
  });

  it('a wildcard fault with a custom status, an error rate of 0 never fires, latency is added', async () => {
    const ec2 = adminClient(lab);
    try {
      await lab.control.setFaults([{ action: '*', error: { code: 'InternalError', status: 500, message: 'boom' }, errorRate: 0 }]);
      await ec2.send(new DescribeNetworkInterfacesCommand({}));
      await lab.control.setFaults([{ action: 'DescribeNetworkInterfaces', latencyMs: 300 }]);
      const started = Date.now();
      await ec2.send(new DescribeNetworkInterfacesCommand({}));
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      await lab.control.setFaults([{ action: '*', error: { code: 'InternalError', status: 500, message: 'boom' } }]);
      const e = await failure(ec2.send(new DescribeNetworkInterfacesCommand({})));
      expect([e.name, e.message, e.$metadata.httpStatusCode]).toEqual(['InternalError', 'boom', 500]);
      await lab.control.clearFaults();
      await ec2.send(new DescribeNetworkInterfacesCommand({}));
    } finally {
      ec2.destroy();
    }
  });

  it('an API outage answering 503 reaches the SDK as Unavailable', async () => {
    const ec2 = adminClient(lab);
    try {
      await lab.control.setOutage({ api: 'http503' });
      const e = await failure(ec2.send(new DescribeNetworkInterfacesCommand({})));
      expect(e.$metadata.httpStatusCode).toBe(503);
      expect(e.name).toBe('Unavailable');
      await lab.control.setOutage({ api: null });
      await ec2.send(new DescribeNetworkInterfacesCommand({}));
    } finally {
      ec2.destroy();
    }
  });

  it('bad requests are refused with a reason, not half-applied', async () => {
    await expect(lab.control.addFault({ action: 'not an action' } as never)).rejects.toThrow(/answered 400: fault rule: action/);
    await expect(lab.control.setFaults([{ action: '*', latencyMs: -1 }])).rejects.toThrow(/latencyMs out of range/);
    await expect(lab.control.setOutage({ api: 'sometimes' })).rejects.toThrow(/api outage must be one of/);
    await expect(lab.control.setPropagationDelay(-5)).rejects.toThrow(/propagation delay/);
    await expect(lab.control.setInstanceState('i-0fffffffffffffff', 'stopped')).rejects.toThrow(/does not exist/);
    expect(await lab.control.state()).toMatchObject({ faults: [], outage: { api: null, metadata: null }, propagationDelayMs: 0 });
  });

  it('metadata tokens can be expired through it', async () => {
    expect(await lab.control.expireMetadataTokens()).toEqual({ expired: 0 });
  });
});

describe('control endpoint on a unix socket (reachable across network namespaces)', () => {
  it('serves the same API', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vipd-labcloud-'));
    const socketPath = join(dir, 'control.sock');
    const cloud = new LabCloud(labSpec(), { fabric: new RecordingFabric(), logger: silentLogger() });
    try {
      const endpoints = await cloud.start({ imds: { host: '127.0.0.1', port: 0 }, api: { host: '127.0.0.1', port: 0 }, control: { socketPath } });
      expect(endpoints.controlSocket).toBe(socketPath);
      const control = new LabCloudControlClient({ socketPath });
      await control.setPropagationDelay(1234);
      expect(await control.state()).toMatchObject({ propagationDelayMs: 1234 });
      await control.settled();
    } finally {
      await cloud.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
