import type { AcquisitionKind, MasterClaim } from '../election/acquisition';
import type { AcquireReport } from '../owner/types';

/**
 * One takeover of the group's VIPs by this node: what status shows as
 * lastFailover, the failover histograms observe (the phases) and the
 * vips-ready log carries. Times are milliseconds; `at` is monotonic.
 */
export interface FailoverRecord {
  /** When the VIPs were ready here. */
  readonly at: number;
  /** The transition reason that made this node MASTER. */
  readonly reason: string;
  readonly previousMaster: string | null;
  /** Last heartbeat from the old master -> decision here; null when none was heard. */
  readonly detectionMs: number | null;
  /** Cloud call -> cloud confirms the VIPs on our NIC (0 without a cloud). */
  readonly cloudMs: number;
  readonly osMs: number;
  /** Last heartbeat from the old master -> VIPs ready here; null like detectionMs. */
  readonly totalMs: number | null;
}

/** The per-phase latencies of a record (what the histograms and the vips-ready log take). */
export type FailoverPhases = Pick<FailoverRecord, 'detectionMs' | 'cloudMs' | 'osMs' | 'totalMs'>;

export interface Acquisition {
  readonly kind: AcquisitionKind;
  readonly phases: FailoverPhases;
  /** Set for a failover only (kind 'failover'). */
  readonly failover: FailoverRecord | null;
  readonly acquireMs: number;
}

/**
 * Pairs each completed acquire with the claim it serves (the core's
 * transition into MASTER) and keeps the last failover. An acquire with no
 * claim pending re-asserts a mastership already accounted for.
 */
export class FailoverAccounting {
  private pending: { readonly claim: MasterClaim; readonly decidedAt: number } | null = null;
  private lastRecord: FailoverRecord | null = null;

  get last(): FailoverRecord | null {
    return this.lastRecord;
  }

  claimed(claim: MasterClaim, decidedAt: number): void {
    this.pending = { claim, decidedAt };
  }

  /** The mastership ended before its VIPs were ready: nothing to account for. */
  abandoned(): void {
    this.pending = null;
  }

  acquired(report: AcquireReport, startedAt: number, doneAt: number): Acquisition {
    const pending = this.pending;
    this.pending = null;
    const lastHeard = pending?.claim.lastMasterAdvertAt ?? null;
    const phases: FailoverPhases = {
      detectionMs: pending && lastHeard !== null ? pending.decidedAt - lastHeard : null,
      cloudMs: report.timings.cloudMs,
      osMs: report.timings.osMs,
      totalMs: pending && lastHeard !== null ? doneAt - lastHeard : null,
    };
    const kind: AcquisitionKind = pending === null ? 'reassert' : pending.claim.kind;
    const failover =
      kind === 'failover'
        ? { ...phases, at: doneAt, reason: pending?.claim.reason ?? 'reassert', previousMaster: pending?.claim.previousMaster ?? null }
        : null;
    if (failover !== null) this.lastRecord = failover;
    return { kind, phases, failover, acquireMs: doneAt - startedAt };
  }
}
