import { VipdError, type ErrorCode } from '../../errors';
import { GCP_PERMISSIONS, type GcpOperation } from './operations';

/**
 * Turns what the Compute REST transport threw (compute 6.x: a GaxiosError
 * with the HTTP status in `status` and Google's JSON error body in
 * `message` or `response.data`) into a VipdError whose `transient` flag is
 * the whole retry decision. A 412 is a lost race on the NIC fingerprint:
 * transient, so the next attempt re-reads; never a success.
 */
const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const THROTTLE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded']);

interface GoogleErrorShape {
  readonly status: number | null;
  readonly reason: string | null;
  readonly googleMessage: string | null;
  readonly errno: string | null;
  readonly name: string;
  readonly message: string;
}

export function classifyGcpError(e: unknown, operation: GcpOperation): VipdError {
  if (e instanceof VipdError) return e;
  const s = shapeOf(e);
  const make = (code: ErrorCode, transient: boolean, hint: string): VipdError => {
    const what = s.status !== null ? `HTTP ${s.status}${s.reason !== null ? ` ${s.reason}` : ''}` : (s.errno ?? s.name);
    return new VipdError(code, `Compute ${operation} failed: ${what}: ${s.googleMessage ?? s.message}. Hint: ${hint}`, {
      transient,
      cause: e,
      details: { operation, httpStatus: s.status, reason: s.reason, errno: s.errno, hint },
    });
  };
  if (s.status === 412 || s.reason === 'conditionNotMet') {
    return make('VIPD_E_CLOUD_CONFLICT', true, 'the NIC changed since vipd read it (stale fingerprint); the next attempt re-reads it.');
  }
  if (s.status === 429 || (s.status === 403 && s.reason !== null && THROTTLE_REASONS.has(s.reason))) {
    return make('VIPD_E_CLOUD_THROTTLED', true, 'the project is over its Compute API rate quota (refilled each minute); vipd retries with backoff.');
  }
  if (s.status === 401 || s.status === 403) {
    const permission = GCP_PERMISSIONS[operation];
    return make(
      'VIPD_E_CLOUD_PERMISSION',
      false,
      `the instance's service account lacks ${permission} (and, for the move, compute.instances.updateNetworkInterface on every VM of the pair); grant it (docs/clouds/gcp.md).`,
    );
  }
  if (s.status === 404) return make('VIPD_E_CLOUD_INVALID', false, 'the instance, zone or project does not exist; check provider.gcp.project, zone and peers.');
  if (s.status !== null && s.status >= 500)
    return make('VIPD_E_CLOUD_UNAVAILABLE', true, 'Compute reported a server-side error; vipd retries until the failover deadline.');
  if (s.status !== null && s.status >= 400)
    return make('VIPD_E_CLOUD_INVALID', false, 'Compute rejected the request as invalid; it will not succeed by retrying.');
  if (
    s.name === 'TimeoutError' ||
    s.errno === 'TimeoutError' ||
    s.name === 'AbortError' ||
    (s.errno !== null && CONNECTION_ERROR_CODES.has(s.errno)) ||
    /fetch failed|socket hang up|network/i.test(s.message)
  ) {
    return make(
      'VIPD_E_CLOUD_UNAVAILABLE',
      true,
      'the Compute endpoint could not be reached or did not answer in time; check routes/NAT, Private Google Access and provider.gcp.endpoint.',
    );
  }
  return make('VIPD_E_CLOUD_RESPONSE', false, 'unexpected failure inside the Google SDK (e.g. an answer that does not parse); see the cause.');
}

/** An operation that finished (DONE) with `error`: the SDK resolves it without throwing. */
export function operationError(operation: string, target: string, errors: readonly { code?: string | null; message?: string | null }[]): VipdError {
  const codes = errors.map((x) => x.code ?? 'UNKNOWN');
  const text = errors.map((x) => `${x.code ?? 'UNKNOWN'}: ${x.message ?? ''}`).join('; ');
  const joined = codes.join(' ');
  const [code, transient, hint]: [ErrorCode, boolean, string] = /PERMISSION|FORBIDDEN/.test(joined)
    ? ['VIPD_E_CLOUD_PERMISSION', false, 'grant compute.instances.updateNetworkInterface (docs/clouds/gcp.md).']
    : /QUOTA|LIMIT/.test(joined)
      ? ['VIPD_E_CLOUD_LIMIT', false, 'the NIC has no room for another alias range; use fewer VIPs per interface.']
      : ['VIPD_E_CLOUD_UNAVAILABLE', true, 'the change did not happen; the next attempt re-reads both VMs and tries again.'];
  return new VipdError(code, `Compute operation ${operation} on ${target} finished with an error: ${text}. Hint: ${hint}`, {
    transient,
    details: { operation, target, codes },
  });
}

function shapeOf(e: unknown): GoogleErrorShape {
  if (typeof e !== 'object' || e === null) return { status: null, reason: null, googleMessage: null, errno: null, name: 'Error', message: String(e) };
  const o = e as Record<string, unknown>;
  const response = isRecord(o.response) ? o.response : {};
  const status = typeof o.status === 'number' ? o.status : typeof response.status === 'number' ? response.status : typeof o.code === 'number' ? o.code : null;
  const message = typeof o.message === 'string' ? o.message : '(no message)';
  const body = googleErrorBody(response.data) ?? googleErrorBody(parseJson(message));
  const cause = isRecord(o.cause) ? o.cause : {};
  const errno = typeof o.code === 'string' ? o.code : typeof cause.code === 'string' ? cause.code : null;
  return { status, reason: body?.reason ?? null, googleMessage: body?.message ?? null, errno, name: typeof o.name === 'string' ? o.name : 'Error', message };
}

function googleErrorBody(data: unknown): { reason: string | null; message: string | null } | null {
  if (!isRecord(data) || !isRecord(data.error)) return null;
  const err = data.error;
  const first = Array.isArray(err.errors) && isRecord(err.errors[0]) ? err.errors[0] : {};
  return { reason: typeof first.reason === 'string' ? first.reason : null, message: typeof err.message === 'string' ? err.message : null };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
