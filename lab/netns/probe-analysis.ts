/**
 * The probe's records and what a failover test reads from them. Times are
 * monotonic milliseconds (CLOCK_MONOTONIC, the same origin in every process
 * on the machine), so a fault time taken in the test compares directly.
 */
export interface ProbeRecord {
  /** When the connection attempt started. */
  readonly t0: number;
  /** When it succeeded or failed. */
  readonly t1: number;
  readonly ok: boolean;
  /** The node that answered (HTTP 200 body), null on failure. */
  readonly node: string | null;
  readonly error: string | null;
}

export function parseProbeRecords(text: string): ProbeRecord[] {
  const out: ProbeRecord[] = [];
  const lines = text.split('\n');
  lines.forEach((line, n) => {
    if (line.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      // The probe may be killed mid-line: only the last line may be partial.
      if (n === lines.length - 1) return;
      throw new Error(`probe output line ${n + 1} is not JSON: ${line.slice(0, 200)}`);
    }
    const r = v as Record<string, unknown>;
    if (typeof r.t0 !== 'number' || typeof r.t1 !== 'number' || typeof r.ok !== 'boolean') {
      throw new Error(`probe output line ${n + 1} lacks t0/t1/ok: ${line.slice(0, 200)}`);
    }
    out.push({
      t0: r.t0,
      t1: r.t1,
      ok: r.ok,
      node: typeof r.node === 'string' ? r.node : null,
      error: typeof r.error === 'string' ? r.error : null,
    });
  });
  return out;
}

export interface OutageAnalysis {
  /** Who answered last before the fault. */
  readonly nodeBefore: string | null;
  /** First answer after the fault from a node other than nodeBefore. */
  readonly recoveredBy: string | null;
  readonly recoveredAtMs: number | null;
  /** recoveredAtMs - faultAtMs (the keepalived baseline's measure), null if never recovered. */
  readonly outageMs: number | null;
  /** Attempts started after the fault (and before recovery) that failed. */
  readonly errorsAfterFault: number;
  /** Attempts started after the fault and completed by recovery. */
  readonly attemptsAfterFault: number;
  /** The old node still answering attempts started after the fault (e.g. a graceful handover in progress). */
  readonly oldNodeAnswersAfterFault: number;
}

export function analyzeOutage(records: readonly ProbeRecord[], faultAtMs: number): OutageAnalysis {
  const byEnd = [...records].sort((a, b) => a.t1 - b.t1);
  let nodeBefore: string | null = null;
  for (const r of byEnd) if (r.t1 <= faultAtMs && r.ok) nodeBefore = r.node;
  const recovery = byEnd.find((r) => r.ok && r.t1 > faultAtMs && r.node !== nodeBefore) ?? null;
  const horizon = recovery?.t1 ?? Infinity;
  const after = byEnd.filter((r) => r.t0 >= faultAtMs && r.t1 <= horizon);
  return {
    nodeBefore,
    recoveredBy: recovery?.node ?? null,
    recoveredAtMs: recovery?.t1 ?? null,
    outageMs: recovery === null ? null : recovery.t1 - faultAtMs,
    errorsAfterFault: after.filter((r) => !r.ok).length,
    attemptsAfterFault: after.length,
    oldNodeAnswersAfterFault: after.filter((r) => r.ok && r.node === nodeBefore && nodeBefore !== null).length,
  };
}

export interface HandBackAnalysis {
  /** First answer from `owner` to an attempt started at or after `fromMs`, null if none. */
  readonly answeredAtMs: number | null;
  /** answeredAtMs - fromMs. */
  readonly afterMs: number | null;
  /** Attempts started at or after fromMs that failed before that answer. */
  readonly failedBefore: number;
}

/**
 * After two nodes both held the VIP and one let go (the hand-back at
 * `fromMs`): how long until the client was answered by the node that kept
 * it. Attempts started before fromMs do not count either way.
 */
export function analyzeHandBack(records: readonly ProbeRecord[], fromMs: number, owner: string): HandBackAnalysis {
  const started = [...records].filter((r) => r.t0 >= fromMs).sort((a, b) => a.t1 - b.t1);
  const first = started.find((r) => r.ok && r.node === owner) ?? null;
  const horizon = first?.t1 ?? Infinity;
  return {
    answeredAtMs: first?.t1 ?? null,
    afterMs: first === null ? null : first.t1 - fromMs,
    failedBefore: started.filter((r) => !r.ok && r.t1 <= horizon).length,
  };
}

export interface FailureShare {
  readonly attempts: number;
  readonly failed: number;
  /** failed / attempts, 0 when there were none. */
  readonly share: number;
}

/** Share of the attempts started in [fromMs, toMs) that got no answer. */
export function failureShare(records: readonly ProbeRecord[], fromMs: number, toMs: number): FailureShare {
  const inWindow = records.filter((r) => r.t0 >= fromMs && r.t0 < toMs);
  const failed = inWindow.filter((r) => !r.ok).length;
  return { attempts: inWindow.length, failed, share: inWindow.length === 0 ? 0 : failed / inWindow.length };
}
