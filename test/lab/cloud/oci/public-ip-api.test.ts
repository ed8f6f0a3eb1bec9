import * as common from 'oci-common';
import { VirtualNetworkClient } from 'oci-core';
import { labCloudSpecOf, parseLabCloudSpec } from '../../../../lab/cloud/spec';
import { NODE1, NODE2, TENANCY, VIPS, apiKey, ociSpecJson, startOciLab, type RunningOciLab } from './fixtures';

const PUBLIC = 'ocid1.publicip.oc1.iad.aaaalabpublic1';
const PUBLIC2 = 'ocid1.publicip.oc1.iad.aaaalabpublic2';
const DELAY_MS = 60_000;

/** The real oci-core client, signed with node1's API key, one attempt per call (as vipd makes it). */
function sdk(lab: RunningOciLab): VirtualNetworkClient {
  const k = lab.keys.node1;
  const client = new VirtualNetworkClient(
    { authenticationDetailsProvider: new common.SimpleAuthenticationDetailsProvider(TENANCY, k.userId, k.fingerprint, k.privateKeyPem, null) },
    { circuitBreaker: new common.CircuitBreaker({ disableClientCircuitBreaker: true }), retryConfiguration: common.NoRetryConfigurationDetails },
  );
  client.endpoint = lab.endpoints.apiUrl;
  return client;
}

/** What the SDK threw (an OciError for HTTP answers). */
async function thrown(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('lab OCI public IPs through the real oci-core SDK', () => {
  let lab: RunningOciLab;
  let skewMs = 0;
  let warn: jest.SpyInstance;
  beforeEach(async () => {
    skewMs = 0;
    // Every failed SDK call console.warns; the failures here are on purpose.
    warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    lab = await startOciLab(
      (s) => {
        s.vnics = (s.vnics as Record<string, unknown>[]).map((v) => (v.id === NODE2.vnic ? { ...v, privateIps: [NODE2.primary, VIPS[0]] } : v));
        s.publicIps = [
          { id: PUBLIC, ipAddress: '203.0.113.10', assignedTo: VIPS[0] },
          { id: PUBLIC2, ipAddress: '203.0.113.11' },
        ];
        s.publicIpAssignDelayMs = DELAY_MS;
      },
      {},
      () => Date.now() + skewMs,
    );
  });
  afterEach(async () => {
    await lab.stop();
    warn.mockRestore();
  });

  const privateIdOf = (ip: string): string =>
    lab.cloud.flavour.model.listByAddress(ip, lab.cloud.flavour.model.vnic(NODE2.vnic).subnetId).find((p) => p.ipAddress === ip)!.id;

  it('GetPublicIp and getByPrivateIpId answer the reserved public IP and where it points; it follows its private IP when that moves', async () => {
    const client = sdk(lab);
    const onVip = privateIdOf(VIPS[0]);
    const got = (await client.getPublicIp({ publicIpId: PUBLIC })).publicIp;
    expect(got).toMatchObject({
      id: PUBLIC,
      ipAddress: '203.0.113.10',
      lifecycleState: 'ASSIGNED',
      lifetime: 'RESERVED',
      privateIpId: onVip,
      assignedEntityType: 'PRIVATE_IP',
    });
    expect((await client.getPublicIpByPrivateIpId({ getPublicIpByPrivateIpIdDetails: { privateIpId: onVip } })).publicIp.id).toBe(PUBLIC);
    const available = (await client.getPublicIp({ publicIpId: PUBLIC2 })).publicIp;
    expect(available.lifecycleState).toBe('AVAILABLE');
    expect(available.privateIpId).toBeUndefined();

    await client.updatePrivateIp({ privateIpId: onVip, updatePrivateIpDetails: { vnicId: NODE1.vnic } });
    expect((await client.getPublicIp({ publicIpId: PUBLIC })).publicIp).toMatchObject({ lifecycleState: 'ASSIGNED', privateIpId: onVip });
    expect(lab.cloud.calls.ec2().map((c) => [c.action, c.caller, c.status])).toEqual([
      ['GetPublicIp', NODE1.user, 200],
      ['GetPublicIpByPrivateIpId', NODE1.user, 200],
      ['GetPublicIp', NODE1.user, 200],
      ['UpdatePrivateIp', NODE1.user, 200],
      ['GetPublicIp', NODE1.user, 200],
    ]);
  });

  it('UpdatePublicIp is asynchronous: ASSIGNING until the configured delay has passed, then ASSIGNED; a second update meanwhile is 409 IncorrectState', async () => {
    const client = sdk(lab);
    const created = (await client.createPrivateIp({ createPrivateIpDetails: { vnicId: NODE1.vnic, ipAddress: VIPS[1] } })).privateIp;
    const updated = (await client.updatePublicIp({ publicIpId: PUBLIC2, updatePublicIpDetails: { privateIpId: created.id } })).publicIp;
    expect(updated).toMatchObject({ id: PUBLIC2, lifecycleState: 'ASSIGNING', privateIpId: created.id });
    expect(await thrown(client.updatePublicIp({ publicIpId: PUBLIC2, updatePublicIpDetails: { privateIpId: created.id } }))).toMatchObject({
      statusCode: 409,
      serviceCode: 'IncorrectState',
    });
    skewMs = DELAY_MS / 2;
    expect((await client.getPublicIp({ publicIpId: PUBLIC2 })).publicIp.lifecycleState).toBe('ASSIGNING');
    skewMs = DELAY_MS;
    expect((await client.getPublicIp({ publicIpId: PUBLIC2 })).publicIp).toMatchObject({ lifecycleState: 'ASSIGNED', privateIpId: created.id });
    // The request body the SDK sent is kept in the call log.
    const update = lab.cloud.calls.ec2().find((c) => c.action === 'UpdatePublicIp')!;
    expect(JSON.parse(update.body)).toEqual({ privateIpId: created.id });
  });

  it("errors are OCI's {code, message}: an unknown public IP, a private IP without one, a private IP that has one already", async () => {
    const client = sdk(lab);
    expect(await thrown(client.getPublicIp({ publicIpId: 'ocid1.publicip.oc1.iad.nope' }))).toMatchObject({
      statusCode: 404,
      serviceCode: 'NotAuthorizedOrNotFound',
    });
    expect(await thrown(client.getPublicIpByPrivateIpId({ getPublicIpByPrivateIpIdDetails: { privateIpId: privateIdOf(NODE2.primary) } }))).toMatchObject({
      statusCode: 404,
      serviceCode: 'NotAuthorizedOrNotFound',
    });
    expect(await thrown(client.updatePublicIp({ publicIpId: PUBLIC2, updatePublicIpDetails: { privateIpId: privateIdOf(VIPS[0]) } }))).toMatchObject({
      statusCode: 409,
      serviceCode: 'Conflict',
    });
    expect(lab.cloud.flavour.model.publicIp(PUBLIC2).privateIpId).toBeNull();
  });

  it('public IP routes are signed like the others: unsigned is 401, a tampered PUT body changes nothing', async () => {
    const res = await fetch(`${lab.endpoints.apiUrl}/20160918/publicIps/${PUBLIC}`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'NotAuthenticated' });
    const k = lab.keys.node1;
    const signer = new common.DefaultRequestSigner(new common.SimpleAuthenticationDetailsProvider(TENANCY, k.userId, k.fingerprint, k.privateKeyPem, null));
    const signed = JSON.stringify({ privateIpId: privateIdOf(NODE2.primary) });
    const sent = JSON.stringify({ privateIpId: privateIdOf(VIPS[0]) })
      .padEnd(signed.length, ' ')
      .slice(0, signed.length);
    const headers = new Headers({ 'content-type': 'application/json' });
    const uri = `${lab.endpoints.apiUrl}/20160918/publicIps/${PUBLIC2}`;
    await signer.signHttpRequest({ method: 'PUT', uri, headers, body: signed });
    const tampered = await fetch(uri, { method: 'PUT', headers, body: sent });
    expect(tampered.status).toBe(401);
    expect(lab.cloud.flavour.model.publicIp(PUBLIC2).privateIpId).toBeNull();
  });
});

