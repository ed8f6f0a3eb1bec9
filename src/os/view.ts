import type { FamilyState, HostSnapshot } from './host-state';
import { addressOk, ruleOk, tableOk } from './changes';
import type { VipPlan } from './vip-plan';

/** What the OS shows for one VIP (observe(), for reconcile and `vipd status`). */
export interface OsVipView {
  readonly address: string;
  /** The address is on the interface (with any prefix). */
  readonly onInterface: boolean;
  /** The prefix it is on the interface with; null when absent. */
  readonly prefix: number | null;
  /** The prefix vipd adds it with; null when it cannot be derived (no primary address). */
  readonly expectedPrefix: number | null;
  /** The address is there with the expected prefix. */
  readonly addressOk: boolean;
  /** Our `from VIP lookup T` rule is in place; null when policy routing is off. */
  readonly ruleOk: boolean | null;
  /** Table T holds exactly our routes; null when policy routing is off. */
  readonly tableOk: boolean | null;
}

export interface OsGroupView {
  readonly group: string;
  readonly interface: string;
  readonly vips: readonly OsVipView[];
}

/** A VIP whose plan could not be made (e.g. no primary address) is reported, not thrown. */
export function vipView(args: { address: string; snapshot: HostSnapshot; plan: VipPlan | null; policyRouting: boolean }): OsVipView {
  const { address, snapshot, plan, policyRouting } = args;
  const present = snapshot.link.addresses.find((a) => a.address === address) ?? null;
  const state: FamilyState | null = plan === null ? null : plan.family === 4 ? snapshot.v4 : snapshot.v6;
  return {
    address,
    onInterface: present !== null,
    prefix: present?.prefix ?? null,
    expectedPrefix: plan?.prefix ?? null,
    addressOk: plan !== null && addressOk(snapshot.link, plan),
    ruleOk: policyRouting ? plan !== null && state !== null && ruleOk(state, plan) : null,
    tableOk: policyRouting ? plan !== null && state !== null && tableOk(state, plan) : null,
  };
}
