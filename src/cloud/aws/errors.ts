import { VipdError, type ErrorCode } from '../../errors';

/**
 * Turns whatever the AWS SDK (or the network under it) threw into a
 * VipdError whose `transient` flag is the whole retry decision. Messages
 * are for the operator at 3 a.m.: which call, what AWS said, the request
 * id for a support case, and what to do about it.
 */
const THROTTLING_CODES = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'SlowDown',
  'EC2ThrottledException',
  'PriorRequestNotComplete',
]);

const UNAVAILABLE_CODES = new Set(['InternalError', 'InternalFailure', 'ServiceUnavailable', 'Unavailable', 'RequestTimeout', 'RequestTimeoutException']);

const PERMISSION_CODES = new Set([
  'UnauthorizedOperation',
  'AuthFailure',
  'AccessDenied',
  'AccessDeniedException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'UnrecognizedClientException',
  'OptInRequired',
  'Blocked',
  'PendingVerification',
]);

/**
 * The temporary credentials expired. EC2 answers an expired role session
 * with RequestExpired (HTTP 400), the code it also uses for a request signed
 * with a clock more than 15 minutes off; the SDK tells the two apart by
 * correcting its offset from the answer's Date header (clockSkewCorrected),
 * so an uncorrected RequestExpired means the credentials, not the clock.
 */
const EXPIRED_CREDENTIAL_CODES = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']);

/** Whether a raw SDK error says the credentials it was signed with have expired (the client then refreshes them). */
export function isExpiredCredentialsError(e: unknown): boolean {
  const s = shapeOf(e);
  return (s.status !== null || s.fault !== null) && EXPIRED_CREDENTIAL_CODES.has(s.name) && !s.clockSkewCorrected;
}

const LIMIT_CODES = new Set(['PrivateIpAddressLimitExceeded', 'AddressLimitExceeded', 'InsufficientFreeAddressesInSubnet']);

/** Node/undici socket errors: the request may never have reached AWS. */
const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const TIMEOUT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'AbortError']);

interface SdkErrorShape {
  readonly name: string;
  readonly message: string;
  readonly code: string | null;
  readonly status: number | null;
  readonly requestId: string | null;
  readonly fault: string | null;
  /** The SDK corrected its clock offset from this answer's Date header: the same call now signs with the right time. */
  readonly clockSkewCorrected: boolean;
}

export function classifyAwsError(e: unknown, operation: string): VipdError {
  if (e instanceof VipdError) return e;
  const s = shapeOf(e);
  const awsCode = s.status !== null || s.fault !== null ? s.name : null;
  const facts = { operation, awsCode, httpStatus: s.status, requestId: s.requestId, errno: s.code };

  const make = (code: ErrorCode, transient: boolean, hint: string): VipdError => {
    const what = awsCode !== null ? `${awsCode}${s.status !== null ? ` (HTTP ${s.status})` : ''}` : (s.code ?? s.name);
    const rid = s.requestId !== null ? `; request id ${s.requestId}` : '';
    return new VipdError(code, `EC2 ${operation} failed: ${what}: ${s.message}${rid}. Hint: ${hint}`, {
      transient,
      cause: e,
      details: { ...facts, hint },
    });
  };

  if (
    s.clockSkewCorrected &&
    (s.name === 'RequestExpired' ||
      s.name === 'RequestTimeTooSkewed' ||
      s.name === 'InvalidSignatureException' ||
      s.name === 'SignatureDoesNotMatch' ||
      s.name === 'AuthFailure')
  ) {
    return make(
      'VIPD_E_CLOUD_UNAVAILABLE',
      true,
      "the system clock is off; the SDK corrected its offset from EC2's answer and the retry signs with the right time. Fix NTP (chrony) all the same.",
    );
  }
  if (isExpiredCredentialsError(e)) {
    return make(
      'VIPD_E_CLOUD_CREDENTIALS_EXPIRED',
      true,
      'the instance role credentials had expired; vipd fetches fresh ones from instance metadata and retries. If this persists, instance metadata is not serving new credentials, or the clock is far off (NTP).',
    );
  }
  if (THROTTLING_CODES.has(s.name) || s.status === 429) {
    return make(
      'VIPD_E_CLOUD_THROTTLED',
      true,
      'the account is over its EC2 API request rate; vipd retries with backoff. Look for other tools polling EC2 in this account/region.',
    );
  }
  if (s.code !== null && CONNECTION_ERROR_CODES.has(s.code)) {
    return make(
      'VIPD_E_CLOUD_UNAVAILABLE',
      true,
      'the EC2 endpoint could not be reached; check DNS, routes/NAT or a VPC endpoint for ec2, and provider.aws.endpoint.',
    );
  }
  // A 2xx "error" named TimeoutError is a body that stalled after the headers (socket inactivity).
  if (TIMEOUT_NAMES.has(s.name) && (awsCode === null || (s.status !== null && s.status < 300))) {
    return make('VIPD_E_CLOUD_UNAVAILABLE', true, 'the EC2 call timed out; the endpoint is slow or unreachable.');
  }
  if (UNAVAILABLE_CODES.has(s.name) || (s.status !== null && s.status >= 500)) {
    return make('VIPD_E_CLOUD_UNAVAILABLE', true, 'EC2 reported a server-side error; vipd retries until the failover deadline.');
  }
  if (PERMISSION_CODES.has(s.name) || s.status === 401 || s.status === 403) {
    return make('VIPD_E_CLOUD_PERMISSION', false, permissionHint(s.name, operation));
  }
  if (LIMIT_CODES.has(s.name) || (/LimitExceeded$/.test(s.name) && s.name !== 'RequestLimitExceeded')) {
    return make(
      'VIPD_E_CLOUD_LIMIT',
      false,
      'the network interface has no room for another private IPv4 address (limit per instance type); use a larger instance type or fewer VIPs per interface.',
    );
  }
  if (s.status !== null && s.status >= 400) {
    return make('VIPD_E_CLOUD_INVALID', false, invalidHint(s.name));
  }
  if (s.fault !== null || s.status !== null) {
    return make('VIPD_E_CLOUD_RESPONSE', false, 'EC2 answered something vipd cannot interpret.');
  }
  return make('VIPD_E_CLOUD_RESPONSE', false, 'unexpected failure inside the AWS SDK (e.g. an answer that does not parse); see the cause.');
}

