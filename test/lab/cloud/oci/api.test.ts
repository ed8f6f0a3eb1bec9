import * as common from 'oci-common';
import { labCloudSpecOf, parseLabCloudSpec } from '../../../../lab/cloud/spec';
import { NODE1, NODE2, SUBNET, TENANCY, apiKey, ociSpecJson, startOciLab, type RunningOciLab } from './fixtures';

/** A request signed by the SDK's own signer with node1's key, sent with `send` as its body (possibly not what was signed). */
async function signedFetch(
  lab: RunningOciLab,
  method: 'GET' | 'PUT',
  path: string,
  body?: string,
  send: string | undefined = body,
): Promise<{ status: number; json: unknown }> {
  const k = lab.keys.node1;
  const auth = new common.SimpleAuthenticationDetailsProvider(TENANCY, k.userId, k.fingerprint, k.privateKeyPem, null);
  const headers = new Headers();
  if (body !== undefined) headers.set('content-type', 'application/json');
  const uri = `${lab.endpoints.apiUrl}${path}`;
  await new common.DefaultRequestSigner(auth).signHttpRequest({ method, uri, headers, body });
  const res = await fetch(uri, { method, headers, body: send });
  const text = await res.text();
  return { status: res.status, json: text === '' ? null : (JSON.parse(text) as unknown) };
}

describe('lab OCI API on the wire', () => {
  let lab: RunningOciLab;
  beforeEach(async () => {
    lab = await startOciLab();
  });
  afterEach(async () => {
    await lab.stop();
  });

  it("an unsigned request is 401 NotAuthenticated in OCI's error format, with a request id", async () => {
    const res = await fetch(`${lab.endpoints.apiUrl}/20160918/vnics/${NODE1.vnic}`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'NotAuthenticated', message: expect.any(String) });
    expect(res.headers.get('opc-request-id')).toMatch(/^[0-9A-F]{32}$/);
  });

  it('a signed list is a JSON array; a list without a filter is 400 InvalidParameter; an unknown VNIC is 404', async () => {
    const list = await signedFetch(lab, 'GET', `/20160918/privateIps?vnicId=${encodeURIComponent(NODE2.vnic)}`);
    expect(list.status).toBe(200);
    expect(Array.isArray(list.json)).toBe(true);
    expect(await signedFetch(lab, 'GET', '/20160918/privateIps')).toMatchObject({ status: 400, json: { code: 'InvalidParameter' } });
    expect(await signedFetch(lab, 'GET', '/20160918/vnics/ocid1.vnic.oc1.iad.nope')).toMatchObject({ status: 404, json: { code: 'NotAuthorizedOrNotFound' } });
  });

  it('a body changed after signing (same length) is refused and changes nothing', async () => {
    const [primary] = lab.cloud.flavour.model.listByVnic(NODE2.vnic);
    const signed = JSON.stringify({ displayName: 'harmless-name' });
    const sent = JSON.stringify({ displayName: 'evil' }).padEnd(signed.length, ' ');
    expect(sent.length).toBe(signed.length);
    const r = await signedFetch(lab, 'PUT', `/20160918/privateIps/${primary!.id}`, signed, sent);
    expect(r).toMatchObject({ status: 401, json: { code: 'NotAuthenticated' } });
    expect(lab.cloud.flavour.model.privateIp(primary!.id)).toMatchObject({ vnicId: NODE2.vnic, displayName: 'primary' });
    // The same request untampered goes through.
    expect(await signedFetch(lab, 'PUT', `/20160918/privateIps/${primary!.id}`, signed)).toMatchObject({ status: 200, json: { displayName: 'harmless-name' } });
  });
});

describe('lab OCI state file', () => {
  const keys = { node1: apiKey(NODE1.user), node2: apiKey(NODE2.user) };
  const parse = (patch: (s: Record<string, unknown>) => void): unknown => {
    const s = ociSpecJson(keys);
    patch(s);
    return labCloudSpecOf(parseLabCloudSpec(s), 'oci');
  };

  it('fills defaults: 64 secondaries per VNIC, 1 h sessions, the tenancy as compartment', () => {
    expect(parse(() => undefined)).toMatchObject({ secondaryLimitPerVnic: 64, sessionTokenLifetimeS: 3600, propagationDelayMs: 0, compartmentId: TENANCY });
  });

  it.each<[string, (s: Record<string, unknown>) => void, RegExp]>([
    ['an unknown key', (s) => void (s.extra = 1), /\$\.extra is not a known key/],
    [
      'a VNIC address outside its subnet',
      (s) => void ((s.vnics as Record<string, unknown>[])[1]!.privateIps = ['10.9.9.9']),
      /\$\.vnics\[1\]\.privateIps\[0\] must be an address of 10\.0\.1\.0\/24/,
    ],
    [
      'a VNIC in no subnet',
      (s) => void ((s.vnics as Record<string, unknown>[])[0]!.subnetId = 'ocid1.subnet.oc1.iad.none'),
      /\$\.vnics\[0\]\.subnetId names no subnet/,
    ],
    ['a bad MAC', (s) => void ((s.vnics as Record<string, unknown>[])[0]!.mac = '02:00'), /\$\.vnics\[0\]\.mac is not a MAC address/],
    [
      'a user key that is not a key',
      (s) => void ((s.users as Record<string, unknown>[])[0]!.publicKeyPem = 'nope'),
      /\$\.users\[0\]\.publicKeyPem is not a PEM public key/,
    ],
    ['a negative limit', (s) => void (s.secondaryLimitPerVnic = -1), /\$\.secondaryLimitPerVnic must be an integer/],
    [
      'a subnet id that is no OCID',
      (s) => void ((s.subnets as Record<string, unknown>[])[0]!.id = SUBNET.replace('ocid1.', '')),
      /\$\.subnets\[0\]\.id must be a string matching/,
    ],
  ])('refuses %s', (_name, patch, message) => {
    expect(() => parse(patch)).toThrow(expect.objectContaining({ code: 'VIPD_E_CONFIG', message: expect.stringMatching(message) }));
  });
});
