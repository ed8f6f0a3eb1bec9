import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { OAuth2Client } from 'google-auth-library';
import { GcpClients } from '../../../src/cloud/gcp/client';
import { GceMetadataClient } from '../../../src/cloud/gcp/metadata';
import { GcpProvider } from '../../../src/cloud/gcp/provider';
import { CloudMover } from '../../../src/cloud/mover';
import type { CloudCallContext, CloudVip } from '../../../src/cloud/provider';
import type { CloudRequestSink } from '../../../src/cloud/requests';
import { VipdError } from '../../../src/errors';
import { processClock } from '../../../src/util/clock';
import { silentLogger } from '../../../src/util/logger';
import { realTimers } from '../../../src/util/timers';
import type { GcpCloudSpec } from '../../../lab/cloud/gcp/spec';
import type { Ec2CallRecord } from '../../../lab/cloud/call-log';
import { eventually, type RunningLab } from '../../lab/cloud/fixtures';
import { A, B, PROJECT, VIP, VIP2, ZONE, gcpSpec, instanceJson, startGcpLab } from '../../lab/cloud/gcp/fixtures';
import { rejection } from '../../support/rejection';

const vips = (...addresses: string[]): CloudVip[] => addresses.map((address) => ({ address }));
const call = (): CloudCallContext => ({ signal: new AbortController().signal, deadlineAt: processClock.nowMs() + 20_000 });

const MACS: Record<string, Record<string, string>> = {
  [A.source]: { eth0: A.nic0.mac, eth1: A.mac },
  [B.source]: { eth0: B.mac },
};

