import type { GcpCloudSpec } from '../../../../lab/cloud/gcp/spec';
import type { RunningLab } from '../fixtures';
import { A, B, PROJECT, VIP, ZONE, gcpSpec, gcpSpecJson, instanceJson, startGcpLab } from './fixtures';
import { parseLabCloudSpec } from '../../../../lab/cloud/spec';

/** The gcp flavour's own rules, over plain HTTP (what any client, not only the SDK, meets). */
describe('gcp lab cloud: Compute REST and metadata', () => {
  let lab: RunningLab<GcpCloudSpec>;
  afterEach(async () => lab.stop());

  const base = (): string => `${lab.endpoints.apiUrl}/compute/v1/projects/${PROJECT}/zones/${ZONE}`;
  const token = (instance = A.name): string => lab.cloud.flavour.metadata.issueToken(instance);
  const patch = (instance: string, nic: string, body: unknown, t = token()): Promise<Response> =>
    fetch(`${base()}/instances/${instance}/updateNetworkInterface?networkInterface=${nic}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const nic = (instance: string, name: string) => lab.cloud.flavour.model.nic(instance, name);
  const settle = () => new Promise((r) => setTimeout(r, 150));

  it('GET instances/{i} (with the bare ? the SDK appends) needs a token the metadata issued', async () => {
    lab = await startGcpLab();
    expect((await fetch(`${base()}/instances/${B.name}?`)).status).toBe(401);
    expect((await fetch(`${base()}/instances/${B.name}?`, { headers: { authorization: 'Bearer ya29.forged' } })).status).toBe(401);
    const ok = await fetch(`${base()}/instances/${B.name}?`, { headers: { authorization: `Bearer ${token()}` } });
    expect(ok.status).toBe(200);
    const vm = (await ok.json()) as { networkInterfaces: { name: string; networkIP: string; fingerprint: string }[] };
    expect(vm.networkInterfaces[0]).toMatchObject({ name: 'nic0', networkIP: B.ip, fingerprint: expect.any(String) });
  });

  it("PATCH semantics: absent aliasIpRanges changes nothing (new fingerprint only), [] clears; a stale fingerprint is 412 conditionNotMet in Google's format", async () => {
    lab = await startGcpLab();
    const fp0 = nic(B.name, 'nic0').fingerprint;
    expect((await patch(B.name, 'nic0', { fingerprint: fp0 })).status).toBe(200);
    await settle();
    expect(nic(B.name, 'nic0').aliasIpRanges).toHaveLength(3);
    expect(nic(B.name, 'nic0').fingerprint).not.toBe(fp0);
    const stale = await patch(B.name, 'nic0', { aliasIpRanges: [], fingerprint: fp0 });
    expect(stale.status).toBe(412);
    expect(await stale.json()).toEqual({
      error: { code: 412, message: expect.any(String), errors: [{ message: expect.any(String), domain: 'global', reason: 'conditionNotMet' }] },
    });
    expect((await patch(B.name, 'nic0', { aliasIpRanges: [] })).status).toBe(400);
    expect((await patch(B.name, 'nic0', { aliasIpRanges: [], fingerprint: nic(B.name, 'nic0').fingerprint })).status).toBe(200);
    await settle();
    expect(nic(B.name, 'nic0').aliasIpRanges).toEqual([]);
  });

  it('refuses a range outside the subnet, an unknown secondary range, more than the per-NIC limit, and an address another NIC holds', async () => {
    lab = await startGcpLab(gcpSpec((s) => void (s.aliasLimit = 2)));
    const fp = () => nic(A.name, A.nic).fingerprint;
    const reason = async (r: Response) => ((await r.json()) as { error: { errors: { reason: string }[]; message: string } }).error;
    const outside = await patch(A.name, A.nic, { aliasIpRanges: [{ ipCidrRange: '192.168.9.9/32' }], fingerprint: fp() });
    expect(outside.status).toBe(400);
    expect((await reason(outside)).message).toMatch(/not within the subnetwork/);
    expect((await patch(A.name, A.nic, { aliasIpRanges: [{ ipCidrRange: '10.8.3.0/24', subnetworkRangeName: 'nope' }], fingerprint: fp() })).status).toBe(400);
    expect(
      (await patch(A.name, A.nic, { aliasIpRanges: ['10.0.1.60', '10.0.1.61', '10.0.1.62'].map((ipCidrRange) => ({ ipCidrRange })), fingerprint: fp() }))
        .status,
    ).toBe(400);
    const held = await patch(A.name, A.nic, { aliasIpRanges: [{ ipCidrRange: `${VIP}/32` }], fingerprint: fp() });
    expect(held.status).toBe(400);
    expect((await reason(held)).message).toMatch(/held by vipd-b\/nic0.*already in use/);
    expect(nic(A.name, A.nic).aliasIpRanges).toEqual([]);
  });

  it('two adds of one address that both passed the request-time check: the first to finish holds it, the other operation ends in error', async () => {
    lab = await startGcpLab(gcpSpec((s) => void (s.operationMs = 200)));
    const auth = { authorization: `Bearer ${token()}` };
    const wait = async (r: Response) => {
      const op = (await r.json()) as { name: string };
      return (await (await fetch(`${base()}/operations/${op.name}/wait`, { method: 'POST', headers: auth })).json()) as {
        status: string;
        error?: { errors: { code: string; message: string }[] };
      };
    };
    const others = nic(B.name, 'nic0').aliasIpRanges.filter((r) => r.ipCidrRange !== `${VIP}/32`);
    expect((await wait(await patch(B.name, 'nic0', { aliasIpRanges: others, fingerprint: nic(B.name, 'nic0').fingerprint }))).error).toBeUndefined();
    // Nobody holds the VIP now: both requests pass; A's operation started first, so it finishes first.
    const toA = await patch(A.name, A.nic, { aliasIpRanges: [{ ipCidrRange: `${VIP}/32` }], fingerprint: nic(A.name, A.nic).fingerprint });
    const toB = await patch(B.name, 'nic0', { aliasIpRanges: [...others, { ipCidrRange: `${VIP}/32` }], fingerprint: nic(B.name, 'nic0').fingerprint });
    expect([toA.status, toB.status]).toEqual([200, 200]);
    expect((await wait(toA)).error).toBeUndefined();
    const lost = await wait(toB);
    expect(lost.status).toBe('DONE');
    expect(lost.error?.errors[0]).toMatchObject({ code: 'IP_IN_USE_BY_ANOTHER_RESOURCE', message: expect.stringMatching(/held by vipd-a/) });
    expect(nic(A.name, A.nic).aliasIpRanges.map((r) => r.ipCidrRange)).toEqual([`${VIP}/32`]);
    expect(nic(B.name, 'nic0').aliasIpRanges).toEqual(others);
  });

  it('an operation RUNNING for operationMs, then DONE; wait long-polls to the end', async () => {
    lab = await startGcpLab(gcpSpec((s) => void (s.operationMs = 400)));
    const op = (await (await patch(B.name, 'nic0', { aliasIpRanges: [], fingerprint: nic(B.name, 'nic0').fingerprint })).json()) as {
      name: string;
      status: string;
    };
    expect(op.status).toBe('RUNNING');
    expect(nic(B.name, 'nic0').aliasIpRanges).toHaveLength(3);
    const auth = { authorization: `Bearer ${token()}` };
    expect(((await (await fetch(`${base()}/operations/${op.name}`, { headers: auth })).json()) as { status: string }).status).toBe('RUNNING');
    const done = (await (await fetch(`${base()}/operations/${op.name}/wait`, { method: 'POST', headers: auth })).json()) as { status: string; error?: unknown };
    expect(done).toMatchObject({ status: 'DONE' });
    expect(done.error).toBeUndefined();
    expect(nic(B.name, 'nic0').aliasIpRanges).toEqual([]);
  });

  it('metadata: Metadata-Flavor: Google required (403 without) and on every answer; ipAliases follow the propagation delay; tokens are JSON', async () => {
    lab = await startGcpLab(gcpSpec((s) => void (s.propagationDelayMs = 300)));
    const md = lab.endpoints.imdsUrl;
    // The caller is known by its source address; loopback here is none of the VMs, so the header is checked first.
    const bare = await fetch(`${md}/computeMetadata/v1/instance/name`);
    expect(bare.status).toBe(403);
    expect(await bare.text()).toMatch(/Missing Metadata-Flavor:Google header/);
    expect(bare.headers.get('metadata-flavor')).toBe('Google');
    const { GceMetadataClient } = await import('../../../../src/cloud/gcp/metadata');
    const b = new GceMetadataClient({ baseUrl: md, localAddress: B.source });
    expect(await b.get('instance/zone')).toBe(`projects/123456789012/zones/${ZONE}`);
    expect((await b.networkInterfaces())[0]!.ipAliases).toEqual(['10.8.1.0/24', '10.0.1.42/32', '10.0.1.50/32']);
    expect(await b.token()).toMatchObject({ accessToken: expect.stringMatching(/^ya29\./), expiresInSeconds: 3599 });
    await patch(B.name, 'nic0', { aliasIpRanges: [{ ipCidrRange: '10.8.1.0/24', subnetworkRangeName: 'pods' }], fingerprint: nic(B.name, 'nic0').fingerprint });
    await settle();
    expect((await b.networkInterfaces())[0]!.ipAliases).toContain('10.0.1.42/32');
    await new Promise((r) => setTimeout(r, 400));
    expect((await b.networkInterfaces())[0]!.ipAliases).toEqual(['10.8.1.0/24']);
  });

  it('state file: bad input is refused naming its path', () => {
    const bad =
      (patchFn: (s: Record<string, unknown>) => void): (() => unknown) =>
      () => {
        const json = gcpSpecJson();
        patchFn(json);
        return parseLabCloudSpec(json);
      };
    expect(bad((s) => void (instanceJson(s, B.name).networkInterfaces = [{ name: 'nic0', networkIP: '192.168.1.1', mac: B.mac }]))).toThrow(
      /\$\.instances\[1\]\.networkInterfaces\[0\]\.networkIP/,
    );
    expect(bad((s) => void (instanceJson(s, B.name).networkInterfaces = [{ name: 'nic0', networkIP: B.ip, mac: A.mac }]))).toThrow(/mac/);
    expect(bad((s) => void (s.zone = 'mars'))).toThrow(/\$\.zone/);
    expect(bad((s) => void (s.aliasInUse = 'maybe'))).toThrow(/aliasInUse/);
  });
});
