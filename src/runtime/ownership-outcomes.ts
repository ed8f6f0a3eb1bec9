import type { MasterClaim } from '../election/acquisition';
import type { Role } from '../election/types';
import type { VipdError } from '../errors';
import type { AcquireReport, VerifyReport } from '../owner/types';
import type { Logger } from '../util/logger';
import { FailoverAccounting, type FailoverRecord } from './failover';
import type { RuntimeMetrics } from './ports';

/**
 * What the ownership reconciler's steps came to, for the operator: each
 * outcome logged and counted, and what status shows of them (the last
 * error, the last read of the host and cloud, the last failover). Reading
 * an outcome back into the election is the runner's job, not this one's.
 */
export class OwnershipOutcomes {
  private readonly failovers = new FailoverAccounting();
  private error: VipdError | null = null;
  private verify: { report: VerifyReport; at: number; role: Role } | null = null;

  constructor(private readonly deps: { readonly log: Logger; readonly metrics: RuntimeMetrics }) {}

  get lastError(): VipdError | null {
    return this.error;
  }

  get lastVerify(): { report: VerifyReport; at: number; role: Role } | null {
    return this.verify;
  }

  get lastFailover(): FailoverRecord | null {
    return this.failovers.last;
  }

  /** The core made this node MASTER: the next acquire serves this claim. */
  claimed(claim: MasterClaim, at: number): void {
    this.failovers.claimed(claim, at);
  }

  /** The mastership ended before its VIPs were ready. */
  abandoned(): void {
    this.failovers.abandoned();
  }

  acquired(group: string, vips: readonly string[], report: AcquireReport, startedAt: number, doneAt: number): void {
    const a = this.failovers.acquired(report, startedAt, doneAt);
    this.error = null;
    this.deps.metrics.acquired(group, a.kind, a.acquireMs);
    if (a.failover !== null) this.deps.metrics.failover(group, a.phases, a.failover.reason);
    this.deps.log.info(
      { event: 'vips-ready', kind: a.kind, vips, phases: a.phases, acquireMs: a.acquireMs, cloudCalls: report.cloudCalls },
      'VIPs ready on this node',
    );
  }

  released(vips: readonly string[]): void {
    this.deps.log.info({ vips }, 'VIPs released');
  }

  failed(err: VipdError, op: 'acquire' | 'release'): void {
    this.error = err;
    this.deps.log.error({ err, operation: op }, `cannot ${op} the VIPs: ${err.message}`);
  }

  verified(report: VerifyReport, at: number, role: Role): void {
    this.verify = { report, at, role };
    this.error = null;
  }

  verifyFailed(err: VipdError): void {
    this.error = err;
    this.deps.log.error({ err }, 'could not verify VIP ownership (not read as "nothing there")');
  }

  repaired(group: string, repairs: readonly string[]): void {
    this.deps.metrics.osRepairs(group, repairs.length);
    this.deps.log.warn({ repairs }, 'repaired VIP state that something else changed');
  }
}
