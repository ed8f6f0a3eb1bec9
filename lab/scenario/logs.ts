import type { FailoverPhases } from '../../src/runtime/ports';

/**
 * What a scenario reads from vipd's NDJSON log: transitions and the
 * `vips-ready` line with vipd's own phase timings. A line that is not a
 * JSON object (a partial first line of a bounded buffer, a stray print)
 * is kept as unparsed rather than dropped silently or thrown on.
 */
export interface LogRecord {
  readonly [key: string]: unknown;
}

export interface Transition {
  readonly index: number;
  readonly group: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  readonly peer: string | null;
}

export interface VipsReady {
  readonly index: number;
  readonly group: string;
  readonly phases: FailoverPhases;
}

export function parseLogLines(text: string): LogRecord[] {
  const out: LogRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      out.push({ unparsed: line });
      continue;
    }
    out.push(typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as LogRecord) : { unparsed: line });
  }
  return out;
}

export function transitions(records: readonly LogRecord[], group: string): Transition[] {
  const out: Transition[] = [];
  records.forEach((r, index) => {
    if (r.event !== 'transition' || r.group !== group) return;
    if (typeof r.from !== 'string' || typeof r.to !== 'string' || typeof r.reason !== 'string') return;
    out.push({ index, group, from: r.from, to: r.to, reason: r.reason, peer: typeof r.peer === 'string' ? r.peer : null });
  });
  return out;
}

/** The role after the last logged transition, null before the first. */
export function currentRole(records: readonly LogRecord[], group: string): string | null {
  const t = transitions(records, group);
  return t[t.length - 1]?.to ?? null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function vipsReadyLines(records: readonly LogRecord[], group: string): VipsReady[] {
  const out: VipsReady[] = [];
  records.forEach((r, index) => {
    if (r.event !== 'vips-ready' || r.group !== group) return;
    const p = r.phases as Record<string, unknown> | undefined;
    if (typeof p !== 'object' || p === null) return;
    const cloudMs = num(p.cloudMs);
    const osMs = num(p.osMs);
    if (cloudMs === null || osMs === null) return;
    out.push({ index, group, phases: { detectionMs: num(p.detectionMs), cloudMs, osMs, totalMs: num(p.totalMs) } });
  });
  return out;
}

/** The log line index of the first record matching msg, or null. */
export function indexOfMessage(records: readonly LogRecord[], msg: string | RegExp): number | null {
  const i = records.findIndex((r) => typeof r.msg === 'string' && (typeof msg === 'string' ? r.msg === msg : msg.test(r.msg)));
  return i < 0 ? null : i;
}
