import type { NotifyConfig } from '../config/types';
import type { Role } from '../election/types';

export type HookEvent = 'master' | 'backup' | 'fault' | 'stop';

/** The hook event a transition into `role` fires; INIT fires none. */
export function hookEventFor(role: Role): HookEvent | null {
  switch (role) {
    case 'MASTER':
      return 'master';
    case 'BACKUP':
      return 'backup';
    case 'FAULT':
      return 'fault';
    case 'STOP':
      return 'stop';
    case 'INIT':
      return null;
  }
}

/** The configured command for an event; null = no hook for it. */
export function hookArgvFor(notify: NotifyConfig, event: HookEvent): readonly string[] | null {
  return notify[event];
}

/**
 * The environment a hook receives besides VIPD_GROUP and VIPD_EVENT (which
 * the runner sets from the job itself). Hooks read context from the
 * environment, not from arguments, so a hook's argv stays exactly as configured.
 */
export function hookContext(input: {
  readonly from: Role;
  readonly to: Role;
  readonly reason: string;
  readonly vips: readonly string[];
  readonly nodeId: string;
}): Record<string, string> {
  return {
    VIPD_FROM: input.from,
    VIPD_TO: input.to,
    VIPD_REASON: input.reason,
    VIPD_VIPS: input.vips.join(','),
    VIPD_NODE_ID: input.nodeId,
  };
}
