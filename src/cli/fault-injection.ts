import { VipdError } from '../errors';
import type { VipOwner } from '../owner/types';

/**
 * FOR TESTS ONLY (docs/operations.md, "Crash behaviour"): the crash path can
 * only be proven on a real daemon that really crashes, and vipd has no bug
 * kept around for that. `VIPD_TEST_FAULT`, read once at start from the
 * environment of `vipd run` (so only whoever starts the daemon can set it,
 * never a client of the control socket or the network), makes the daemon
 * fail fatally once its VIPs are ready for the first time:
 *
 * - `uncaught-exception`: a throw from a timer callback;
 * - `unhandled-rejection`: a promise rejected with nobody listening.
 */
export type InjectedFault = 'uncaught-exception' | 'unhandled-rejection';

export const TEST_FAULT_ENV = 'VIPD_TEST_FAULT';

/** null when unset; throws VIPD_E_CONFIG (exit 78) on an unknown value rather than run without the fault a test asked for. */
export function injectedFault(env: Readonly<Record<string, string | undefined>>): InjectedFault | null {
  const value = env[TEST_FAULT_ENV];
  if (value === undefined || value === '') return null;
  if (value === 'uncaught-exception' || value === 'unhandled-rejection') return value;
  throw new VipdError(
    'VIPD_E_CONFIG',
    `${TEST_FAULT_ENV}=${JSON.stringify(value)}: expected uncaught-exception or unhandled-rejection (a fault injection for tests only; unset it)`,
  );
}

/** The owner, unchanged except that its first successful acquire is followed by the fault, outside any caller's promise chain. */
export function withInjectedFault(owner: VipOwner, fault: InjectedFault, schedule: (fn: () => void) => void): VipOwner {
  let fired = false;
  const acquire: VipOwner['acquire'] = async (group, deadlineMs, control) => {
    const report = await owner.acquire(group, deadlineMs, control);
    if (!fired) {
      fired = true;
      schedule(() => {
        const error = new VipdError('VIPD_E_INTERNAL', `injected fault (${TEST_FAULT_ENV}=${fault}) after ${group.name} became ready`);
        if (fault === 'uncaught-exception') throw error;
        void Promise.reject(error);
      });
    }
    return report;
  };
  return {
    cleanup: (groups) => owner.cleanup(groups),
    acquire,
    release: (group) => owner.release(group),
    verify: (group) => owner.verify(group),
    repair: (group) => owner.repair(group),
    ...(owner.standby ? { standby: (group) => owner.standby?.(group) ?? Promise.resolve() } : {}),
    ...(owner.close ? { close: () => owner.close?.() } : {}),
  };
}
