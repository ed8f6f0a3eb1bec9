import { isVipdError, type ErrorCode } from '../errors';

/**
 * Bounded outcome labels of vipd_cloud_requests_total: 'ok' or the kind of
 * failure. Derived from the VipdError code only (never from message text),
 * so a new SDK message cannot create a new series. 'aborted': the request
 * was cut by its context (deadline or the node stopped wanting the VIPs).
 */
export const CLOUD_OUTCOMES = [
  'ok',
  'throttled',
  'unavailable',
  'permission',
  'credentials',
  'invalid',
  'limit',
  'conflict',
  'deadline',
  'response',
  'metadata',
  'aborted',
  'other',
] as const;
export type CloudOutcome = (typeof CLOUD_OUTCOMES)[number];

const BY_CODE: Partial<Record<ErrorCode, CloudOutcome>> = {
  VIPD_E_CLOUD_THROTTLED: 'throttled',
  VIPD_E_CLOUD_UNAVAILABLE: 'unavailable',
  VIPD_E_CLOUD_PERMISSION: 'permission',
  VIPD_E_CLOUD_CREDENTIALS_EXPIRED: 'credentials',
  VIPD_E_CLOUD_INVALID: 'invalid',
  VIPD_E_CLOUD_LIMIT: 'limit',
  VIPD_E_CLOUD_CONFLICT: 'conflict',
  VIPD_E_CLOUD_DEADLINE: 'deadline',
  VIPD_E_CLOUD_UNCONFIRMED: 'deadline',
  VIPD_E_CLOUD_RESPONSE: 'response',
  VIPD_E_METADATA: 'metadata',
  VIPD_E_IDENTITY: 'metadata',
  VIPD_E_CANCELLED: 'aborted',
};

/** The outcome label for a finished cloud operation: pass the thrown value, or nothing on success. */
export function cloudOutcome(error?: unknown): CloudOutcome {
  if (error === undefined) return 'ok';
  if (isVipdError(error)) return BY_CODE[error.code] ?? 'other';
  return 'other';
}