describe('lab OCI state file: public IPs', () => {
  const keys = { node1: apiKey(NODE1.user), node2: apiKey(NODE2.user) };
  const parse = (patch: (s: Record<string, unknown>) => void): unknown => {
    const s = ociSpecJson(keys);
    patch(s);
    return labCloudSpecOf(parseLabCloudSpec(s), 'oci');
  };

  it('defaults to none, assigned at once', () => {
    expect(parse(() => undefined)).toMatchObject({ publicIps: [], publicIpAssignDelayMs: 0 });
  });

  it.each<[string, (s: Record<string, unknown>) => void, RegExp]>([
    [
      'an id that is no public IP OCID',
      (s) => void (s.publicIps = [{ id: 'ocid1.privateip.oc1.iad.x', ipAddress: '203.0.113.1' }]),
      /\$\.publicIps\[0\]\.id must be a string matching/,
    ],
    ['an address that is not IPv4', (s) => void (s.publicIps = [{ id: PUBLIC, ipAddress: 'nope' }]), /\$\.publicIps\[0\]\.ipAddress is not an IPv4 address/],
    [
      'an assignment to no private IP of the spec',
      (s) => void (s.publicIps = [{ id: PUBLIC, ipAddress: '203.0.113.1', assignedTo: '10.0.1.99' }]),
      /\$\.publicIps\[0\]\.assignedTo must be a private address/,
    ],
    ['a negative delay', (s) => void (s.publicIpAssignDelayMs = -1), /\$\.publicIpAssignDelayMs must be an integer/],
  ])('refuses %s', (_name, patch, message) => {
    expect(() => parse(patch)).toThrow(expect.objectContaining({ code: 'VIPD_E_CONFIG', message: expect.stringMatching(message) }));
  });
});
