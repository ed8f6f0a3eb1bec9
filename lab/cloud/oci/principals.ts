import { createHash, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import * as sshpk from 'sshpk';
import type { OciIdentityDocs } from './imds';
import { verifyOciSignature, type SignedRequest } from './signature';

/**
 * Instance principals as the lab cloud issues them. Each instance gets a
 * leaf certificate whose subject carries `OU=opc-tenant:<tenancy>` and
 * `OU=opc-instance:<id>` (served by metadata at identity/cert.pem with its
 * key), and an intermediate. `POST /v1/x509` (the federation endpoint, on
 * the API listener) takes that certificate and a session public key,
 * checks the request is signed by the certificate's key (keyId
 * `<tenancy>/fed-x509/<sha1 of the certificate>`), and answers a JWT whose
 * `exp` is the session's end. API calls then sign with keyId `ST$<jwt>` and
 * the session key. Node crypto cannot mint X.509; sshpk can.
 */
export interface Session {
  readonly instanceId: string;
  readonly key: KeyObject;
  /** Wall-clock seconds. */
  readonly exp: number;
}

export type FederationAnswer = { readonly status: number; readonly body: Record<string, unknown>; readonly caller: string | null };

export class InstancePrincipals {
  private readonly docs = new Map<string, OciIdentityDocs>();
  /** Leaf certificate SHA-1 (hex) → instance and the certificate's public key. */
  private readonly byFingerprint = new Map<string, { instanceId: string; key: KeyObject }>();
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly tenancyId: string,
    instanceIds: readonly string[],
    private readonly lifetimeS: number,
    private readonly wallNowMs: () => number,
  ) {
    const ca = mint(`lab-intermediate`, [`opc-tenant:${tenancyId}`]);
    for (const id of instanceIds) {
      const leaf = mint(id, [`opc-tenant:${tenancyId}`, `opc-instance:${id}`]);
      this.docs.set(id, { cert: leaf.certPem, key: leaf.keyPem, intermediate: ca.certPem });
      this.byFingerprint.set(leaf.sha1, { instanceId: id, key: createPublicKey(leaf.keyPem) });
    }
  }

  identityOf(instanceId: string): OciIdentityDocs | null {
    return this.docs.get(instanceId) ?? null;
  }

  /** The session a `ST$<jwt>` keyId names, while it lasts. */
  session(keyId: string): Session | null {
    if (!keyId.startsWith('ST$')) return null;
    const s = this.sessions.get(keyId.slice(3));
    return s !== undefined && s.exp * 1000 > this.wallNowMs() ? s : null;
  }

  /** Ends every session now (a revoked token, the service's key rotation): the next signed call is a 401. */
  revokeSessions(): number {
    const n = this.sessions.size;
    this.sessions.clear();
    return n;
  }

  federate(req: SignedRequest): FederationAnswer {
    const verified = verifyOciSignature(
      req,
      (keyId) => {
        // The SDK writes the SHA-1 as sshpk's hex, colon-separated.
        const m = new RegExp(`^${escape(this.tenancyId)}/fed-x509/((?:[0-9a-f]{2}:?){20})$`).exec(keyId);
        return m === null ? null : (this.byFingerprint.get(m[1]!.replace(/:/g, ''))?.key ?? null);
      },
      this.wallNowMs(),
    );
    if (!verified.ok) return { status: 401, body: { code: 'NotAuthenticated', message: `federation: ${verified.reason}` }, caller: null };
    const holder = this.byFingerprint.get(verified.keyId.split('/').pop()!.replace(/:/g, ''))!;
    let body: { certificate?: unknown; publicKey?: unknown };
    try {
      body = JSON.parse(req.body.toString('utf8')) as typeof body;
    } catch {
      return { status: 400, body: { code: 'InvalidParameter', message: 'body is not JSON' }, caller: holder.instanceId };
    }
    if (typeof body.certificate !== 'string' || typeof body.publicKey !== 'string')
      return { status: 400, body: { code: 'InvalidParameter', message: 'certificate and publicKey are required' }, caller: holder.instanceId };
    const certSha1 = createHash('sha1').update(Buffer.from(body.certificate, 'base64')).digest('hex');
    if (this.byFingerprint.get(certSha1)?.instanceId !== holder.instanceId)
      return { status: 401, body: { code: 'NotAuthenticated', message: 'the certificate is not the signing one' }, caller: holder.instanceId };
    let key: KeyObject;
    try {
      key = createPublicKey(`-----BEGIN PUBLIC KEY-----\n${body.publicKey.replace(/(.{64})/g, '$1\n')}\n-----END PUBLIC KEY-----\n`);
    } catch {
      return { status: 400, body: { code: 'InvalidParameter', message: 'publicKey is not a public key' }, caller: holder.instanceId };
    }
    const now = Math.floor(this.wallNowMs() / 1000);
    const exp = now + this.lifetimeS;
    const token = jwt({ sub: holder.instanceId, tenant: this.tenancyId, ptype: 'instance', iat: now, exp, jti: randomBytes(8).toString('hex') });
    this.sessions.set(token, { instanceId: holder.instanceId, key, exp });
    return { status: 200, body: { token }, caller: holder.instanceId };
  }
}

function mint(cn: string, ous: readonly string[]): { certPem: string; keyPem: string; sha1: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const key = sshpk.parsePrivateKey(keyPem, 'pem');
  const subject = sshpk.identityFromArray([{ name: 'cn' as const, value: cn }, ...ous.map((value) => ({ name: 'ou' as const, value }))]);
  const cert = sshpk.createSelfSignedCertificate(subject, key, { lifetime: 365 * 24 * 3600 });
  return { certPem: cert.toString('pem'), keyPem, sha1: createHash('sha1').update(cert.toBuffer('x509')).digest('hex') };
}

/** An unsigned-looking JWT (the SDK only decodes it for `exp`); the lab keeps the session server-side. */
function jwt(payload: Record<string, unknown>): string {
  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${b64({ alg: 'RS256', typ: 'JWT', kid: 'lab' })}.${b64(payload)}.${randomBytes(32).toString('base64url')}`;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
