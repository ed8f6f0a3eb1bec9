import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Ec2ApiError } from './ec2-errors';
import type { IamPolicy } from './iam-policy';

/**
 * Server-side AWS Signature Version 4 verification (header form), so the
 * emulator rejects what EC2 would reject: an unknown key (AuthFailure), a
 * wrong secret or tampered request (SignatureDoesNotMatch), a missing or
 * mismatched session token, a stale timestamp (RequestExpired). A client
 * that signs wrongly must fail here, not first in production.
 */
export interface SigningPrincipal {
  readonly kind: 'instance' | 'user';
  /** Instance id or user name. */
  readonly id: string;
  readonly allowedActions: readonly string[] | null;
  /** The identity policy checked on action and resource ARNs; null: no policy check. */
  readonly policy: IamPolicy | null;
}

export interface KeyRecord {
  readonly secretAccessKey: string;
  /** Temporary (role) credentials carry a session token that must be presented. */
  readonly sessionToken: string | null;
  readonly principal: SigningPrincipal;
  /** Wall-clock ms after which temporary credentials are refused as expired; null: never (static keys). */
  readonly expiresAtMs: number | null;
}

export interface SignedRequest {
  readonly method: string;
  /** Raw request target: path and query as received. */
  readonly target: string;
  /** Node's rawHeaders: [name, value, name, value, ...]. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

export interface VerifyOptions {
  readonly region: string;
  readonly service: string;
  readonly lookup: (accessKeyId: string) => KeyRecord | null;
  /** Wall-clock ms: SigV4 timestamps are wall-clock by definition. */
  readonly nowMs: number;
}

const MAX_SKEW_MS = 15 * 60 * 1000;
const ALGORITHM = 'AWS4-HMAC-SHA256';
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

export function verifySigV4(req: SignedRequest, opts: VerifyOptions): KeyRecord {
  const headers = headerMap(req.rawHeaders);
  const authorization = headers.get('authorization')?.[0];
  if (authorization === undefined) throw new Ec2ApiError('MissingAuthenticationToken', 'Request is missing Authentication Token', 401);
  const auth = parseAuthorization(authorization);

  const key = opts.lookup(auth.accessKeyId);
  if (key === null) throw new Ec2ApiError('AuthFailure', 'AWS was not able to validate the provided access credentials', 401);
  const presentedToken = headers.get('x-amz-security-token')?.[0] ?? null;
  if (key.sessionToken !== null && presentedToken !== key.sessionToken) {
    throw new Ec2ApiError('AuthFailure', 'AWS was not able to validate the provided access credentials (session token missing or wrong)', 401);
  }

  const amzDate = headers.get('x-amz-date')?.[0];
  if (amzDate === undefined || !/^[0-9]{8}T[0-9]{6}Z$/.test(amzDate)) {
    throw new Ec2ApiError('IncompleteSignature', 'The request must contain a valid X-Amz-Date header (YYYYMMDDTHHMMSSZ)', 400);
  }
  const signedAt = Date.UTC(
    +amzDate.slice(0, 4),
    +amzDate.slice(4, 6) - 1,
    +amzDate.slice(6, 8),
    +amzDate.slice(9, 11),
    +amzDate.slice(11, 13),
    +amzDate.slice(13, 15),
  );
  if (Math.abs(opts.nowMs - signedAt) > MAX_SKEW_MS) {
    throw new Ec2ApiError('RequestExpired', `Request has expired. Timestamp date is ${amzDate}`, 400);
  }
  // EC2 answers an expired role session with RequestExpired as well (clients cannot tell it from a
  // skewed clock by the code, only by the answer's Date header agreeing with their own clock).
  if (key.expiresAtMs !== null && opts.nowMs >= key.expiresAtMs) throw new Ec2ApiError('RequestExpired', 'Request has expired.', 400);
  if (auth.date !== amzDate.slice(0, 8))
    throw new Ec2ApiError('SignatureDoesNotMatch', 'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP', 403);
  if (auth.region !== opts.region)
    throw new Ec2ApiError('SignatureDoesNotMatch', `Credential should be scoped to a valid region, not '${auth.region}'. Expected '${opts.region}'.`, 403);
  if (auth.service !== opts.service) throw new Ec2ApiError('SignatureDoesNotMatch', `Credential should be scoped to correct service: '${opts.service}'.`, 403);
  if (!auth.signedHeaders.includes('host')) throw new Ec2ApiError('SignatureDoesNotMatch', "'Host' must be a 'SignedHeader' in the AWS Authorization.", 403);

  const payloadHash = sha256Hex(req.body);
  const declared = headers.get('x-amz-content-sha256')?.[0];
  if (declared !== undefined && declared !== 'UNSIGNED-PAYLOAD' && declared !== payloadHash) {
    throw new Ec2ApiError('SignatureDoesNotMatch', 'The provided x-amz-content-sha256 header does not match what was computed.', 403);
  }
  const canonicalHeaders = auth.signedHeaders.map((name) => {
    const values = headers.get(name);
    if (values === undefined) throw new Ec2ApiError('SignatureDoesNotMatch', `Signed header ${name} is missing from the request`, 403);
    return `${name}:${values.map((v) => v.trim().replace(/\s+/g, ' ')).join(',')}\n`;
  });
  const [path = '/', query = ''] = splitTarget(req.target);
  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalPath(path),
    canonicalQuery(query),
    canonicalHeaders.join(''),
    auth.signedHeaders.join(';'),
    declared === 'UNSIGNED-PAYLOAD' ? 'UNSIGNED-PAYLOAD' : payloadHash,
  ].join('\n');
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const kDate = hmac(`AWS4${key.secretAccessKey}`, auth.date);
  const kRegion = hmac(kDate, auth.region);
  const kService = hmac(kRegion, auth.service);
  const kSigning = hmac(kService, 'aws4_request');
  const expected = Buffer.from(hmac(kSigning, stringToSign).toString('hex'));
  const presented = Buffer.from(auth.signature);
  if (expected.length !== presented.length || !timingSafeEqual(expected, presented)) {
    throw new Ec2ApiError('SignatureDoesNotMatch', SIGNATURE_MISMATCH, 403);
  }
  return key;
}

