import type { Applied } from './ownership';
import type { HookQueue } from './ports';
import type { HookJob } from './hook-job';

/**
 * Hooks wait for the VIPs (keepalived's order, docs/trackers.md): master
 * once they are ready here, backup/fault/stop once they are released.
 * They run in transition order; one whose state a later transition
 * abandoned (released before it was reached) runs then.
 */
export class HookSequencer {
  private readonly held: Array<{ readonly job: HookJob; readonly until: 'active' | 'inactive' }> = [];

  constructor(
    private readonly queue: HookQueue,
    private readonly ownership: () => { readonly applied: Applied; readonly acquireInFlight: boolean },
  ) {}

  hold(until: 'active' | 'inactive', job: HookJob): void {
    this.held.push({ job, until });
    this.release();
  }

  /** Enqueues, in order, every held hook whose VIP state is reached (or was abandoned by a later transition); `all` for a stop. */
  release(all = false): void {
    for (let first = this.held[0]; first !== undefined; first = this.held[0]) {
      const { applied, acquireInFlight } = this.ownership();
      const reached = applied === first.until && (first.until === 'active' || !acquireInFlight);
      const abandoned = this.held.some((h) => h.until !== first.until);
      if (!all && !reached && !abandoned) return;
      this.held.shift();
      this.queue.enqueue(first.job);
    }
  }
}
