import type { Role, TransitionReason } from '../election/types';
import type { HookEvent, HookQueue } from './ports';

/** One run of a notify hook: argv, timeout and the environment that tells the script what happened. */
export type HookJob = Parameters<HookQueue['enqueue']>[0];

const HOOK_EVENT: Partial<Record<Role, HookEvent>> = { MASTER: 'master', BACKUP: 'backup', FAULT: 'fault', STOP: 'stop' };

/**
 * The notify hook of a transition with its environment (VIPD_GROUP, _EVENT,
 * _FROM, _TO, _REASON, _VIPS, _NODE_ID: docs/trackers.md), or null for a
 * role without one (INIT).
 */
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
    context: {
      VIPD_GROUP: group.name,
      VIPD_EVENT: event,
      VIPD_FROM: t.from,
      VIPD_TO: t.to,
      VIPD_REASON: t.reason,
      VIPD_VIPS: vips.join(','),
      VIPD_NODE_ID: nodeId,
    },
  };
}
