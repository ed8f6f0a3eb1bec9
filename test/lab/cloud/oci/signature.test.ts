import { createPublicKey } from 'node:crypto';
import * as common from 'oci-common';
import { verifyOciSignature } from '../../../../lab/cloud/oci/signature';
import { TENANCY, apiKey } from './fixtures';

/** Signs like the SDK does (its DefaultRequestSigner), then hands the emulator's verifier what a server would see. */
async function signed(
  method: 'GET' | 'PUT' | 'POST',
  uri: string,
  body: string | undefined,
  key = apiKey('ocid1.user.oc1..tester'),
): Promise<{ headers: Map<string, string>; target: string; keyId: string; key: typeof key }> {
  const auth = new common.SimpleAuthenticationDetailsProvider(TENANCY, key.userId, key.fingerprint, key.privateKeyPem, null);
  const headers = new Headers();
  if (body !== undefined) headers.set('content-type', 'application/json');
  const request = { method, uri, headers, body };
  await new common.DefaultRequestSigner(auth).signHttpRequest(request);
  const map = new Map<string, string>();
  headers.forEach((v, k) => map.set(k.toLowerCase(), v));
  const u = new URL(uri);
  if (!map.has('host')) map.set('host', u.host);
  return { headers: map, target: `${u.pathname}${u.search}`, keyId: `${TENANCY}/${key.userId}/${key.fingerprint}`, key };
}

describe('lab OCI request signatures (verified against what oci-common signs)', () => {
  const now = (): number => Date.now();

  it("accepts the SDK's GET (x-date, (request-target), host) and PUT (plus content-type, content-length, x-content-sha256)", async () => {
    const get = await signed('GET', 'http://127.0.0.1:9/20160918/vnics/ocid1.vnic.x', undefined);
    expect(get.headers.get('authorization')).toMatch(/headers="x-date \(request-target\) host"/i);
    const pub = createPublicKey(get.key.publicKeyPem);
    expect(
      verifyOciSignature({ method: 'GET', target: get.target, headers: get.headers, body: Buffer.alloc(0) }, (id) => (id === get.keyId ? pub : null), now()),
    ).toEqual({ ok: true, keyId: get.keyId });

    const body = JSON.stringify({ vnicId: 'ocid1.vnic.mine' });
    const put = await signed('PUT', 'http://127.0.0.1:9/20160918/privateIps/ocid1.privateip.a', body);
    const putPub = createPublicKey(put.key.publicKeyPem);
    expect(put.headers.get('authorization')).toMatch(/content-type content-length x-content-sha256/i);
    expect(verifyOciSignature({ method: 'PUT', target: put.target, headers: put.headers, body: Buffer.from(body) }, () => putPub, now())).toMatchObject({
      ok: true,
    });
  });

  it('refuses a tampered body, a tampered target, another key, and a stale date', async () => {
    const body = JSON.stringify({ vnicId: 'ocid1.vnic.mine' });
    const put = await signed('PUT', 'http://127.0.0.1:9/20160918/privateIps/ocid1.privateip.a', body);
    const pub = createPublicKey(put.key.publicKeyPem);
    const req = { method: 'PUT', target: put.target, headers: put.headers, body: Buffer.from(body) };
    const tampered = Buffer.from(JSON.stringify({ vnicId: 'ocid1.vnic.evil' }));
    expect(verifyOciSignature({ ...req, body: tampered }, () => pub, now())).toMatchObject({ ok: false, reason: expect.stringContaining('x-content-sha256') });
    expect(verifyOciSignature({ ...req, target: '/20160918/privateIps/ocid1.privateip.b' }, () => pub, now())).toMatchObject({
      ok: false,
      reason: 'the signature does not verify',
    });
    expect(verifyOciSignature(req, () => createPublicKey(apiKey('ocid1.user.oc1..x').publicKeyPem), now())).toMatchObject({ ok: false });
    expect(verifyOciSignature(req, () => null, now())).toMatchObject({ ok: false, reason: 'unknown keyId' });
    expect(verifyOciSignature(req, () => pub, now() + 10 * 60_000)).toMatchObject({ ok: false, reason: expect.stringContaining('5 minutes') });
    const unsignedHash = new Map(put.headers);
    const auth = unsignedHash.get('authorization')!.replace(/ x-content-sha256/i, '');
    unsignedHash.set('authorization', auth);
    expect(verifyOciSignature({ ...req, headers: unsignedHash }, () => pub, now())).toMatchObject({
      ok: false,
      reason: 'the signature does not cover x-content-sha256',
    });
  });
});
