/**
 * Every error vipd raises on purpose carries a stable code (documented in
 * docs/errors.md; a test keeps the two in step) and says whether retrying
 * can help. Retries live in one place (cloud/retry.ts) and look only at
 * `transient`; nothing else inspects message text.
 */
export const ERROR_CODES = {
  VIPD_E_CONFIG: 'The configuration is invalid (bad key, value or combination).',
  VIPD_E_KEY_FILE: 'The heartbeat key file is missing, unreadable, too permissive or malformed.',
  VIPD_E_BIND: 'The heartbeat socket could not bind to the configured address and port.',
  VIPD_E_HEARTBEAT_SEND: 'A heartbeat could not be sent to a peer (no route, address family mismatch, socket not bound).',
  VIPD_E_HTTP_BIND: 'The metrics/status HTTP server could not listen on the configured address and port.',
  VIPD_E_TOOL_MISSING: 'A required system tool (ip, arping, ndisc6) is not installed.',
  VIPD_E_COMMAND_FAILED: 'A system command (ip, arping, ...) exited non-zero or could not run.',
  VIPD_E_COMMAND_TIMEOUT: 'A system command did not finish before its deadline and was killed.',
  VIPD_E_GARP: 'The in-process gratuitous ARP sender could not send (no CAP_NET_RAW, interface down, not Ethernet).',
  VIPD_E_OS_STATE: 'The OS state (addresses, rules, routes) could not be read or parsed.',
  VIPD_E_INTERFACE: 'The configured interface does not exist or has no usable primary address.',
  VIPD_E_CLOUD_THROTTLED: 'The cloud API throttled the request (retried with backoff).',
  VIPD_E_CLOUD_UNAVAILABLE: 'The cloud API answered 5xx, timed out or could not be reached (retried).',
  VIPD_E_CLOUD_PERMISSION: 'The cloud API refused the call for lack of permission (not retried).',
  VIPD_E_CLOUD_CREDENTIALS_EXPIRED: 'The cloud API rejected the temporary (role) credentials as expired; fresh ones are fetched and the call retried.',
  VIPD_E_CLOUD_INVALID: 'The cloud API rejected the request as invalid (not retried).',
  VIPD_E_CLOUD_LIMIT: 'A cloud limit was hit, e.g. addresses per NIC (not retried).',
  VIPD_E_CLOUD_CONFLICT: 'A concurrent change raced ours (e.g. stale fingerprint); re-read and retry.',
  VIPD_E_CLOUD_DEADLINE: 'A cloud call did not succeed before the failover deadline (retries included).',
  VIPD_E_CLOUD_UNCONFIRMED:
    'The cloud accepted the move but did not report the VIPs on this NIC before the deadline (slow propagation, or another node moved them again).',
  VIPD_E_CLOUD_RESPONSE: 'The cloud API answered something vipd cannot interpret.',
  VIPD_E_CANCELLED: 'A VIP move was abandoned because this node stopped wanting the VIPs while it ran (e.g. preempted mid-acquire).',
  VIPD_E_METADATA: 'The instance metadata service could not be read; identity is unknown.',
  VIPD_E_IDENTITY: 'The configured interface could not be matched to a cloud NIC (by MAC).',
  VIPD_E_STATE_FILE: 'The saved maintenance state under node.stateDir could not be read, written or removed.',
  VIPD_E_CONTROL: 'The control socket could not be reached or answered an error.',
  VIPD_E_SWITCHOVER_REFUSED: 'A switchover was refused before anything resigned: no live peer would take over (or not the one named with --to).',
  VIPD_E_SD_NOTIFY: 'NOTIFY_SOCKET is set but systemd notifications cannot be sent (abstract socket, native module missing).',
  VIPD_E_HOOK: 'A notify hook failed or timed out (logged, never fatal).',
  VIPD_E_TRACKER: 'A health tracker probe failed (script exit, HTTP status, TCP connect, link state, overrun).',
  VIPD_E_IMPORT: 'A keepalived configuration given to `vipd import-keepalived` could not be read or parsed.',
  VIPD_E_INTERNAL: 'An invariant inside vipd was violated; please report it.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface VipdErrorOptions {
  /** Retrying the same operation may succeed (throttling, 5xx, timeouts). */
  transient?: boolean;
  cause?: unknown;
  /** Structured facts for logs and `vipd status` (command, exit code, stderr, cloud request id...). */
  details?: Record<string, unknown>;
}

export class VipdError extends Error {
  readonly code: ErrorCode;
  readonly transient: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: VipdErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VipdError';
    this.code = code;
    this.transient = options.transient ?? false;
    this.details = options.details ?? {};
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, transient: this.transient, details: this.details };
  }
}

export function isVipdError(e: unknown): e is VipdError {
  return e instanceof VipdError;
}

/** Turns anything thrown into a VipdError without losing the original. */
export function asVipdError(e: unknown, fallback: ErrorCode = 'VIPD_E_INTERNAL'): VipdError {
  if (e instanceof VipdError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new VipdError(fallback, message, { cause: e });
}
