import { OciImdsClient } from '../../../src/cloud/oci/imds';
import { OciProvider } from '../../../src/cloud/oci/provider';
import { CloudMover } from '../../../src/cloud/mover';
import type { CloudRequestSink } from '../../../src/cloud/requests';
import type { CloudCallContext, CloudVip } from '../../../src/cloud/provider';
import type { OciProviderConfig } from '../../../src/config/types';
import { VipdError } from '../../../src/errors';
import { processClock } from '../../../src/util/clock';
import { silentLogger } from '../../../src/util/logger';
import { realTimers } from '../../../src/util/timers';
import { NODE1, NODE2, VIPS, apiKey, startOciLab, type RunningOciLab } from '../../lab/cloud/oci/fixtures';
import { rejection } from '../../support/rejection';

const vips = (...addresses: string[]): CloudVip[] => addresses.map((address) => ({ address }));
const call = (): CloudCallContext => ({ signal: new AbortController().signal, deadlineAt: processClock.nowMs() + 20_000 });
const deadline = (ms: number): number => processClock.nowMs() + ms;

/** OS interfaces of the emulated instances: node1's VIP interface is eth1, its SECOND VNIC. */
const MACS: Record<string, Record<string, string>> = {
  [NODE1.source]: { eth0: NODE1.mac0, eth1: NODE1.mac },
  [NODE2.source]: { eth0: NODE2.mac },
};

