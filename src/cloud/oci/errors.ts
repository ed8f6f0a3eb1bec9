import { VipdError, type ErrorCode } from '../../errors';

/**
 * Turns whatever the OCI SDK threw into a VipdError whose `transient` flag
 * is the whole retry decision. HTTP answers arrive as OciError
 * {statusCode, serviceCode, opcRequestId}; transport failures as plain
 * objects {code, message} that are not Errors (code 23: aborted, here only
 * by the per-request timeout, since the caller's own abort is checked
 * first). 404 NotAuthorizedOrNotFound is how OCI says "no policy" as well
 * as "no such OCID": both are permanent for this attempt.
 */
interface OciErrorShape {
  readonly status: number | null;
  readonly serviceCode: string | null;
  readonly message: string;
  readonly requestId: string | null;
  readonly transportCode: string | number | null;
}

export const OCI_POLICY_HINT =
  "the instance principal (its dynamic group) or API user needs `use private-ips` and `use vnics` in the VCN's compartment (see docs/clouds/oci.md for the policy), or an OCID vipd read is wrong";

export const OCI_PUBLIC_IP_HINT =
  'the reservedPublicIpId names no public IP this principal can see, or its dynamic group or API user lacks `manage public-ips` (assigning a reserved public IP) besides `use private-ips` (see docs/clouds/oci.md for the policy)';

/** `renewable`: a 401 can heal by renewing the session token (instance principals); with an API key it cannot. */
export function classifyOciError(e: unknown, operation: string, renewable = true): VipdError {
  if (e instanceof VipdError) return e;
  const s = shapeOf(e);
  const make = (code: ErrorCode, transient: boolean, hint: string): VipdError => {
    const what =
      s.status !== null
        ? `${s.serviceCode ?? 'error'} (HTTP ${s.status})`
        : `transport failure${s.transportCode !== null ? ` (code ${String(s.transportCode)})` : ''}`;
    const rid = s.requestId !== null ? `; opc-request-id ${s.requestId}` : '';
    return new VipdError(code, `OCI ${operation} failed: ${what}: ${s.message}${rid}. Hint: ${hint}`, {
      transient,
      cause: e,
      details: { operation, httpStatus: s.status, serviceCode: s.serviceCode, opcRequestId: s.requestId, transportCode: s.transportCode, hint },
    });
  };
  if (s.status === null) {
    if (s.transportCode === 23 || s.transportCode === '23')
      return make('VIPD_E_CLOUD_UNAVAILABLE', true, "the OCI call timed out (vipd's per-request timeout); the endpoint is slow or unreachable.");
    return make('VIPD_E_CLOUD_UNAVAILABLE', true, 'the OCI endpoint could not be reached; check DNS, routes (a service gateway) and provider.oci.endpoint.');
  }
  const code = s.serviceCode ?? '';
  if (s.status === 429 || code === 'TooManyRequests')
    return make('VIPD_E_CLOUD_THROTTLED', true, 'the tenancy is over its API request rate; vipd retries with backoff.');
  if (s.status >= 500) return make('VIPD_E_CLOUD_UNAVAILABLE', true, 'OCI reported a server-side error; vipd retries until the failover deadline.');
  if (s.status === 409 && code === 'IncorrectState')
    return make('VIPD_E_CLOUD_UNAVAILABLE', true, 'the resource is busy with another change (IncorrectState); vipd retries.');
  if (s.status === 401 && !renewable)
    return make(
      'VIPD_E_CLOUD_PERMISSION',
      false,
      'the API key signature was not accepted (NotAuthenticated): check the user, fingerprint and key of the OCI config profile, and the clock (NTP).',
    );
  if (s.status === 401)
    return make(
      'VIPD_E_CLOUD_UNAVAILABLE',
      true,
      'the request signature was not accepted; the session token is renewed and the call retried. If it persists, check the clock (NTP) and the API key or dynamic group.',
    );
  if (s.status === 404 || code === 'NotAuthorizedOrNotFound' || s.status === 403)
    return make('VIPD_E_CLOUD_PERMISSION', false, operation.includes('PublicIp') ? OCI_PUBLIC_IP_HINT : OCI_POLICY_HINT);
  if (code === 'LimitExceeded' || code === 'QuotaExceeded')
    return make('VIPD_E_CLOUD_LIMIT', false, 'the VNIC has no room for another secondary private IP (64 per VNIC) or a quota is hit; use fewer VIPs per VNIC.');
  if (s.status === 409)
    return make(
      'VIPD_E_CLOUD_INVALID',
      false,
      'OCI refused the change as conflicting (e.g. the address is in use in a way vipd cannot take over, or is a primary).',
    );
  if (s.status >= 400)
    return make(
      'VIPD_E_CLOUD_INVALID',
      false,
      "OCI rejected the request as invalid (a VIP outside the VNIC's subnet, or a primary address); it will not succeed by retrying.",
    );
  return make('VIPD_E_CLOUD_RESPONSE', false, 'OCI answered something vipd cannot interpret.');
}

/** A 401 means the session token must be renewed before the retry (the SDK renews only at expiry). */
export function isNotAuthenticated(e: unknown): boolean {
  return shapeOf(e).status === 401;
}

function shapeOf(e: unknown): OciErrorShape {
  if (typeof e !== 'object' || e === null) return { status: null, serviceCode: null, message: String(e), requestId: null, transportCode: null };
  const o = e as Record<string, unknown>;
  const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  const status = typeof o.statusCode === 'number' ? o.statusCode : null;
  const transportCode = typeof o.code === 'number' || (typeof o.code === 'string' && status === null) ? (o.code as string | number) : null;
  return {
    status,
    serviceCode: str(o.serviceCode),
    message: str(o.message) ?? '(no message)',
    requestId: str(o.opcRequestId),
    transportCode,
  };
}
