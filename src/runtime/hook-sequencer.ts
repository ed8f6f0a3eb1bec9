import type { Role, TransitionReason } from '../election/types';
import type { Applied } from './ownership';
import type { HookEvent, HookQueue } from './ports';

export type HookJob = Parameters<HookQueue['enqueue']>[0];

const HOOK_EVENT: Partial<Record<Role, HookEvent>> = { MASTER: 'master', BACKUP: 'backup', FAULT: 'fault', STOP: 'stop' };

/** The notify hook of a transition with its environment, or null for a role without one (INIT). */
export function hookForTransition(
  group: { readonly name: string; readonly notify: Readonly<Record<HookEvent, readonly string[] | null>> & { readonly timeoutMs: number } },
  t: { readonly from: Role; readonly to: Role; readonly reason: TransitionReason },
  vips: readonly string[],
  nodeId: string,
): HookJob | null {
  const event = HOOK_EVENT[t.to];
  if (event === undefined) return null;
  return {
    group: group.name,
    event,
    argv: group.notify[event],
    timeoutMs: group.notify.timeoutMs,
    context: { VIPD_GROUP: group.name, VIPD_EVENT: event, VIPD_FROM: t.from, VIPD_TO: t.to, VIPD_REASON: t.reason, VIPD_VIPS: vips.join(','), VIPD_NODE_ID: nodeId },
  };
}

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
