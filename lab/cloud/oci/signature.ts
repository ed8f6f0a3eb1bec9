import { createHash, verify, type KeyObject } from 'node:crypto';

/**
 * OCI request signatures (draft-cavage HTTP signatures, as oci-common
 * signs): `Authorization: Signature version="1",keyId,algorithm="rsa-sha256",
 * headers,signature`. The header list is compared lower-cased; GET and
 * DELETE must sign a date (`x-date` from the TS SDK, `date` elsewhere),
 * `(request-target)` and `host`; POST and PUT also `content-type`,
 * `content-length` and `x-content-sha256`, whose value must be the body's
 * hash. Anything short of that is a 401 NotAuthenticated.
 */
export interface SignedRequest {
  readonly method: string;
  readonly target: string;
  /** Lower-case names. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
}

export type VerifyResult = { readonly ok: true; readonly keyId: string } | { readonly ok: false; readonly reason: string };

const MAX_SKEW_MS = 5 * 60_000;

/** `keyOf` answers the public key for a keyId, or null when it is unknown. */
export function verifyOciSignature(req: SignedRequest, keyOf: (keyId: string) => KeyObject | null, wallNowMs: number): VerifyResult {
  const auth = req.headers.get('authorization');
  if (auth === undefined || !auth.startsWith('Signature ')) return { ok: false, reason: 'no Signature authorization header' };
  const params = parseParams(auth.slice('Signature '.length));
  const keyId = params.get('keyId');
  const signature = params.get('signature');
  const headerList = params.get('headers');
  if (keyId === undefined || signature === undefined || headerList === undefined) return { ok: false, reason: 'keyId, headers and signature are required' };
  if ((params.get('algorithm') ?? 'rsa-sha256') !== 'rsa-sha256') return { ok: false, reason: 'algorithm must be rsa-sha256' };
  const signed = headerList
    .toLowerCase()
    .split(/\s+/)
    .filter((h) => h !== '');
  const method = req.method.toLowerCase();
  const required = [
    '(request-target)',
    'host',
    ...(method === 'post' || method === 'put' || method === 'patch' ? ['content-type', 'content-length', 'x-content-sha256'] : []),
  ];
  for (const h of required) if (!signed.includes(h)) return { ok: false, reason: `the signature does not cover ${h}` };
  const dateHeader = signed.includes('x-date') ? 'x-date' : signed.includes('date') ? 'date' : null;
  if (dateHeader === null) return { ok: false, reason: 'the signature covers no date' };
  const when = Date.parse(req.headers.get(dateHeader) ?? '');
  if (!Number.isFinite(when) || Math.abs(when - wallNowMs) > MAX_SKEW_MS) return { ok: false, reason: `${dateHeader} is missing or more than 5 minutes off` };
  if (signed.includes('x-content-sha256')) {
    const hash = createHash('sha256').update(req.body).digest('base64');
    if (req.headers.get('x-content-sha256') !== hash) return { ok: false, reason: 'x-content-sha256 does not match the body' };
    if (req.headers.get('content-length') !== String(req.body.length)) return { ok: false, reason: 'content-length does not match the body' };
  }
  const lines: string[] = [];
  for (const h of signed) {
    if (h === '(request-target)') lines.push(`(request-target): ${method} ${req.target}`);
    else {
      const v = req.headers.get(h);
      if (v === undefined) return { ok: false, reason: `signed header ${h} is missing` };
      lines.push(`${h}: ${v}`);
    }
  }
  const key = keyOf(keyId);
  if (key === null) return { ok: false, reason: 'unknown keyId' };
  let good: boolean;
  try {
    good = verify('sha256', Buffer.from(lines.join('\n')), key, Buffer.from(signature, 'base64'));
  } catch {
    good = false;
  }
  return good ? { ok: true, keyId } : { ok: false, reason: 'the signature does not verify' };
}

/** Header map with lower-case names from Node's raw header list (first value wins). */
export function headerMap(rawHeaders: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if (!m.has(name)) m.set(name, rawHeaders[i + 1]!);
  }
  return m;
}

function parseParams(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/([A-Za-z]+)="([^"]*)"/g)) out.set(m[1]!, m[2]!);
  return out;
}