function permissionHint(name: string, operation: string): string {
  if (name === 'UnauthorizedOperation' || name === 'AccessDenied' || name === 'AccessDeniedException') {
    return `the instance role lacks ec2:${operation}; add it (see docs/clouds/aws.md for the least-privilege policy). Decode an encoded message with \`aws sts decode-authorization-message\`.`;
  }
  return 'the credentials were not accepted; on EC2 attach an instance profile (role) to the instance, and do not set static keys.';
}

function invalidHint(name: string): string {
  if (name.startsWith('InvalidNetworkInterfaceID')) return 'the network interface id from instance metadata is unknown to EC2; check provider.aws.region.';
  if (name === 'InvalidParameterValue')
    return 'check that each VIP is inside the interface subnet, is not another interface primary address, and is not reserved by AWS (first four and last address of the subnet).';
  if (name.startsWith('InvalidAllocationID') || name.startsWith('InvalidAssociationID') || name === 'Resource.AlreadyAssociated') {
    return 'check the Elastic IP allocation id in the VIP config (eipalloc-...).';
  }
  return 'EC2 rejected the request as invalid; it will not succeed by retrying.';
}

function shapeOf(e: unknown): SdkErrorShape {
  if (typeof e !== 'object' || e === null) {
    return { name: 'Error', message: String(e), code: null, status: null, requestId: null, fault: null, clockSkewCorrected: false };
  }
  const o = e as Record<string, unknown>;
  const meta = typeof o.$metadata === 'object' && o.$metadata !== null ? (o.$metadata as Record<string, unknown>) : {};
  const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  const status = typeof meta.httpStatusCode === 'number' ? meta.httpStatusCode : null;
  const message = str(o.message) ?? '(no message)';
  return {
    name: str(o.name) ?? str(o.Code) ?? 'Error',
    message,
    code: str(o.code) ?? errnoInWrapper(message),
    status,
    requestId: str(meta.requestId),
    fault: str(o.$fault),
    clockSkewCorrected: meta.clockSkewCorrected === true,
  };
}

/**
 * The SDK's retry layer re-wraps a thrown value it does not recognise as an
 * Error (a socket error from another JS realm, as under jest's VM) into
 * `new Error("AWS SDK error wrapper for Error: connect ECONNREFUSED ...")`,
 * dropping `code`. Recover the errno from that fixed wrapper text only.
 */
function errnoInWrapper(message: string): string | null {
  if (!message.startsWith('AWS SDK error wrapper for ')) return null;
  const m = /\b(E[A-Z]{3,}|UND_ERR_[A-Z_]+)\b/.exec(message);
  return m !== null && CONNECTION_ERROR_CODES.has(m[1]!) ? m[1]! : null;
}
