import { AssignPrivateIpAddressesCommand, DescribeNetworkInterfacesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ImdsClient } from '../../../src/cloud/aws/imds';
import { AwsProvider } from '../../../src/cloud/aws/provider';
import { CloudMover } from '../../../src/cloud/mover';
import type { CloudRequestSink } from '../../../src/cloud/requests';
import { realTimers } from '../../../src/util/timers';
import type { CloudCallContext, CloudHolder, CloudVip } from '../../../src/cloud/provider';
import { VipdError } from '../../../src/errors';
import { processClock } from '../../../src/util/clock';
import { silentLogger } from '../../../src/util/logger';
import { EIP, NODE1, NODE2, REGION, VIPS, adminClient, eventually, labSpec, startLab, type RunningLab } from '../../lab/cloud/fixtures';
import { rejection } from '../../support/rejection';

const vips = (...addresses: string[]): CloudVip[] => addresses.map((address) => ({ address }));
/** A context that never aborts, for calls made straight to the provider. */
const call = (): CloudCallContext => ({ signal: new AbortController().signal, deadlineAt: processClock.nowMs() + 20_000 });

/** OS interfaces of the emulated instances: node1's VIP interface is eth1, its SECOND NIC. */
const MACS: Record<string, Record<string, string>> = {
  [NODE1.source]: { eth0: NODE1.mac0, eth1: NODE1.mac },
  [NODE2.source]: { eth0: NODE2.mac },
};

