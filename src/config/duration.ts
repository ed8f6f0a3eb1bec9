/**
 * vipd's own duration format: "100ms", "1.5s", "2m", "1h", or a
 * bare number (or numeric string) meaning milliseconds. The result must be
 * a whole number of milliseconds so timers never see fractions.
 */
import { VipdError } from '../errors';

export const DURATION_SYNTAX = 'e.g. 100ms, 1.5s, 2m, 1h; a bare number means ms';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION_RE = /^(\d+)(?:\.(\d+))?(ms|s|m|h)?$/;

export type DurationResult = { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly reason: string };

/** Parses without throwing; `reason` says what is wrong with the input. */
export function tryParseDuration(input: unknown): DurationResult {
  if (typeof input === 'number') return fromMilliseconds(input);
  if (typeof input !== 'string') return { ok: false, reason: `a duration must be a string or a number, not ${describeType(input)}` };
  const text = input.trim();
  if (text.startsWith('-')) return { ok: false, reason: 'a duration cannot be negative' };
  const match = DURATION_RE.exec(text);
  if (match === null) return { ok: false, reason: `cannot read "${input}" as a duration (${DURATION_SYNTAX})` };
  const [, whole = '', fraction = '', unit = 'ms'] = match;
  // Exact decimal arithmetic so "1.1s" is 1100, not 1100.0000000000002.
  const scaled = BigInt(whole + fraction) * BigInt(UNIT_MS[unit] ?? 1);
  const divisor = 10n ** BigInt(fraction.length);
  if (scaled % divisor !== 0n) return { ok: false, reason: `"${input}" is not a whole number of milliseconds` };
  return fromMilliseconds(Number(scaled / divisor));
}

/** Parses or throws VIPD_E_CONFIG with the reason. */
export function parseDuration(input: unknown): number {
  const result = tryParseDuration(input);
  if (!result.ok) throw new VipdError('VIPD_E_CONFIG', result.reason, { details: { value: input, expected: `a duration (${DURATION_SYNTAX})` } });
  return result.ms;
}

/** The shortest exact spelling: 1000 -> "1s", 1500 -> "1500ms", 120000 -> "2m". */
export function formatDuration(ms: number): string {
  for (const unit of ['h', 'm', 's'] as const) {
    const factor = UNIT_MS[unit] ?? 1;
    if (ms !== 0 && ms % factor === 0) return `${ms / factor}${unit}`;
  }
  return `${ms}ms`;
}

function fromMilliseconds(ms: number): DurationResult {
  if (Number.isNaN(ms)) return { ok: false, reason: 'a duration cannot be NaN' };
  if (!Number.isFinite(ms)) return { ok: false, reason: 'a duration must be finite' };
  if (ms < 0) return { ok: false, reason: 'a duration cannot be negative' };
  if (!Number.isInteger(ms)) return { ok: false, reason: `a duration must be a whole number of milliseconds (got ${ms} ms)` };
  if (ms > Number.MAX_SAFE_INTEGER) return { ok: false, reason: 'a duration is too large' };
  return { ok: true, ms };
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value;
}