interface ParsedAuthorization {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

function parseAuthorization(header: string): ParsedAuthorization {
  const incomplete = (what: string): Ec2ApiError =>
    new Ec2ApiError('IncompleteSignature', `Authorization header requires ${what}. Authorization=${header.slice(0, 60)}`, 400);
  if (!header.startsWith(`${ALGORITHM} `)) throw incomplete(`the ${ALGORITHM} algorithm`);
  const fields = new Map<string, string>();
  for (const part of header.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (credential === undefined) throw incomplete("'Credential' parameter");
  if (signedHeaders === undefined) throw incomplete("'SignedHeaders' parameter");
  if (signature === undefined || !/^[0-9a-f]{64}$/.test(signature)) throw incomplete("'Signature' parameter");
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || !/^[0-9]{8}$/.test(parts[1] ?? ''))
    throw incomplete('a Credential of the form KEY/YYYYMMDD/REGION/SERVICE/aws4_request');
  const [accessKeyId = '', date = '', region = '', service = ''] = parts;
  return { accessKeyId, date, region, service, signedHeaders: signedHeaders.split(';').map((h) => h.trim().toLowerCase()), signature };
}

function headerMap(raw: readonly string[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const list = m.get(name) ?? [];
    list.push(raw[i + 1]!);
    m.set(name, list);
  }
  return m;
}

function splitTarget(target: string): [string, string] {
  const q = target.indexOf('?');
  return q < 0 ? [target, ''] : [target.slice(0, q), target.slice(q + 1)];
}

/** Non-S3 services sign the path URI-encoded once more, segment by segment. */
function canonicalPath(path: string): string {
  if (path === '') return '/';
  return path
    .split('/')
    .map((seg) => rfc3986(seg))
    .join('/');
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs = query
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      const k = eq < 0 ? p : p.slice(0, eq);
      const v = eq < 0 ? '' : p.slice(eq + 1);
      return [rfc3986(safeDecode(k)), rfc3986(safeDecode(v))] as const;
    });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}