describe('OciProvider (real oci-core SDK) against the lab cloud', () => {
  let lab: RunningOciLab;
  afterEach(async () => {
    await lab.stop();
  });

  function provider(
    node: typeof NODE1 | typeof NODE2,
    interfaceName: string,
    opts: { requestTimeoutMs?: number; requests?: CloudRequestSink; configFile?: string; instancePrincipal?: boolean } = {},
  ): OciProvider {
    const config: OciProviderConfig = {
      auth: opts.instancePrincipal === true ? 'instance_principal' : 'api_key',
      region: null,
      endpoint: lab.endpoints.apiUrl,
      metadataEndpoint: lab.endpoints.imdsUrl,
      // The federation endpoint is on the emulator's API listener, as its /v1/x509.
      federationEndpoint: lab.endpoints.apiUrl,
      configFile: opts.configFile ?? (node === NODE1 ? lab.configFile.node1 : lab.configFile.node2),
      profile: 'DEFAULT',
    };
    return new OciProvider({
      interfaceName,
      config,
      logger: silentLogger(),
      imds: new OciImdsClient({ baseUrl: lab.endpoints.imdsUrl, localAddress: node.source }),
      macOf: async (name) => MACS[node.source]![name]!,
      requestTimeoutMs: opts.requestTimeoutMs,
      requests: opts.requests,
    });
  }

  function mover(p: OciProvider): CloudMover {
    return new CloudMover({
      provider: p,
      clock: processClock,
      timers: realTimers,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      random: Math.random,
      logger: silentLogger(),
      confirmPollMs: 50,
      baseDelayMs: 20,
      maxDelayMs: 100,
    });
  }

  const calls = (op: string) => lab.cloud.calls.ec2().filter((c) => c.action === op);
  const holderOf = (ip: string): string | null => lab.cloud.flavour.model.holderOf(ip);

  it('identity: the VNIC behind the interface by MAC (metadata writes it upper case), not the first VNIC', async () => {
    lab = await startOciLab();
    const id = await provider(NODE1, 'eth1').identity(call());
    expect(id).toMatchObject({ provider: 'oci', instanceId: NODE1.id, nicId: NODE1.vnic, mac: NODE1.mac, subnetCidr: '10.0.1.0/24', region: 'us-ashburn-1' });
    expect(id.extra['primaryAddress']).toBe(NODE1.primary);
    expect(lab.cloud.calls.imds().every((c) => c.caller === NODE1.id && c.status === 200)).toBe(true);
  });

  it('creates an absent VIP, then moves it to the new master with one UpdatePrivateIp per VIP, signed by that node; never a delete', async () => {
    lab = await startOciLab();
    const p2 = provider(NODE2, 'eth0');
    const first = await mover(p2).acquire(vips(...VIPS), deadline(20_000));
    expect(first.assignCalls).toBe(1);
    expect(calls('CreatePrivateIp')).toHaveLength(3);
    for (const ip of VIPS) expect(holderOf(ip)).toBe(NODE2.vnic);
    lab.cloud.calls.clear();

    const requests: Array<[string, string]> = [];
    const p1 = provider(NODE1, 'eth1', { requests: { cloudRequest: (op, outcome) => requests.push([op, outcome]) } });
    await mover(p1).acquire(vips(...VIPS), deadline(20_000));
    for (const ip of VIPS) expect(holderOf(ip)).toBe(NODE1.vnic);
    const updates = calls('UpdatePrivateIp');
    expect(updates).toHaveLength(3);
    expect(updates.every((c) => c.caller === NODE1.user && c.status === 200)).toBe(true);
    expect(updates.map((c) => JSON.parse(c.body) as unknown)).toEqual([{ vnicId: NODE1.vnic }, { vnicId: NODE1.vnic }, { vnicId: NODE1.vnic }]);
    expect(calls('DeletePrivateIp')).toHaveLength(0);
    expect(calls('CreatePrivateIp')).toHaveLength(0);
    expect(requests.filter(([op]) => op === 'UpdatePrivateIp')).toEqual([
      ['UpdatePrivateIp', 'ok'],
      ['UpdatePrivateIp', 'ok'],
      ['UpdatePrivateIp', 'ok'],
    ]);
    // The traffic follows the control plane: the fabric routes each VIP to node1's primary.
    await lab.cloud.settled();
    for (const ip of VIPS) expect(lab.fabric.last(ip)).toEqual({ op: 'route', vip: ip, via: NODE1.primary });
  });

  it('a VIP already here costs no change; confirm reads every page of ListPrivateIps on the VNIC', async () => {
    lab = await startOciLab();
    const p1 = provider(NODE1, 'eth1');
    await p1.assign(vips(...VIPS), call());
    lab.cloud.calls.clear();
    lab.cloud.setDescribePageSize(1);
    expect(await p1.confirm(vips(...VIPS), call())).toBe(true);
    // Primary + 3 VIPs, one per page.
    expect(calls('ListPrivateIps').filter((c) => c.params['vnicId'] === NODE1.vnic)).toHaveLength(4);
    await p1.assign(vips(...VIPS), call());
    expect(calls('UpdatePrivateIp')).toHaveLength(0);
    expect(calls('CreatePrivateIp')).toHaveLength(0);
  });

  it('holders: me, the other node (by its VNIC, with its primary address), nobody', async () => {
    lab = await startOciLab();
    await provider(NODE2, 'eth0').assign(vips(VIPS[0]), call());
    await provider(NODE1, 'eth1').assign(vips(VIPS[1]), call());
    const h = await provider(NODE1, 'eth1').holders(vips(...VIPS), call());
    expect(h.get(VIPS[0])).toEqual({ kind: 'other', instanceId: NODE2.vnic, nodeId: null, primaryAddress: NODE2.primary });
    expect(h.get(VIPS[1])).toEqual({ kind: 'me' });
    expect(h.get(VIPS[2])).toEqual({ kind: 'nobody' });
  });

  it('a primary address as VIP is refused (VIPD_E_CLOUD_INVALID) without trying to move it', async () => {
    lab = await startOciLab();
    const e = await rejection(provider(NODE1, 'eth1').assign(vips(NODE2.primary), call()));
    expect(e).toMatchObject({ code: 'VIPD_E_CLOUD_INVALID', transient: false });
    expect(calls('UpdatePrivateIp')).toHaveLength(0);
    expect(holderOf(NODE2.primary)).toBe(NODE2.vnic);
  });

  it('12 answers 429 then 500s are retried to success: the breaker is off, so every retry reaches the API', async () => {
    lab = await startOciLab();
    lab.cloud.faults.add({ action: 'ListPrivateIps', error: { code: 'TooManyRequests' }, times: 12 });
    lab.cloud.faults.add({ action: 'CreatePrivateIp', error: { code: 'InternalServerError' }, times: 3 });
    const result = await mover(provider(NODE1, 'eth1')).acquire(vips(VIPS[0]), deadline(30_000));
    expect(result.assignCalls).toBeGreaterThanOrEqual(13);
    expect(calls('ListPrivateIps').filter((c) => c.result === 'TooManyRequests')).toHaveLength(12);
    expect(calls('CreatePrivateIp').map((c) => c.status)).toEqual([500, 500, 500, 200]);
    expect(holderOf(VIPS[0])).toBe(NODE1.vnic);
  });

  it('a hung API call ends at the per-request timeout as a transient VIPD_E_CLOUD_UNAVAILABLE', async () => {
    lab = await startOciLab();
    const p1 = provider(NODE1, 'eth1', { requestTimeoutMs: 300 });
    await p1.identity(call());
    await lab.cloud.setOutage({ api: 'hang' });
    const e = await rejection(p1.assign(vips(VIPS[0]), call()));
    expect(e).toBeInstanceOf(VipdError);
    expect(e).toMatchObject({ code: 'VIPD_E_CLOUD_UNAVAILABLE', transient: true });
    expect((e as VipdError).message).toContain('timed out');
    await lab.cloud.setOutage({ api: null });
  });

  it('the caller\'s abort ends a call in flight with its own typed reason, not "unavailable"', async () => {
    lab = await startOciLab();
    const p1 = provider(NODE1, 'eth1');
    await p1.identity(call());
    lab.cloud.faults.add({ action: 'GetVnic', latencyMs: 5_000 });
    const ctl = new AbortController();
    const pending = rejection(p1.assign(vips(VIPS[0]), { signal: ctl.signal, deadlineAt: deadline(20_000) }));
    setTimeout(() => ctl.abort(new VipdError('VIPD_E_CANCELLED', 'test gave up')), 200);
    expect(await pending).toMatchObject({ code: 'VIPD_E_CANCELLED' });
  });

  it('404 NotAuthorizedOrNotFound (no policy) is a permanent VIPD_E_CLOUD_PERMISSION naming the policy, after one call', async () => {
    lab = await startOciLab(undefined, { node1: ['ListPrivateIps', 'GetVnic'] });
    await provider(NODE2, 'eth0').assign(vips(VIPS[0]), call());
    lab.cloud.calls.clear();
    const e = await rejection(mover(provider(NODE1, 'eth1')).acquire(vips(VIPS[0]), deadline(20_000)));
    expect(e).toMatchObject({ code: 'VIPD_E_CLOUD_PERMISSION', transient: false });
    expect((e as VipdError).message).toContain('use private-ips');
    expect((e as VipdError).message).toContain('use vnics');
    expect(calls('UpdatePrivateIp')).toHaveLength(1);
    expect(holderOf(VIPS[0])).toBe(NODE2.vnic);
  });

  it('a wrong private key is refused (401 NotAuthenticated), permanent with an API key', async () => {
    lab = await startOciLab();
    // node1's user and fingerprint, signed with another key: the signature does not verify.
    const forged = { ...apiKey(NODE1.user), fingerprint: lab.keys.node1.fingerprint };
    const e = await rejection(provider(NODE1, 'eth1', { configFile: lab.writeConfig('forged', forged) }).assign(vips(VIPS[0]), call()));
    expect(e).toMatchObject({ code: 'VIPD_E_CLOUD_PERMISSION', transient: false });
    expect((e as VipdError).message).toContain('NotAuthenticated (HTTP 401)');
    expect(lab.cloud.calls.ec2().map((c) => [c.status, c.caller])).toEqual([[401, null]]);
    expect(holderOf(VIPS[0])).toBeNull();
  });

  it('eight VIPs are moved concurrently: the API serves several calls at once', async () => {
    const eight = Array.from({ length: 8 }, (_, i) => `10.0.1.${60 + i}`);
    lab = await startOciLab((s) => void (s.vips = eight));
    await provider(NODE2, 'eth0').assign(vips(...eight), call());
    lab.cloud.faults.add({ action: 'UpdatePrivateIp', latencyMs: 200 });
    lab.cloud.calls.clear();
    await provider(NODE1, 'eth1').assign(vips(...eight), call());
    expect(calls('UpdatePrivateIp')).toHaveLength(8);
    expect(lab.cloud.flavour.maxInFlight).toBeGreaterThanOrEqual(8);
    for (const ip of eight) expect(holderOf(ip)).toBe(NODE1.vnic);
  });

  it('several VIPs are looked up with ONE listing of the subnet, one VIP with its own address filter; then one UpdatePrivateIp each', async () => {
    lab = await startOciLab();
    await provider(NODE2, 'eth0').assign(vips(...VIPS), call());
    lab.cloud.calls.clear();
    await provider(NODE1, 'eth1').assign(vips(...VIPS), call());
    // The subnet's every private IP (both primaries and the 3 VIPs), the largest page the API allows; paging as in confirm.
    expect(calls('ListPrivateIps').map((c) => c.params)).toEqual([{ subnetId: expect.any(String), limit: '1000' }]);
    expect(calls('UpdatePrivateIp')).toHaveLength(3);
    for (const ip of VIPS) expect(holderOf(ip)).toBe(NODE1.vnic);
    const h = await provider(NODE2, 'eth0').holders(vips(...VIPS), call());
    for (const ip of VIPS) expect(h.get(ip)).toEqual({ kind: 'other', instanceId: NODE1.vnic, nodeId: null, primaryAddress: NODE1.primary });

    lab.cloud.calls.clear();
    await provider(NODE2, 'eth0').assign(vips(VIPS[0]), call());
    expect(calls('ListPrivateIps').map((c) => c.params['ipAddress'])).toEqual([VIPS[0]]);
    expect(holderOf(VIPS[0])).toBe(NODE2.vnic);
  });

  it('describe: the VNIC, the policy and the address headroom', async () => {
    lab = await startOciLab();
    const p1 = provider(NODE1, 'eth1');
    await p1.assign(vips(...VIPS), call());
    const facts = await p1.describe(call());
    expect(facts.nicId).toBe(NODE1.vnic);
    expect(facts.addressCapacity).toEqual({ limit: 64, used: 4 });
    expect(facts.checks.map((c) => [c.check, c.status])).toEqual([
      ['policy (use private-ips)', 'pass'],
      ['VNIC address headroom', 'pass'],
      ['VNIC', 'pass'],
    ]);
  });

  describe('instance principals (identity certificates from metadata, federation, ST$ session tokens)', () => {
    // The SDK's builder reads metadata without binding a source address: loopback 127.0.0.1 is node1 here.
    const asNode1 = (s: Record<string, unknown>): void => void ((s.instances as Record<string, unknown>[])[0]!.sourceAddresses = [NODE1.source, '127.0.0.1']);

    it('signs as the instance: one federation, then every call by the instance principal', async () => {
      lab = await startOciLab(asNode1);
      const p1 = provider(NODE1, 'eth1', { instancePrincipal: true });
      await mover(p1).acquire(vips(...VIPS), deadline(20_000));
      for (const ip of VIPS) expect(holderOf(ip)).toBe(NODE1.vnic);
      expect(calls('FederateX509').map((c) => [c.caller, c.status])).toEqual([[NODE1.id, 200]]);
      expect(calls('CreatePrivateIp').every((c) => c.caller === NODE1.id)).toBe(true);
      const paths = lab.cloud.calls.imds().map((c) => c.path);
      expect(paths).toEqual(expect.arrayContaining(['/opc/v2/identity/cert.pem', '/opc/v2/identity/key.pem', '/opc/v2/identity/intermediate.pem']));
    });

    it('the client (and its federation) is made when the identity is read at start, not on the first failover', async () => {
      lab = await startOciLab(asNode1);
      const p1 = provider(NODE1, 'eth1', { instancePrincipal: true });
      await p1.identity(call());
      const deadlineAt = Date.now() + 10_000;
      while (calls('GetVnic').length === 0 && Date.now() < deadlineAt) await new Promise((r) => setTimeout(r, 20));
      // One federation and the subnet read (GetVnic), before any move was asked for.
      expect(lab.cloud.calls.ec2().map((c) => [c.action, c.caller, c.status])).toEqual([
        ['FederateX509', NODE1.id, 200],
        ['GetVnic', NODE1.id, 200],
      ]);
      lab.cloud.calls.clear();
      await mover(p1).acquire(vips(VIPS[0]), deadline(20_000));
      // The move itself: no federation, no subnet read.
      expect(calls('FederateX509')).toEqual([]);
      expect(calls('GetVnic')).toEqual([]);
      expect(holderOf(VIPS[0])).toBe(NODE1.vnic);
    });

    it('a session token past its exp is renewed by a new federation before the next call', async () => {
      lab = await startOciLab((s) => {
        asNode1(s);
        s.sessionTokenLifetimeS = 2;
      });
      const p1 = provider(NODE1, 'eth1', { instancePrincipal: true });
      await p1.assign(vips(VIPS[0]), call());
      expect(calls('FederateX509')).toHaveLength(1);
      // Waits for the token's expiry (state), then uses the provider again.
      await new Promise((r) => setTimeout(r, 2_500));
      await p1.assign(vips(VIPS[1]), call());
      expect(calls('FederateX509')).toHaveLength(2);
      expect(calls('CreatePrivateIp').map((c) => [c.caller, c.status])).toEqual([
        [NODE1.id, 200],
        [NODE1.id, 200],
      ]);
    });

    it('a 401 on a revoked session token forces a new federation, and the retry succeeds', async () => {
      lab = await startOciLab(asNode1);
      const p1 = provider(NODE1, 'eth1', { instancePrincipal: true });
      await p1.assign(vips(VIPS[0]), call());
      expect(lab.cloud.expireMetadataTokens()).toBe(1);
      lab.cloud.calls.clear();
      await mover(p1).acquire(vips(VIPS[1]), deadline(20_000));
      const log = lab.cloud.calls.ec2().map((c) => [c.action, c.status]);
      expect(log[0]).toEqual(['ListPrivateIps', 401]);
      expect(log).toContainEqual(['FederateX509', 200]);
      expect(holderOf(VIPS[1])).toBe(NODE1.vnic);
    });
  });
});
