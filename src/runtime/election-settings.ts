import type { GroupConfig } from '../config/types';
import type { ElectionOptions } from '../election/types';

/** The election settings of a group that a reload changes in place, keeping the role. */
export type ReloadableElectionSettings = Pick<ElectionOptions, 'priority' | 'preempt' | 'preemptDelayMs' | 'intervalMs' | 'deadAfter' | 'claimOnRefusal'>;

export function reloadableElectionSettings(group: GroupConfig): ReloadableElectionSettings {
  return {
    priority: group.priority,
    preempt: group.preempt,
    preemptDelayMs: group.preemptDelayMs,
    intervalMs: group.intervalMs,
    deadAfter: group.deadAfter,
    claimOnRefusal: group.claimOnRefusal,
  };
}

/** The options of one group's election core: the group's settings plus the daemon-wide ones. */
export function electionOptions(
  group: GroupConfig,
  daemon: { readonly nodeId: string; readonly ownerFaultHoldMs: number; readonly reannounceMinIntervalMs?: number },
): ElectionOptions {
  return {
    nodeId: daemon.nodeId,
    peers: group.peers.map((p) => p.id),
    ...reloadableElectionSettings(group),
    ownerFaultHoldMs: daemon.ownerFaultHoldMs,
    ...(daemon.reannounceMinIntervalMs === undefined ? {} : { reannounceMinIntervalMs: daemon.reannounceMinIntervalMs }),
  };
}
