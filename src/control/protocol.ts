import { ERROR_CODES, type ErrorCode } from '../errors';

/**
 * The control protocol: one JSON object per line (NDJSON) each way over a
 * local unix stream socket.
 *
 *   -> {"id": 1, "method": "status", "params": {...}}
 *   <- {"id": 1, "ok": true, "result": ...}
 *   <- {"id": 1, "ok": false, "error": {"code": "VIPD_E_...", "message": "...", "details": {...}}}
 *
 * Error codes are VipdError codes, so the CLI can rethrow what the daemon
 * threw; protocol problems use VIPD_E_CONTROL.
 */
export type RequestId = string | number;

export interface ControlRequest {
  readonly id: RequestId;
  readonly method: string;
  readonly params: unknown;
}

export interface ControlErrorBody {
  readonly code: ErrorCode;
  readonly message: string;
  readonly transient?: boolean;
  readonly details?: Record<string, unknown>;
}

export type ControlResponse =
  | { readonly id: RequestId | null; readonly ok: true; readonly result: unknown }
  | { readonly id: RequestId | null; readonly ok: false; readonly error: ControlErrorBody };

/** One request line, newline included. Large enough for any params we send; small enough to bound memory per client. */
export const MAX_REQUEST_BYTES = 64 * 1024;
/** Status of many groups can be long; still bounded so a wrong socket cannot make the CLI eat memory. */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
const MAX_METHOD_LENGTH = 64;
const MAX_ID_LENGTH = 128;

export type DecodeResult =
  { readonly ok: true; readonly request: ControlRequest } | { readonly ok: false; readonly id: RequestId | null; readonly message: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function validId(v: unknown): v is RequestId {
  return (typeof v === 'string' && v.length <= MAX_ID_LENGTH) || (typeof v === 'number' && Number.isSafeInteger(v));
}

/** Parses one request line; never throws (a bad line gets an error reply, not a crash). */
export function decodeRequest(line: string): DecodeResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (e) {
    return { ok: false, id: null, message: `malformed JSON: ${(e as Error).message}` };
  }
  if (!isRecord(parsed)) return { ok: false, id: null, message: 'a request must be a JSON object' };
  const id = validId(parsed.id) ? parsed.id : null;
  if (id === null) return { ok: false, id: null, message: 'request "id" must be a string (<= 128 chars) or an integer' };
  const method = parsed.method;
  if (typeof method !== 'string' || method.length === 0 || method.length > MAX_METHOD_LENGTH) {
    return { ok: false, id, message: 'request "method" must be a non-empty string' };
  }
  return { ok: true, request: { id, method, params: parsed.params ?? null } };
}

export function encodeRequest(request: ControlRequest): string {
  return JSON.stringify(request) + '\n';
}

export function isErrorCode(v: unknown): v is ErrorCode {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, v);
}

/** Validates a response line on the client side; returns a message string for nonsense. */
export function decodeResponse(line: string): ControlResponse | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (e) {
    return `malformed JSON from daemon: ${(e as Error).message}`;
  }
  if (!isRecord(parsed)) return 'daemon answered something that is not a JSON object';
  const id = validId(parsed.id) ? parsed.id : null;
  if (parsed.ok === true) return { id, ok: true, result: parsed.result ?? null };
  if (parsed.ok === false && isRecord(parsed.error) && typeof parsed.error.message === 'string') {
    const e = parsed.error;
    const error: ControlErrorBody = {
      code: isErrorCode(e.code) ? e.code : 'VIPD_E_CONTROL',
      message: e.message as string,
      transient: e.transient === true,
      details: isRecord(e.details) ? e.details : {},
    };
    return { id, ok: false, error };
  }
  return 'daemon answered without "ok" and "result"/"error"';
}
