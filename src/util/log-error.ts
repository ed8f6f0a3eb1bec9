/**
 * How an error appears in a log line (the `err` key): type, message, code and
 * stack always present, so a pipeline can index them; VipdError's transient
 * flag and details, and an errno's syscall, when there; the cause chain
 * below, a few levels deep.
 */
export interface LoggedError {
  readonly type: string;
  readonly message: string;
  readonly code: string | null;
  readonly stack: string | null;
  readonly [extra: string]: unknown;
}

const MAX_CAUSE_DEPTH = 3;

export function serializeLogError(value: unknown, depth = 0): LoggedError {
  if (typeof value !== 'object' || value === null) {
    return { type: typeof value, message: String(value), code: null, stack: null };
  }
  // By shape, not instanceof: errors from native addons or vm contexts come from another realm.
  const e = value as Record<string, unknown> & { constructor?: { name?: unknown } };
  const type = typeof e.name === 'string' ? e.name : typeof e.constructor?.name === 'string' && e.constructor.name !== 'Object' ? e.constructor.name : 'Error';
  const out: Record<string, unknown> = {
    type,
    message: typeof e.message === 'string' ? e.message : String(e.message ?? ''),
    code: typeof e.code === 'string' || typeof e.code === 'number' ? String(e.code) : null,
    stack: typeof e.stack === 'string' ? e.stack : null,
  };
  for (const k of ['transient', 'details', 'syscall', 'errno', 'path', 'address', 'port', 'statusCode'] as const) {
    if (e[k] !== undefined) out[k] = e[k];
  }
  if (e.cause !== undefined && depth < MAX_CAUSE_DEPTH) out.cause = serializeLogError(e.cause, depth + 1);
  return out as LoggedError;
}