describe('GcpProvider against the lab cloud (real @google-cloud/compute over REST)', () => {
  let lab: RunningLab<GcpCloudSpec>;

  afterEach(async () => {
    await lab.stop();
  });

  function provider(
    source: string,
    interfaceName: string,
    opts: {
      requestTimeoutMs?: number;
      operationWaitMs?: number;
      peers?: string[];
      requests?: CloudRequestSink;
      clients?: (m: GceMetadataClient) => GcpClients;
    } = {},
  ): GcpProvider {
    const metadata = new GceMetadataClient({ baseUrl: lab.endpoints.imdsUrl, localAddress: source, timeoutMs: 1_000 });
    return new GcpProvider({
      interfaceName,
      config: {
        project: null,
        zone: null,
        peers: (opts.peers ?? [source === A.source ? B.name : A.name]).map((instance) => ({ instance, zone: null })),
        endpoint: lab.endpoints.apiUrl,
        metadataEndpoint: lab.endpoints.imdsUrl,
      },
      logger: silentLogger(),
      macOf: async (ifname) => {
        const mac = MACS[source]?.[ifname];
        if (mac === undefined) throw new VipdError('VIPD_E_INTERFACE', `no ${ifname}`);
        return mac;
      },
      metadata,
      clients: opts.clients?.(metadata),
      requestTimeoutMs: opts.requestTimeoutMs,
      requests: opts.requests,
      operationPollMs: 50,
      ...(opts.operationWaitMs === undefined ? {} : { operationWaitMs: opts.operationWaitMs }),
    });
  }

  function mover(p: GcpProvider): CloudMover {
    return new CloudMover({
      provider: p,
      clock: processClock,
      timers: realTimers,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      random: Math.random,
      logger: silentLogger(),
      confirmPollMs: 50,
      baseDelayMs: 50,
      maxDelayMs: 300,
    });
  }

  const nicOf = (instance: string, nic: string) => lab.cloud.flavour.model.nic(instance, nic);
  const ranges = (instance: string, nic: string) => nicOf(instance, nic).aliasIpRanges.map((r) => [r.ipCidrRange, r.subnetworkRangeName]);
  const apiCalls = (): Ec2CallRecord[] => [...lab.cloud.calls.ec2()];
  const shape = (): string[] => apiCalls().map((c) => `${c.action}${c.params.instance ? ` ${c.params.instance}` : ''}`);

  it('identity: the interface is found by MAC in metadata, then the API NIC by networkIP (nic1 here, not nic0); zone = last segment of instance/zone', async () => {
    lab = await startGcpLab();
    const id = await provider(A.source, 'eth1').identity(call());
    expect(id).toMatchObject({ provider: 'gcp', instanceId: A.name, nicId: 'nic1', mac: A.mac, subnetCidr: '10.0.0.0/16', region: 'europe-west1' });
    expect(id.extra).toMatchObject({ project: PROJECT, zone: ZONE, networkIP: A.ip });
    await expect(provider(A.source, 'eth9').identity(call())).rejects.toMatchObject({ code: 'VIPD_E_INTERFACE' });
    // Every metadata request carried the header (the emulator answers 403 otherwise) and got it back.
    expect(lab.cloud.calls.imds().every((c) => c.status === 200)).toBe(true);
  });

  it('the two-step move: off the holder (its other ranges and range names kept), wait, onto ours, wait; confirmed from metadata, traffic follows', async () => {
    lab = await startGcpLab();
    const p = provider(A.source, 'eth1');
    await p.identity(call());
    lab.cloud.calls.clear();
    const result = await mover(p).acquire(vips(VIP), processClock.nowMs() + 20_000);
    expect(result.assignCalls).toBe(1);
    // get self and peer (concurrently), PATCH the holder, its operation, PATCH ours, its operation.
    const moves = dedupePolls(shape());
    expect(moves.slice(0, 2).sort()).toEqual(['instances.get vipd-a', 'instances.get vipd-b']);
    expect(moves.slice(2)).toEqual([
      'instances.updateNetworkInterface vipd-b',
      'zoneOperations.wait',
      'instances.updateNetworkInterface vipd-a',
      'zoneOperations.wait',
    ]);
    expect(ranges(B.name, B.nic)).toEqual([
      ['10.0.1.50', null],
      ['10.8.1.0/24', 'pods'],
    ]);
    expect(ranges(A.name, A.nic)).toEqual([[`${VIP}/32`, null]]);
    const patchA = apiCalls().find((c) => c.action === 'instances.updateNetworkInterface' && c.params.instance === A.name)!;
    expect(patchA.params.networkInterface).toBe('nic1');
    expect(await p.confirm(vips(VIP), call())).toBe(true);
    await lab.cloud.settled();
    expect(lab.fabric.last(VIP)).toEqual({ op: 'route', vip: VIP, via: A.ip });
    // The holders read from both VMs; from the other side, we are 'other' with our NIC's address.
    expect(await provider(B.source, 'eth0').holders(vips(VIP, VIP2), call())).toEqual(
      new Map([
        [VIP, { kind: 'other', instanceId: A.name, nodeId: null, primaryAddress: A.ip }],
        [VIP2, { kind: 'nobody' }],
      ]),
    );
    expect(await p.holders(vips(VIP), call())).toEqual(new Map([[VIP, { kind: 'me' }]]));
  });

  it('removing the LAST alias goes as a raw PATCH whose wire body carries "aliasIpRanges":[]; through the SDK the empty list is dropped and changes nothing', async () => {
    lab = await startGcpLab(
      gcpSpec((s) => void (instanceJson(s, B.name).networkInterfaces = [{ name: 'nic0', networkIP: B.ip, mac: B.mac, aliasIpRanges: [{ ipCidrRange: VIP }] }])),
    );
    // What the SDK does with an empty list, sent as B itself: the field is gone from the body, the alias stays.
    const bMeta = new GceMetadataClient({ baseUrl: lab.endpoints.imdsUrl, localAddress: B.source });
    const sdk = new GcpClients({ endpoint: lab.endpoints.apiUrl, metadata: bMeta });
    await sdk.instances.updateNetworkInterface({
      project: PROJECT,
      zone: ZONE,
      instance: B.name,
      networkInterface: 'nic0',
      networkInterfaceResource: { aliasIpRanges: [], fingerprint: nicOf(B.name, 'nic0').fingerprint },
    });
    const sdkBody = apiCalls().find((c) => c.action === 'instances.updateNetworkInterface')!.body;
    expect(sdkBody).not.toContain('aliasIpRanges');
    await eventually(() => lab.cloud.calls.ec2().length > 0 && true);
    await new Promise((r) => setTimeout(r, 150));
    expect(ranges(B.name, 'nic0')).toEqual([[VIP, null]]);
    lab.cloud.calls.clear();

    const p = provider(A.source, 'eth1');
    await mover(p).acquire(vips(VIP), processClock.nowMs() + 20_000);
    const patchB = apiCalls().find((c) => c.action === 'instances.updateNetworkInterface' && c.params.instance === B.name)!;
    expect(patchB.body).toContain('"aliasIpRanges":[]');
    expect(patchB.params.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(ranges(B.name, 'nic0')).toEqual([]);
    expect(ranges(A.name, A.nic)).toEqual([[`${VIP}/32`, null]]);
  });

  it('a change made between our read and our write: 412 conditionNotMet is VIPD_E_CLOUD_CONFLICT (never success); the retry re-reads and both changes are kept', async () => {
    lab = await startGcpLab();
    const p = provider(A.source, 'eth1');
    const model = lab.cloud.flavour.model;
    model.beforeNextUpdate = () =>
      model.externalUpdate(B.name, 'nic0', [...nicOf(B.name, 'nic0').aliasIpRanges, { ipCidrRange: '10.0.1.60/32', subnetworkRangeName: null }]);
    const err = await rejection(p.assign(vips(VIP), call()));
    expect(err).toMatchObject({ code: 'VIPD_E_CLOUD_CONFLICT', transient: true });
    expect(ranges(B.name, 'nic0')).toContainEqual([`${VIP}/32`, null]);
    model.beforeNextUpdate = () =>
      model.externalUpdate(B.name, 'nic0', [...nicOf(B.name, 'nic0').aliasIpRanges, { ipCidrRange: '10.0.1.61/32', subnetworkRangeName: null }]);
    const retried = await mover(p).acquire(vips(VIP), processClock.nowMs() + 20_000);
    expect(retried.assignCalls).toBe(2);
    expect(ranges(B.name, 'nic0')).toEqual([
      ['10.0.1.50', null],
      ['10.8.1.0/24', 'pods'],
      ['10.0.1.60/32', null],
      ['10.0.1.61/32', null],
    ]);
    expect(ranges(A.name, A.nic)).toEqual([[`${VIP}/32`, null]]);
    expect(apiCalls().filter((c) => c.status === 412)).toHaveLength(2);
  });

  it('an operation DONE with error is a failure (the SDK does not throw on it), and is retried', async () => {
    lab = await startGcpLab();
    const p = provider(A.source, 'eth1');
    await lab.control.addFault({
      action: 'instances.updateNetworkInterface',
      error: { code: 'RESOURCE_OPERATION_RATE_EXCEEDED', message: 'Operation rate exceeded' },
      times: 1,
    });
    const err = await rejection(p.assign(vips(VIP), call()));
    expect(err).toMatchObject({ code: 'VIPD_E_CLOUD_UNAVAILABLE', transient: true, message: expect.stringContaining('RESOURCE_OPERATION_RATE_EXCEEDED') });
    expect(ranges(B.name, 'nic0')).toContainEqual([`${VIP}/32`, null]);
    await lab.control.addFault({ action: 'instances.updateNetworkInterface', error: { code: 'RESOURCE_OPERATION_RATE_EXCEEDED' }, times: 1 });
    expect((await mover(p).acquire(vips(VIP), processClock.nowMs() + 20_000)).assignCalls).toBe(2);
    expect(ranges(A.name, A.nic)).toEqual([[`${VIP}/32`, null]]);
  });

  it.each([
    ['403 rateLimitExceeded', { code: 'rateLimitExceeded', status: 403 }, 'VIPD_E_CLOUD_THROTTLED'],
    ['429', { code: 'rateLimitExceeded', status: 429 }, 'VIPD_E_CLOUD_THROTTLED'],
    ['503', { code: 'backendError', status: 503 }, 'VIPD_E_CLOUD_UNAVAILABLE'],
  ])('%s is transient (%s) and retried to success', async (_name, error, code) => {
    lab = await startGcpLab();
    const p = provider(A.source, 'eth1');
    await lab.control.addFault({ action: 'instances.updateNetworkInterface', error, times: 1 });
    expect(await rejection(p.assign(vips(VIP), call()))).toMatchObject({ code, transient: true });
    await lab.control.addFault({ action: 'instances.updateNetworkInterface', error, times: 1 });
    expect((await mover(p).acquire(vips(VIP), processClock.nowMs() + 20_000)).assignCalls).toBe(2);
    expect(ranges(A.name, A.nic)).toEqual([[`${VIP}/32`, null]]);
  });

  it('a hung call ends at the transporter timeout (unavailable) and is retried; the body re-sent keeps its requestId, so Compute sees one change', async () => {
    lab = await startGcpLab(gcpSpec((s) => void (s.operationMs = 1500)));
    const p = provider(A.source, 'eth1', { requestTimeoutMs: 400 });
    await p.identity(call());
    await lab.control.addFault({ action: 'instances.updateNetworkInterface', latencyMs: 800, times: 1 });
    lab.cloud.calls.clear();
    const result = await mover(p).acquire(vips(VIP), processClock.nowMs() + 20_000);
    expect(result.assignCalls).toBeGreaterThanOrEqual(2);
    const patchesB = apiCalls().filter((c) => c.action === 'instances.updateNetworkInterface' && c.params.instance === B.name);
    expect(patchesB.length).toBeGreaterThanOrEqual(2);
    expect(new Set(patchesB.map((c) => c.params.requestId)).size).toBe(1);
    expect(ranges(B.name, 'nic0')).toEqual([
      ['10.0.1.50', null],
      ['10.8.1.0/24', 'pods'],
    ]);
    expect(ranges(A.name, A.nic)).toEqual([[`${VIP}/32`, null]]);
  });

  it("each operation is waited for with ONE zoneOperations.wait, Compute's long poll, answered when it is DONE; the wait has its own timeout, not the transporter's", async () => {
    lab = await startGcpLab(gcpSpec((s) => void (s.operationMs = 1200)));
    // A transporter timeout shorter than the operation: a wait bound by it would fail every time.
    const p = provider(A.source, 'eth1', { requestTimeoutMs: 400 });
    await p.identity(call());
    lab.cloud.calls.clear();
    await p.assign(vips(VIP), call());
    expect(shape().slice(-4)).toEqual([
      `instances.updateNetworkInterface ${B.name}`,
      'zoneOperations.wait',
      `instances.updateNetworkInterface ${A.name}`,
      'zoneOperations.wait',
    ]);
    expect(
      apiCalls()
        .filter((c) => c.action === 'zoneOperations.wait')
        .every((c) => c.status === 200),
    ).toBe(true);
    expect(ranges(A.name, A.nic)).toEqual([[`${VIP}/32`, null]]);
  });

  it('a wait that answers early with the operation still RUNNING is sent again; one that hangs past operationWaitMs fails the attempt (transient) and the retry finds the same operation', async () => {
    lab = await startGcpLab(
      gcpSpec((s) => {
        s.operationMs = 700;
        s.operationWaitCapMs = 150;
      }),
    );
    const p = provider(A.source, 'eth1', { operationWaitMs: 1000 });
    await p.identity(call());
    lab.cloud.calls.clear();
    await p.assign(vips(VIP), call());
    const waits = apiCalls().filter((c) => c.action === 'zoneOperations.wait');
    expect(waits.length).toBeGreaterThanOrEqual(4);
    expect(ranges(A.name, A.nic)).toEqual([[`${VIP}/32`, null]]);

    await lab.stop();
    lab = await startGcpLab(gcpSpec((s) => void (s.operationMs = 200)));
    const q = provider(A.source, 'eth1', { operationWaitMs: 500 });
    await q.identity(call());
    await lab.control.addFault({ action: 'zoneOperations.wait', latencyMs: 3000, times: 1 });
    expect(await rejection(q.assign(vips(VIP), call()))).toMatchObject({ code: 'VIPD_E_CLOUD_UNAVAILABLE', transient: true });
    lab.cloud.calls.clear();
    await mover(q).acquire(vips(VIP), processClock.nowMs() + 20_000);
    expect(ranges(A.name, A.nic)).toEqual([[`${VIP}/32`, null]]);
    expect(ranges(B.name, 'nic0')).toEqual([
      ['10.0.1.50', null],
      ['10.8.1.0/24', 'pods'],
    ]);
  });

  it('permission denied is permanent: VIPD_E_CLOUD_PERMISSION naming compute.instances.updateNetworkInterface after ONE call', async () => {
    lab = await startGcpLab(gcpSpec((s) => void (instanceJson(s, A.name).permissions = ['compute.instances.get', 'compute.zoneOperations.get'])));
    const p = provider(A.source, 'eth1');
    await p.identity(call());
    lab.cloud.calls.clear();
    const err = await rejection(mover(p).acquire(vips(VIP), processClock.nowMs() + 20_000));
    expect(err).toMatchObject({
      code: 'VIPD_E_CLOUD_PERMISSION',
      transient: false,
      message: expect.stringContaining('compute.instances.updateNetworkInterface'),
    });
    expect(apiCalls().filter((c) => c.action === 'instances.updateNetworkInterface')).toHaveLength(1);
  });

  it('the context stops the move between and inside the steps: preempted while the removal operation runs, the add is never sent (VIPD_E_CANCELLED)', async () => {
    lab = await startGcpLab(gcpSpec((s) => void (s.operationMs = 3000)));
    const p = provider(A.source, 'eth1');
    await p.identity(call());
    lab.cloud.calls.clear();
    const preempt = new AbortController();
    setTimeout(() => preempt.abort(), 400);
    const err = await rejection(mover(p).acquire(vips(VIP), processClock.nowMs() + 20_000, { signal: preempt.signal }));
    expect(err).toMatchObject({ code: 'VIPD_E_CANCELLED' });
    expect(
      apiCalls()
        .filter((c) => c.action === 'instances.updateNetworkInterface')
        .map((c) => c.params.instance),
    ).toEqual([B.name]);
    // And the deadline: the same attempt ends with VIPD_E_CLOUD_DEADLINE, no add sent.
    lab.cloud.calls.clear();
    const late = await rejection(mover(provider(B.source, 'eth0')).acquire(vips(VIP2), processClock.nowMs() + 300));
    expect(late).toBeInstanceOf(VipdError);
    expect(['VIPD_E_CLOUD_DEADLINE']).toContain(late.code);
  });

  it('request metrics count each Compute operation (get, update, wait), not provider calls', async () => {
    lab = await startGcpLab();
    const seen: string[] = [];
    const p = provider(A.source, 'eth1', { requests: { cloudRequest: (op, outcome) => seen.push(`${op}:${outcome}`) } });
    await mover(p).acquire(vips(VIP), processClock.nowMs() + 20_000);
    expect(seen.filter((s) => s === 'instances.updateNetworkInterface:ok')).toHaveLength(2);
    expect(seen.filter((s) => s.startsWith('instances.get:ok')).length).toBeGreaterThanOrEqual(3);
    expect(seen.some((s) => s.startsWith('zoneOperations.wait:ok'))).toBe(true);
    expect(seen.every((s) => s.endsWith(':ok'))).toBe(true);
  });

  it('observeHolders reads metadata ipAliases first: no API call while every VIP shows here', async () => {
    lab = await startGcpLab();
    const p = provider(A.source, 'eth1');
    await mover(p).acquire(vips(VIP), processClock.nowMs() + 20_000);
    lab.cloud.calls.clear();
    expect(await p.observeHolders(vips(VIP), call())).toEqual(new Map([[VIP, { kind: 'me' }]]));
    expect(apiCalls()).toHaveLength(0);
    expect(await p.observeHolders(vips(VIP, VIP2), call())).toEqual(
      new Map([
        [VIP, { kind: 'me' }],
        [VIP2, { kind: 'nobody' }],
      ]),
    );
    expect(apiCalls().length).toBeGreaterThan(0);
  });

  it('describe (vipd doctor): the NIC found by MAC with its alias capacity, a missing compute.instances.get named, an empty peers list warned about, the guest agent mode as a line of its own', async () => {
    lab = await startGcpLab();
    const facts = await provider(A.source, 'eth1').describe(call());
    expect(facts.nicId).toBe('nic1');
    expect(facts.addressCapacity).toEqual({ limit: 101, used: 1 });
    expect(facts.checks.find((c) => c.check === 'NIC')).toMatchObject({ status: 'pass', detail: expect.stringContaining(A.mac) });
    expect(facts.checks.find((c) => c.check === 'guest agent ip_aliases')?.detail).toContain('[IpForwarding] ip_aliases');
    await lab.stop();
    lab = await startGcpLab(gcpSpec((s) => void (instanceJson(s, A.name).permissions = [])));
    // Without compute.instances.get even the identity (which maps the NIC through the API) fails: doctor reports it as such.
    expect(await rejection(provider(A.source, 'eth1').describe(call()))).toMatchObject({
      code: 'VIPD_E_CLOUD_PERMISSION',
      message: expect.stringContaining('compute.instances.get'),
    });
    const facts2 = await provider(B.source, 'eth0', { peers: [] }).describe(call());
    expect(facts2.checks.find((c) => c.check === 'peers')).toMatchObject({ status: 'warn' });
  });

  it('tokens: the API accepts only tokens the metadata issued (refreshHandler); Application Default Credentials through GCE_METADATA_HOST work as well', async () => {
    lab = await startGcpLab(gcpSpec((s) => void (instanceJson(s, A.name).sourceAddresses = [A.source, '127.0.0.1'])));
    const stranger = new OAuth2Client();
    stranger.setCredentials({ access_token: 'ya29.not-issued-here', expiry_date: Date.now() + 3_600_000 });
    const foreign = new GcpClients({
      endpoint: lab.endpoints.apiUrl,
      metadata: new GceMetadataClient({ baseUrl: lab.endpoints.imdsUrl }),
      authClient: stranger,
    });
    const refused = await rejection(foreign.call('instances.get', call(), () => foreign.instances.get({ project: PROJECT, zone: ZONE, instance: A.name })));
    expect(refused).toMatchObject({ code: 'VIPD_E_CLOUD_PERMISSION', details: expect.objectContaining({ httpStatus: 401 }) });
    // ADC (google-auth-library's own metadata client) takes its host only from the environment, and its
    // transport import()s node-fetch, which jest's VM cannot: it runs in a plain node process here.
    const metadataHost = `127.0.0.1:${new URL(lab.endpoints.imdsUrl).port}`;
    const script = `const { GoogleAuth } = require('google-auth-library');
new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/compute'] }).getAccessToken()
  .then((t) => process.stdout.write(JSON.stringify({ token: t })), (e) => { process.stderr.write(String(e)); process.exit(2); });`;
    const out = await promisify(execFile)(process.execPath, ['-e', script], {
      cwd: join(__dirname, '..', '..', '..'),
      env: { ...process.env, GCE_METADATA_HOST: metadataHost, GOOGLE_APPLICATION_CREDENTIALS: '' },
      timeout: 60_000,
    });
    const { token } = JSON.parse(out.stdout) as { token: string };
    expect(lab.cloud.flavour.metadata.tokenOwner(token)).toBe(A.name);
    const adc = new OAuth2Client();
    adc.setCredentials({ access_token: token, expiry_date: Date.now() + 3_000_000 });
    const p = provider(A.source, 'eth1', { clients: (metadata) => new GcpClients({ endpoint: lab.endpoints.apiUrl, metadata, authClient: adc }) });
    await mover(p).acquire(vips(VIP), processClock.nowMs() + 20_000);
    expect(ranges(A.name, A.nic)).toEqual([[`${VIP}/32`, null]]);
    // vipd's own path (refreshHandler on its metadata client) was used by every other test here: the emulator refuses anything else.
  });
});

/** Operation reads repeat while it runs: one per step is the shape. */
function dedupePolls(calls: readonly string[]): string[] {
  return calls.filter((c, i) => !(c.startsWith('zoneOperations.wait') && calls[i - 1]?.startsWith('zoneOperations.wait')));
}
