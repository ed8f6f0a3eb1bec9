import type { InvariantBudgets, Sample, Timeline, Waiver } from './timeline';

/**
 * The invariants of a failover pair, judged over a sampled timeline (pure:
 * the monitor samples, this decides). A condition "lasts" from the first
 * sample that shows it to the first that does not (or the last sample), so
 * a breach is measured with the sampling period's resolution.
 */

export type ViolationRule = 'dual-holder' | 'cloud-mismatch' | 'no-owner' | 'ping-pong';

export interface Violation {
  readonly rule: ViolationRule;
  readonly vip: string;
  readonly from: number;
  readonly to: number;
  readonly detail: string;
}

export interface Verdict {
  readonly ok: boolean;
  readonly violations: readonly Violation[];
  /** Per VIP: the owners in order (consecutive duplicates and gaps removed). */
  readonly owners: Readonly<Record<string, readonly string[]>>;
  /** Per VIP: the longest span without an owner while a node was up, ms. */
  readonly longestNoOwnerMs: Readonly<Record<string, number>>;
}

function upHolders(s: Sample, vip: string): string[] {
  return (s.os[vip] ?? []).filter((n) => s.nodes[n] === 'up');
}

/**
 * The owner of a VIP in one sample: the single up node carrying it, and
 * (with a cloud) the node the cloud routes it to. Null when nobody, or
 * more than one, serves it.
 */
export function ownerAt(s: Sample, vip: string): string | null {
  const holders = upHolders(s, vip);
  if (holders.length !== 1) return null;
  const holder = holders[0]!;
  if (s.cloud !== undefined && s.cloud[vip] !== holder) return null;
  return holder;
}

/** Maximal runs of samples where `bad` holds, as [first sample time, end time]. */
function spans(samples: readonly Sample[], bad: (s: Sample) => string | null): Array<{ from: number; to: number; detail: string }> {
  const out: Array<{ from: number; to: number; detail: string }> = [];
  let open: { from: number; detail: string } | null = null;
  for (const s of samples) {
    const d = bad(s);
    if (d !== null && open === null) open = { from: s.t, detail: d };
    if (d === null && open !== null) {
      out.push({ from: open.from, to: s.t, detail: open.detail });
      open = null;
    }
  }
  const last = samples[samples.length - 1];
  if (open !== null && last !== undefined) out.push({ from: open.from, to: last.t, detail: open.detail });
  return out;
}

/** A span's duration minus the time the scenario waived that rule. */
function counted(span: { from: number; to: number }, rule: Waiver['rule'], waivers: readonly Waiver[]): number {
  let waived = 0;
  for (const w of waivers) if (w.rule === rule) waived += Math.max(0, Math.min(span.to, w.to) - Math.max(span.from, w.from));
  return span.to - span.from - waived;
}

export function judgeTimeline(timeline: Timeline, budgets: InvariantBudgets): Verdict {
  const violations: Violation[] = [];
  const owners: Record<string, string[]> = {};
  const longestNoOwnerMs: Record<string, number> = {};
  const samples = timeline.samples;
  const waivers = timeline.waivers ?? [];
  for (const vip of timeline.vips) {
    for (const sp of spans(samples, (s) => {
      const h = upHolders(s, vip);
      return h.length > 1 ? `held by ${h.join(' and ')}` : null;
    })) {
      const ms = counted(sp, 'dual-holder', waivers);
      if (ms > budgets.dualHoldMs)
        violations.push({ rule: 'dual-holder', vip, ...sp, detail: `${sp.detail} for ${ms} ms outside waivers (budget ${budgets.dualHoldMs} ms)` });
    }

    for (const sp of spans(samples, (s) => {
      const named = s.cloud?.[vip];
      if (named === undefined || named === null) return null;
      // A node the scenario took down is no mismatch but a failover under way: the cloud names it
      // until the successor's move, and the no-owner rule times that.
      if (s.nodes[named] !== 'up') return null;
      return (s.os[vip] ?? []).includes(named) ? null : `the cloud names ${named}, which does not carry it`;
    })) {
      const ms = counted(sp, 'cloud-mismatch', waivers);
      if (ms > budgets.cloudMismatchMs)
        violations.push({ rule: 'cloud-mismatch', vip, ...sp, detail: `${sp.detail} for ${ms} ms outside waivers (budget ${budgets.cloudMismatchMs} ms)` });
    }

    let longest = 0;
    for (const sp of spans(samples, (s) => (ownerAt(s, vip) === null && Object.values(s.nodes).includes('up') ? 'no owner while a node is up' : null))) {
      const ms = counted(sp, 'no-owner', waivers);
      longest = Math.max(longest, ms);
      if (ms > budgets.noOwnerMs)
        violations.push({ rule: 'no-owner', vip, ...sp, detail: `${sp.detail} for ${ms} ms outside waivers (budget ${budgets.noOwnerMs} ms)` });
    }
    longestNoOwnerMs[vip] = longest;

    const seq: string[] = [];
    let changedAt: number[] = [];
    for (const s of samples) {
      const o = ownerAt(s, vip);
      if (o !== null && seq[seq.length - 1] !== o) {
        if (seq.length > 0) changedAt = [...changedAt, s.t];
        seq.push(o);
      }
    }
    owners[vip] = seq;
    const changes = seq.length - 1;
    if (changes > budgets.maxOwnerChanges) {
      violations.push({
        rule: 'ping-pong',
        vip,
        from: changedAt[0] ?? 0,
        to: changedAt[changedAt.length - 1] ?? 0,
        detail: `${changes} owner changes (${seq.join(' -> ')}), at most ${budgets.maxOwnerChanges} allowed`,
      });
    }
  }
  return { ok: violations.length === 0, violations, owners, longestNoOwnerMs };
}