describe('AwsProvider against the lab cloud', () => {
  let lab: RunningLab;
  const admins: EC2Client[] = [];

  beforeEach(async () => {
    lab = await startLab();
  });
  afterEach(async () => {
    for (const c of admins.splice(0)) c.destroy();
    await lab.stop();
  });

  function provider(
    source: string,
    interfaceName: string,
    opts: { requestTimeoutMs?: number; metadataEndpoint?: string | null; elasticIps?: ReadonlyMap<string, string>; requests?: CloudRequestSink } = {},
  ): AwsProvider {
    return new AwsProvider({
      interfaceName,
      elasticIps: opts.elasticIps,
      requests: opts.requests,
      config: {
        region: null,
        endpoint: lab.endpoints.apiUrl,
        metadataEndpoint: opts.metadataEndpoint === undefined ? lab.endpoints.imdsUrl : opts.metadataEndpoint,
      },
      logger: silentLogger(),
      macOf: async (ifname) => {
        const mac = MACS[source]?.[ifname];
        if (mac === undefined) throw new VipdError('VIPD_E_INTERFACE', `no ${ifname}`);
        return mac;
      },
      imds: new ImdsClient({ baseUrl: lab.endpoints.imdsUrl, localAddress: source, clock: processClock, timeoutMs: 1_000 }),
      requestTimeoutMs: opts.requestTimeoutMs,
    });
  }

  function mover(p: AwsProvider): CloudMover {
    return new CloudMover({
      provider: p,
      clock: processClock,
      timers: realTimers,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      random: Math.random,
      logger: silentLogger(),
      confirmPollMs: 100,
      baseDelayMs: 50,
      maxDelayMs: 400,
    });
  }

  const deadline = (ms: number): number => processClock.nowMs() + ms;
  const ec2Calls = (action: string) => lab.cloud.calls.ec2().filter((c) => c.action === action);
  /** Waits until the emulator has answered (and logged) a delayed call, so no handler outlives the test. */
  const answered = async (action: string): Promise<void> => {
    for (let i = 0; i < 100 && ec2Calls(action).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(ec2Calls(action)).toHaveLength(1);
  };
  const admin = (): EC2Client => {
    const c = adminClient(lab);
    admins.push(c);
    return c;
  };

  it('identity: IMDSv2, the ENI is chosen by the interface MAC (the second NIC here), never the first', async () => {
    const id = await provider(NODE1.source, 'eth1').identity(call());
    expect(id).toEqual({
      provider: 'aws',
      instanceId: NODE1.id,
      nicId: NODE1.eni,
      mac: NODE1.mac,
      subnetCidr: '10.0.1.0/24',
      region: REGION,
      extra: expect.objectContaining({ vpcId: 'vpc-0a000000000000001', subnetId: 'subnet-0a000000000000001', instanceType: 't3.large', deviceNumber: '1' }),
    });
    const first = await provider(NODE1.source, 'eth0').identity(call());
    expect(first.nicId).toBe(NODE1.eni0);
    expect(first.subnetCidr).toBe('10.0.2.0/24');
  });

  it('identity: a MAC that matches no NIC is VIPD_E_IDENTITY, not a guess', async () => {
    const p = new AwsProvider({
      interfaceName: 'eth9',
      config: { region: null, endpoint: lab.endpoints.apiUrl, metadataEndpoint: lab.endpoints.imdsUrl },
      logger: silentLogger(),
      macOf: async () => '02:00:00:00:09:09',
      imds: new ImdsClient({ baseUrl: lab.endpoints.imdsUrl, localAddress: NODE1.source, clock: processClock }),
    });
    const e = await rejection(p.identity(call()));
    expect(e.code).toBe('VIPD_E_IDENTITY');
    expect(e.message).toContain(NODE1.mac);
  });

  it('a metadata outage at start is VIPD_E_METADATA; identity is read again once it is back', async () => {
    const p = provider(NODE1.source, 'eth1');
    await lab.control.setOutage({ metadata: 'refuse' });
    const e = await rejection(p.identity(call()));
    expect(e.code).toBe('VIPD_E_METADATA');
    expect(e.transient).toBe(true);
    // Long enough for a failed attempt to land before the deadline on a loaded machine (CI once saw none
    // within 600 ms: the deadline error then has no cause to name).
    const viaMover = await rejection(mover(p).acquire(vips(VIPS[0]), deadline(3000)));
    expect(viaMover.code).toBe('VIPD_E_CLOUD_DEADLINE');
    expect((viaMover.cause as VipdError).code).toBe('VIPD_E_METADATA');
    expect(ec2Calls('AssignPrivateIpAddresses')).toHaveLength(0);
    await lab.control.setOutage({ metadata: null });
    expect((await p.identity(call())).nicId).toBe(NODE1.eni);
  });

  it('acquire: ONE AssignPrivateIpAddresses for 3 VIPs, signed with the instance role from metadata, confirmed after propagation', async () => {
    await lab.control.setPropagationDelay(2_000);
    const p = provider(NODE1.source, 'eth1');
    const result = await mover(p).acquire(vips(...VIPS), deadline(20_000));
    expect(result.assignCalls).toBe(1);
    const assigns = ec2Calls('AssignPrivateIpAddresses');
    expect(assigns).toHaveLength(1);
    expect(assigns[0]).toMatchObject({
      caller: NODE1.id,
      result: 'ok',
      params: expect.objectContaining({
        NetworkInterfaceId: NODE1.eni,
        'PrivateIpAddress.1': VIPS[0],
        'PrivateIpAddress.2': VIPS[1],
        'PrivateIpAddress.3': VIPS[2],
        AllowReassignment: 'true',
      }),
    });
    // Credentials came from the emulated metadata role, not from anything static.
    expect(lab.cloud.calls.imds().some((c) => c.path === '/latest/meta-data/iam/security-credentials/vipd-node' && c.caller === NODE1.id)).toBe(true);
    // It waited for the data plane: several local-ipv4s reads, the last one showing every VIP.
    const polls = lab.cloud.calls.imds().filter((c) => c.path.endsWith(`${NODE1.mac}/local-ipv4s`));
    expect(polls.length).toBeGreaterThanOrEqual(2);
    expect(lab.cloud.dataplane.visibleOn(NODE1.eni).sort()).toEqual([...VIPS].sort());
    expect(await p.confirm(vips(...VIPS), call())).toBe(true);
  });

  it('confirm is false until metadata shows every VIP (exact address comparison)', async () => {
    const p = provider(NODE1.source, 'eth1');
    await p.assign(vips('10.0.1.4'), call());
    expect(await p.confirm(vips('10.0.1.4'), call())).toBe(true);
    expect(await p.confirm(vips('10.0.1.40'), call())).toBe(false);
    expect(await p.confirm(vips('10.0.1.4', '10.0.1.44'), call())).toBe(false);
  });

  it('holders: me, another instance, nobody — from DescribeNetworkInterfaces', async () => {
    const p = provider(NODE1.source, 'eth1');
    await p.assign(vips(VIPS[0]), call());
    await admin().send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE2.eni, PrivateIpAddresses: [VIPS[1]] }));
    const holders = await p.holders(vips(...VIPS), call());
    expect(Object.fromEntries(holders)).toEqual({
      [VIPS[0]]: { kind: 'me' },
      // The holder's primary address is what maps it to a configured peer.
      [VIPS[1]]: { kind: 'other', instanceId: NODE2.id, nodeId: null, primaryAddress: NODE2.primary },
      [VIPS[2]]: { kind: 'nobody' },
    });
    const describe = ec2Calls('DescribeNetworkInterfaces').at(-1)!;
    expect(describe.params).toMatchObject({ 'Filter.1.Name': 'addresses.private-ip-address', 'Filter.1.Value.1': VIPS[0], 'Filter.1.Value.3': VIPS[2] });
    // Scoped to our subnet: another VPC may reuse the same addresses.
    expect(describe.params).toMatchObject({ 'Filter.2.Name': 'subnet-id', 'Filter.2.Value.1': (await p.identity(call())).extra['subnetId'] });
  });

  it('holders follow pagination (NextToken)', async () => {
    lab.cloud.setDescribePageSize(1);
    const p = provider(NODE1.source, 'eth1');
    await p.assign(vips(VIPS[0]), call());
    await admin().send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE2.eni, PrivateIpAddresses: [VIPS[1]] }));
    const holders = await p.holders(vips(VIPS[0], VIPS[1]), call());
    expect(holders.get(VIPS[1])).toEqual({ kind: 'other', instanceId: NODE2.id, nodeId: null, primaryAddress: NODE2.primary });
    expect(holders.get(VIPS[0])).toEqual({ kind: 'me' });
    expect(ec2Calls('DescribeNetworkInterfaces')).toHaveLength(2);
  });

  it('holders: an API error is thrown, never reported as nobody', async () => {
    const p = provider(NODE1.source, 'eth1');
    await p.identity(call());
    await lab.control.addFault({ action: 'DescribeNetworkInterfaces', error: { code: 'InternalError' } });
    const e = await rejection(p.holders(vips(VIPS[0]), call()));
    expect(e.code).toBe('VIPD_E_CLOUD_UNAVAILABLE');
  });

  it.each([
    ['throttling', 'RequestLimitExceeded'],
    ['a 5xx', 'InternalError'],
    ['503 Unavailable', 'Unavailable'],
  ])('a burst of %s is retried with backoff and the acquire succeeds', async (_what, code) => {
    const p = provider(NODE1.source, 'eth1');
    await lab.control.addFault({ action: 'AssignPrivateIpAddresses', error: { code }, times: 2 });
    const result = await mover(p).acquire(vips(VIPS[0]), deadline(20_000));
    expect(result.assignCalls).toBe(3);
    expect(ec2Calls('AssignPrivateIpAddresses').map((c) => c.result)).toEqual([code, code, 'ok']);
    expect(lab.cloud.flavour.model.holderOf(VIPS[0])?.id).toBe(NODE1.eni);
  });

  it('permission denied: a typed permanent error after exactly one call, with the missing IAM action named', async () => {
    await lab.stop();
    lab = await startLab(
      labSpec((s) => {
        (s.instances as Record<string, unknown>[])[0]!.allowedActions = ['DescribeNetworkInterfaces', 'DescribeAddresses'];
      }),
    );
    const e = await rejection(mover(provider(NODE1.source, 'eth1')).acquire(vips(VIPS[0]), deadline(20_000)));
    expect(e.code).toBe('VIPD_E_CLOUD_PERMISSION');
    expect(e.transient).toBe(false);
    expect(e.message).toContain('ec2:AssignPrivateIpAddresses');
    expect(e.message).toMatch(/request id [0-9a-f-]{36}/);
    expect(e.details).toMatchObject({ operation: 'AssignPrivateIpAddresses', awsCode: 'UnauthorizedOperation', httpStatus: 403 });
    expect(ec2Calls('AssignPrivateIpAddresses')).toHaveLength(1);
  });

  it('the address limit is a permanent VIPD_E_CLOUD_LIMIT', async () => {
    const small = new AwsProvider({
      interfaceName: 'eth0',
      config: { region: null, endpoint: lab.endpoints.apiUrl, metadataEndpoint: lab.endpoints.imdsUrl },
      logger: silentLogger(),
      macOf: async () => '02:00:00:00:03:01',
      imds: new ImdsClient({ baseUrl: lab.endpoints.imdsUrl, localAddress: '127.0.0.13', clock: processClock }),
    });
    const e = await rejection(mover(small).acquire(vips(VIPS[0], VIPS[1]), deadline(20_000)));
    expect(e.code).toBe('VIPD_E_CLOUD_LIMIT');
    expect(ec2Calls('AssignPrivateIpAddresses')).toHaveLength(1);
  });

  it('a VIP outside the ENI subnet is refused locally, before any API call', async () => {
    const e = await rejection(provider(NODE1.source, 'eth1').assign(vips('10.0.2.42'), call()));
    expect(e.code).toBe('VIPD_E_CLOUD_INVALID');
    expect(ec2Calls('AssignPrivateIpAddresses')).toHaveLength(0);
  });

  it('an API outage is retried until the deadline, then VIPD_E_CLOUD_DEADLINE with the cause', async () => {
    const p = provider(NODE1.source, 'eth1');
    await p.identity(call());
    await lab.control.setOutage({ api: 'refuse' });
    const e = await rejection(mover(p).acquire(vips(VIPS[0]), deadline(1_500)));
    expect(e.code).toBe('VIPD_E_CLOUD_DEADLINE');
    expect((e.cause as VipdError).code).toBe('VIPD_E_CLOUD_UNAVAILABLE');
    expect((e.details as { attempts: number }).attempts).toBeGreaterThanOrEqual(2);
    await lab.control.setOutage({ api: null });
  });

  it('a hung API call times out per request instead of waiting a minute', async () => {
    const p = provider(NODE1.source, 'eth1', { requestTimeoutMs: 500 });
    await p.identity(call());
    await lab.control.setOutage({ api: 'hang' });
    const e = await rejection(p.assign(vips(VIPS[0]), call()));
    expect(e.code).toBe('VIPD_E_CLOUD_UNAVAILABLE');
    expect(e.transient).toBe(true);
    await lab.control.setOutage({ api: null });
  });

  it('preempted with an EC2 call in flight: the request is aborted, the acquire ends with VIPD_E_CANCELLED before EC2 answers, nothing succeeds', async () => {
    const seen: [string, string][] = [];
    const p = provider(NODE1.source, 'eth1', { requestTimeoutMs: 10_000, requests: { cloudRequest: (op, outcome) => void seen.push([op, outcome]) } });
    await p.identity(call());
    await lab.control.addFault({ action: 'AssignPrivateIpAddresses', latencyMs: 2_500 });
    const abort = new AbortController();
    const pending = rejection(mover(p).acquire(vips(VIPS[0]), deadline(20_000), { signal: abort.signal }));
    await new Promise((r) => setTimeout(r, 300));
    abort.abort();
    const e = await pending;
    expect(e.code).toBe('VIPD_E_CANCELLED');
    // The emulator has not answered yet (it logs a call when it answers): the abort, not the answer, ended the call.
    expect(ec2Calls('AssignPrivateIpAddresses')).toEqual([]);
    expect(seen).toEqual([['AssignPrivateIpAddresses', 'aborted']]);
    // No retry and no confirm poll after the cancellation.
    expect(lab.cloud.calls.imds().filter((c) => c.path.endsWith('/local-ipv4s'))).toEqual([]);
    // The cloud may still apply a request its caller gave up on: why a cancelled move is never read as "nothing happened".
    await answered('AssignPrivateIpAddresses');
  });

  describe('overtaken: the other node assigns after our assign went through', () => {
    /** n1's acquire, with n2's assign landing between n1's assign and its first confirmation poll. */
    async function overtakenAcquire(heard: boolean, deadlineMs: number): Promise<VipdError> {
      const n1 = provider(NODE1.source, 'eth1');
      const n2 = provider(NODE2.source, 'eth0');
      await n1.identity(call());
      await n2.identity(call());
      // The watch the owner builds names node ids; here the instance stands for n2 (the one heard claiming).
      const contender = { heard: false, isContender: (_vip: string, h: CloudHolder) => h.kind === 'other' && h.instanceId === NODE2.id };
      return rejection(
        mover(n1).acquire(vips(VIPS[0]), deadline(deadlineMs), {
          contender,
          afterAssign: async () => {
            await n2.assign(vips(VIPS[0]), call());
            contender.heard = heard;
          },
        }),
      );
    }

    it('with a contender heard, the acquire ends at the first unconfirmed poll with the holder the API names (not at the deadline)', async () => {
      const e = await overtakenAcquire(true, 20_000);
      expect(e.code).toBe('VIPD_E_CLOUD_UNCONFIRMED');
      expect(e.message).toContain('a node that claimed meanwhile moved them after us');
      expect(e.details).toMatchObject({ polls: 1, overtaken: [{ vip: VIPS[0], holder: NODE2.id }] });
      // The record was read through the API (n1's metadata no longer lists the VIP: it cannot say where it went).
      expect(ec2Calls('DescribeNetworkInterfaces').length).toBeGreaterThanOrEqual(1);
      expect(ec2Calls('AssignPrivateIpAddresses').map((c) => c.caller)).toEqual([NODE1.id, NODE2.id]);
    });

    it('without one, the record is never read while confirming: the wait runs to the deadline (a read then could be older than our assign)', async () => {
      const e = await overtakenAcquire(false, 1_200);
      expect(e.code).toBe('VIPD_E_CLOUD_UNCONFIRMED');
      expect(e.message).toContain('did not confirm before the deadline');
      expect((e.details as { polls: number }).polls).toBeGreaterThan(3);
      expect(ec2Calls('DescribeNetworkInterfaces')).toEqual([]);
    });
  });

  it('the deadline passes with an EC2 call in flight: aborted at the deadline (not at the 10 s request timeout), VIPD_E_CLOUD_DEADLINE', async () => {
    const p = provider(NODE1.source, 'eth1', { requestTimeoutMs: 10_000 });
    await p.identity(call());
    await lab.control.addFault({ action: 'AssignPrivateIpAddresses', latencyMs: 2_500 });
    const e = await rejection(mover(p).acquire(vips(VIPS[0]), deadline(800)));
    expect(e.code).toBe('VIPD_E_CLOUD_DEADLINE');
    expect(e.transient).toBe(true);
    expect(ec2Calls('AssignPrivateIpAddresses')).toEqual([]);
    await answered('AssignPrivateIpAddresses');
  });

  it('request metrics count EC2 operations, not provider methods: one assign with an Elastic IP is three operations', async () => {
    const seen: [string, string][] = [];
    const p = provider(NODE1.source, 'eth1', {
      elasticIps: new Map([[VIPS[0], EIP.allocationId]]),
      requests: { cloudRequest: (op, outcome) => void seen.push([op, outcome]) },
    });
    await p.assign(vips(VIPS[0]), call());
    expect(seen).toEqual([
      ['AssignPrivateIpAddresses', 'ok'],
      ['DescribeAddresses', 'ok'],
      ['AssociateAddress', 'ok'],
    ]);
    seen.length = 0;
    // confirm reads metadata only: no API operation.
    await p.confirm(vips(VIPS[0]), call());
    await p.observeHolders(vips(VIPS[0]), call());
    expect(seen).toEqual([]);
    await lab.control.addFault({ action: 'DescribeNetworkInterfaces', error: { code: 'RequestLimitExceeded' } });
    await rejection(p.holders(vips(VIPS[0]), call()));
    expect(seen).toEqual([['DescribeNetworkInterfaces', 'throttled']]);
  });

  it('metadata token expiry between calls is absorbed (renewed on 401)', async () => {
    const p = provider(NODE1.source, 'eth1');
    await p.assign(vips(VIPS[0]), call());
    lab.cloud.expireMetadataTokens();
    expect(await p.confirm(vips(VIPS[0]), call())).toBe(true);
    expect(lab.cloud.calls.imds().filter((c) => c.method === 'PUT')).toHaveLength(2);
  });

  it('Elastic IP: associated once, then follows the address to the peer without another AssociateAddress', async () => {
    const withEip = vips(VIPS[0]);
    const elasticIps = new Map([[VIPS[0], EIP.allocationId]]);
    const p1 = provider(NODE1.source, 'eth1', { elasticIps });
    await p1.assign(withEip, call());
    expect(ec2Calls('AssociateAddress')).toHaveLength(1);
    expect(lab.cloud.flavour.model.eips[0]!.association).toMatchObject({ eniId: NODE1.eni, privateIp: VIPS[0] });
    await p1.assign(withEip, call());
    expect(ec2Calls('AssociateAddress')).toHaveLength(1);

    const p2 = provider(NODE2.source, 'eth0', { elasticIps });
    await p2.assign(withEip, call());
    expect(lab.cloud.flavour.model.eips[0]!.association).toMatchObject({ eniId: NODE2.eni, privateIp: VIPS[0] });
    expect(ec2Calls('AssociateAddress')).toHaveLength(1);
  });

  it('describe: typed facts (NIC, address capacity by instance type) and the source/dest check as a judged line', async () => {
    const p = provider(NODE1.source, 'eth1');
    await p.assign(vips(VIPS[0]), call());
    expect(await p.describe(call())).toEqual({
      nicId: NODE1.eni,
      addressCapacity: { limit: 12, used: 2 },
      checks: [expect.objectContaining({ check: 'source/destination check', status: 'pass', detail: expect.stringContaining('sourceDestCheck=false') })],
    });
    await lab.control.addFault({ action: 'DescribeNetworkInterfaceAttribute', error: { code: 'UnauthorizedOperation' } });
    expect((await p.describe(call())).checks).toEqual([
      expect.objectContaining({ check: 'source/destination check', status: 'warn', detail: expect.stringContaining('ec2:DescribeNetworkInterfaceAttribute') }),
    ]);
  });

  it('without a metadata override the SDK default chain finds the role through AWS_EC2_METADATA_SERVICE_ENDPOINT', async () => {
    await lab.stop();
    lab = await startLab(
      labSpec((s) => {
        // The SDK's own metadata client cannot bind a source address: let node1 own 127.0.0.1 too.
        (s.instances as Record<string, unknown>[])[0]!.sourceAddresses = [NODE1.source, '127.0.0.1'];
      }),
    );
    const saved = { ...process.env };
    for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
    Object.assign(
      process.env,
      {
        AWS_EC2_METADATA_SERVICE_ENDPOINT: lab.endpoints.imdsUrl,
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      },
      call(),
    );
    try {
      const p = provider(NODE1.source, 'eth1', { metadataEndpoint: null });
      await p.assign(vips(VIPS[0]), call());
      expect(ec2Calls('AssignPrivateIpAddresses')).toEqual([expect.objectContaining({ caller: NODE1.id, result: 'ok' })]);
      expect(
        lab.cloud.calls.imds().some((c) => c.source === '127.0.0.1' && c.path === '/latest/meta-data/iam/security-credentials/vipd-node' && c.status === 200),
      ).toBe(true);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved, call());
    }
  });

  it('the real SDK parses what the emulator answers for the adapter calls (admin view agrees)', async () => {
    const p = provider(NODE1.source, 'eth1');
    await p.assign(vips(VIPS[0], VIPS[1]), call());
    const out = await admin().send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [NODE1.eni] }));
    expect(out.NetworkInterfaces![0]!.PrivateIpAddresses!.map((a) => a.PrivateIpAddress)).toEqual([NODE1.primary, VIPS[0], VIPS[1]]);
  });
  it('a retry after a client timeout re-sends the assign for addresses the ENI already holds: accepted, and the move completes', async () => {
    const p = provider(NODE1.source, 'eth1', { requestTimeoutMs: 500 });
    await p.identity(call());
    // EC2 makes the change, then the answer comes too late for the client.
    await lab.control.addFault({ action: 'AssignPrivateIpAddresses', answerLatencyMs: 1_500, times: 1 });
    const result = await mover(p).acquire(vips(VIPS[0], VIPS[1]), deadline(20_000));
    expect(result.assignCalls).toBe(2);
    for (let i = 0; i < 50 && ec2Calls('AssignPrivateIpAddresses').length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    // Both were accepted: the retry (answered first) found the addresses already on this ENI.
    expect(ec2Calls('AssignPrivateIpAddresses').map((c) => [c.caller, c.result])).toEqual([
      [NODE1.id, 'ok'],
      [NODE1.id, 'ok'],
    ]);
    expect(
      lab.cloud.flavour.model
        .eni(NODE1.eni)
        .ips.filter((i) => !i.primary)
        .map((i) => i.address),
    ).toEqual([VIPS[0], VIPS[1]]);
  });

  it.each(['http429', 'hang'])(
    'instance metadata answering %s for a while during the confirmation: retried, the move completes once it is back',
    async (outage) => {
      const p = provider(NODE1.source, 'eth1');
      await p.identity(call());
      await lab.control.setPropagationDelay(300);
      await lab.control.setOutage({ metadata: outage });
      let settled = false;
      const pending = mover(p)
        .acquire(vips(VIPS[0]), deadline(20_000))
        .finally(() => {
          settled = true;
        });
      await eventually(() => ec2Calls('AssignPrivateIpAddresses').length === 1);
      await new Promise((r) => setTimeout(r, 1_500));
      // Still waiting, not failed: metadata trouble is transient.
      expect(settled).toBe(false);
      await lab.control.setOutage({ metadata: null });
      const result = await pending;
      expect(result.assignCalls).toBe(1);
      expect(lab.cloud.dataplane.visibleOn(NODE1.eni)).toEqual([VIPS[0]]);
    },
  );
});
