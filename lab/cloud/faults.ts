import { VipdError } from '../../src/errors';

/**
 * Fault injection for the emulated cloud's API (every flavour's), set
 * through the control endpoint: added latency, an error on some or all calls of an action,
 * for a number of calls or until cleared. Whole-service outages (refused
 * connections, resets, 5xx, hangs) are modes of the servers, not rules.
 */
export interface FaultRule {
  /** The API's operation name (EC2: the Action), or "*" for every operation. */
  readonly action: string;
  readonly latencyMs?: number;
  /** Delay added AFTER the call took effect, before the answer: a client that times out meanwhile retries a change already made. */
  readonly answerLatencyMs?: number;
  /** Probability in [0, 1] that a matching call fails with `error` (default 1). */
  readonly errorRate?: number;
  readonly error?: { readonly code: string; readonly status?: number; readonly message?: string };
  /** Matching calls this rule affects before it disappears (default: until cleared). */
  readonly times?: number;
}

export type ApiOutage = 'refuse' | 'reset' | 'http503' | 'hang';
/** http429: the metadata service throttling the caller (IMDS limits requests per instance). */
export type MetadataOutage = 'refuse' | 'reset' | 'http500' | 'http429' | 'hang';
export const API_OUTAGES: readonly ApiOutage[] = ['refuse', 'reset', 'http503', 'hang'];
export const METADATA_OUTAGES: readonly MetadataOutage[] = ['refuse', 'reset', 'http500', 'http429', 'hang'];

interface LiveRule {
  readonly rule: FaultRule;
  remaining: number | null;
}

/** An error to answer instead of running the call; the flavour renders it (and fills what the rule left out) in its API's vocabulary. */
export interface InjectedError {
  readonly code: string;
  readonly status: number | null;
  readonly message: string | null;
}

export interface FaultOutcome {
  readonly latencyMs: number;
  readonly answerLatencyMs: number;
  readonly error: InjectedError | null;
}

export class FaultInjector {
  private rules: LiveRule[] = [];

  constructor(private readonly random: () => number) {}

  add(input: unknown): FaultRule {
    const rule = parseFaultRule(input);
    this.rules.push({ rule, remaining: rule.times ?? null });
    return rule;
  }

  replace(inputs: unknown): void {
    if (!Array.isArray(inputs)) throw new VipdError('VIPD_E_CONFIG', 'faults must be an array of rules');
    const parsed = inputs.map(parseFaultRule);
    this.rules = parsed.map((rule) => ({ rule, remaining: rule.times ?? null }));
  }

  clear(): void {
    this.rules = [];
  }

  list(): { rule: FaultRule; remaining: number | null }[] {
    return this.rules.map((r) => ({ rule: r.rule, remaining: r.remaining }));
  }

  evaluate(action: string): FaultOutcome {
    let latencyMs = 0;
    let answerLatencyMs = 0;
    let error: InjectedError | null = null;
    for (const live of this.rules) {
      const { rule } = live;
      if (rule.action !== '*' && rule.action !== action) continue;
      latencyMs = Math.max(latencyMs, rule.latencyMs ?? 0);
      answerLatencyMs = Math.max(answerLatencyMs, rule.answerLatencyMs ?? 0);
      if (error === null && rule.error !== undefined && this.random() < (rule.errorRate ?? 1)) {
        error = { code: rule.error.code, status: rule.error.status ?? null, message: rule.error.message ?? null };
      }
      if (live.remaining !== null) live.remaining--;
    }
    this.rules = this.rules.filter((r) => r.remaining === null || r.remaining > 0);
    return { latencyMs, answerLatencyMs, error };
  }
}

export function parseFaultRule(input: unknown): FaultRule {
  const bad = (m: string): never => {
    throw new VipdError('VIPD_E_CONFIG', `fault rule: ${m}`);
  };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return bad('must be an object');
  const o = input as Record<string, unknown>;
  const allowed = new Set(['action', 'latencyMs', 'answerLatencyMs', 'errorRate', 'error', 'times']);
  for (const k of Object.keys(o)) if (!allowed.has(k)) bad(`unknown key ${k}`);
  if (typeof o.action !== 'string' || !/^(\*|[A-Z][A-Za-z]+|[a-z][A-Za-z]*(\.[a-z][A-Za-z]*)+)$/.test(o.action))
    bad('action must be an API operation name (EC2: the Action; GCP: the method, e.g. instances.get) or "*"');
  const num = (k: string, ok: (n: number) => boolean): number | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !ok(v)) bad(`${k} out of range`);
    return v as number;
  };
  const latencyMs = num('latencyMs', (n) => Number.isInteger(n) && n >= 0 && n <= 600_000);
  const answerLatencyMs = num('answerLatencyMs', (n) => Number.isInteger(n) && n >= 0 && n <= 600_000);
  const errorRate = num('errorRate', (n) => n >= 0 && n <= 1);
  const times = num('times', (n) => Number.isInteger(n) && n >= 1);
  let error: FaultRule['error'];
  if (o.error !== undefined) {
    const e = o.error as Record<string, unknown>;
    if (typeof e !== 'object' || e === null || typeof e.code !== 'string' || e.code === '') bad('error.code must be a non-empty string');
    if (e.status !== undefined && (typeof e.status !== 'number' || !Number.isInteger(e.status) || e.status < 400 || e.status > 599))
      bad('error.status must be 400-599');
    if (e.message !== undefined && typeof e.message !== 'string') bad('error.message must be a string');
    error = { code: e.code as string, status: e.status as number | undefined, message: e.message as string | undefined };
  }
  if (latencyMs === undefined && answerLatencyMs === undefined && error === undefined) bad('needs latencyMs, answerLatencyMs or error');
  return { action: o.action as string, latencyMs, ...(answerLatencyMs !== undefined ? { answerLatencyMs } : {}), errorRate, error, times };
}
