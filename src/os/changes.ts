import type { FamilyState, LinkState, RouteEntry, RuleEntry } from './host-state';
import { type Family, fullPrefix } from '../util/ip';
import { VIPD_PROTOCOL } from './numbering';
import type { VipPlan } from './vip-plan';

/**
 * One line for `ip -batch`, with the human-readable text the caller logs
 * and returns as a repair. Lines are built from canonical addresses and
 * validated interface names only, so batch syntax cannot be injected.
 */
export interface Change {
  readonly family: Family;
  readonly command: string;
  readonly description: string;
}

const defaultDst = (family: Family): string => (family === 4 ? '0.0.0.0/0' : '::/0');
/** The metric the kernel gives a route added without one (IPv6: IP6_RT_PRIO_USER). */
const kernelMetric = (family: Family): number => (family === 4 ? 0 : 1024);

function ruleMatchesPlan(r: RuleEntry, plan: VipPlan): boolean {
  const routing = plan.routing;
  return (
    routing !== null &&
    r.protocol === VIPD_PROTOCOL &&
    r.src === plan.address &&
    r.srcLen === fullPrefix(plan.family) &&
    r.priority === routing.priority &&
    r.table === routing.table &&
    !r.extraSelectors
  );
}

export function ourRulesFor(state: FamilyState, address: string): RuleEntry[] {
  return state.rules.filter((r) => r.protocol === VIPD_PROTOCOL && r.src === address);
}

export function addressOk(link: LinkState, plan: VipPlan): boolean {
  return link.addresses.some((a) => a.address === plan.address && a.prefix === plan.prefix);
}

export function ruleOk(state: FamilyState, plan: VipPlan): boolean {
  return state.rules.some((r) => ruleMatchesPlan(r, plan));
}

interface WantedRoute {
  readonly dst: string;
  readonly gateway: string | null;
  readonly prefsrc: string | null;
  readonly onlink: boolean;
}

function wantedRoutes(plan: VipPlan): WantedRoute[] {
  const routing = plan.routing;
  if (!routing) return [];
  const out: WantedRoute[] = [{ dst: defaultDst(plan.family), gateway: routing.gateway, prefsrc: null, onlink: routing.onlink }];
  if (routing.subnet !== null) out.push({ dst: routing.subnet, gateway: null, prefsrc: plan.address, onlink: false });
  return out;
}

function routeIs(r: RouteEntry, w: WantedRoute, plan: VipPlan): boolean {
  return (
    r.type === 'unicast' &&
    r.dst === w.dst &&
    r.gateway === w.gateway &&
    r.dev === plan.iface &&
    r.prefsrc === w.prefsrc &&
    r.metric === kernelMetric(plan.family) &&
    r.onlink === w.onlink
  );
}

export function tableOk(state: FamilyState, plan: VipPlan): boolean {
  const routing = plan.routing;
  if (!routing) return false;
  const inTable = state.ourRoutes.filter((r) => r.table === routing.table);
  const wanted = wantedRoutes(plan);
  return wanted.every((w) => inTable.some((r) => routeIs(r, w, plan))) && inTable.every((r) => wanted.some((w) => routeIs(r, w, plan)));
}

// ---- command text -------------------------------------------------------

function addrCmd(verb: 'replace' | 'del', plan: { address: string; prefix: number; family: Family; iface: string }): string {
  // nodad: the VIP is moving here from a peer that may still answer for a
  // moment; DAD would mark it "dadfailed" (unusable) or hold it tentative.
  const nodad = verb === 'replace' && plan.family === 6 ? ' nodad' : '';
  return `address ${verb} ${plan.address}/${plan.prefix} dev ${plan.iface}${nodad}`;
}

function ruleCmd(verb: 'add' | 'del', r: { src: string; srcLen: number; table: number | null; priority: number; protocol: number }): string {
  const lookup = r.table === null ? '' : ` lookup ${r.table}`;
  return `rule ${verb} from ${r.src}/${r.srcLen}${lookup} priority ${r.priority} protocol ${r.protocol}`;
}

function routeReplaceCmd(w: WantedRoute, plan: VipPlan, table: number): string {
  const via = w.gateway === null ? '' : ` via ${w.gateway}`;
  const src = w.prefsrc === null ? '' : ` src ${w.prefsrc}`;
  const onlink = w.onlink ? ' onlink' : '';
  return `route replace ${w.dst}${via} dev ${plan.iface}${src} table ${table} proto ${VIPD_PROTOCOL}${onlink}`;
}

export function routeDelCmd(r: RouteEntry): string {
  const type = r.type === 'unicast' ? '' : `${r.type} `;
  const via = r.gateway === null ? '' : ` via ${r.gateway}`;
  const dev = r.dev === null ? '' : ` dev ${r.dev}`;
  const metric = r.metric === 0 ? '' : ` metric ${r.metric}`;
  return `route del ${type}${r.dst}${via}${dev} table ${r.table}${metric} proto ${VIPD_PROTOCOL}`;
}

function describeRoute(w: WantedRoute, table: number): string {
  if (w.prefsrc === null)
    return `route ${w.dst === '0.0.0.0/0' || w.dst === '::/0' ? 'default' : w.dst}${w.gateway === null ? '' : ` via ${w.gateway}`} in table ${table}`;
  return `route ${w.dst} src ${w.prefsrc} in table ${table}`;
}

// ---- plans ---------------------------------------------------------------

/**
 * What must change so the host matches the plans: stale rules and routes of
 * ours go first, then the address (routes with `src VIP` need it), then
 * missing rules and routes. Empty when everything is in place.
 */
export function convergeChanges(plans: readonly VipPlan[], link: LinkState, states: { v4: FamilyState | null; v6: FamilyState | null }): Change[] {
  const removals: Change[] = [];
  const additions: Change[] = [];
  for (const plan of plans) {
    const family = plan.family;
    if (!addressOk(link, plan)) {
      additions.push({ family, command: addrCmd('replace', plan), description: `address ${plan.address}/${plan.prefix} on ${plan.iface}` });
    }
    const state = family === 4 ? states.v4 : states.v6;
    const routing = plan.routing;
    if (!routing || !state) continue;
    for (const r of ourRulesFor(state, plan.address)) {
      if (!ruleMatchesPlan(r, plan) && r.src !== null) {
        removals.push({
          family,
          command: ruleCmd('del', { ...r, src: r.src }),
          description: `stale rule from ${r.src} lookup ${r.table ?? '-'} priority ${r.priority}`,
        });
      }
    }
    if (!ruleOk(state, plan)) {
      additions.push({
        family,
        command: ruleCmd('add', { src: plan.address, srcLen: fullPrefix(family), table: routing.table, priority: routing.priority, protocol: VIPD_PROTOCOL }),
        description: `rule from ${plan.address} lookup ${routing.table} priority ${routing.priority}`,
      });
    }
    const wanted = wantedRoutes(plan);
    const inTable = state.ourRoutes.filter((r) => r.table === routing.table);
    for (const r of inTable) {
      // A route `replace` will overwrite (same destination) needs no delete.
      const replacedByWanted = wanted.some((w) => w.dst === r.dst && r.type === 'unicast' && r.metric === kernelMetric(family));
      if (!wanted.some((w) => routeIs(r, w, plan)) && !replacedByWanted) {
        removals.push({ family, command: routeDelCmd(r), description: `stale route ${r.dst} in table ${r.table}` });
      }
    }
    for (const w of wanted) {
      if (!inTable.some((r) => routeIs(r, w, plan))) {
        additions.push({ family, command: routeReplaceCmd(w, plan, routing.table), description: describeRoute(w, routing.table) });
      }
    }
  }
  return [...removals, ...additions];
}

/** A VIP to take away: the address is removed only with the prefix we add it with. */
export interface ReleaseTarget {
  readonly address: string;
  readonly family: Family;
  readonly iface: string;
  /** null: the expected prefix is unknown, so the address is left alone. */
  readonly prefix: number | null;
  /** Tables whose routes of ours belong to this VIP. */
  readonly tables: readonly number[];
}

/**
 * Removes exactly what acquire adds: our rules from the VIP, our routes in
 * its tables, then the address with our prefix. An address someone else
 * configured with another prefix is not ours and stays.
 */
export function releaseChanges(
  targets: readonly ReleaseTarget[],
  link: LinkState,
  states: { v4: FamilyState | null; v6: FamilyState | null },
  extra: { rulesInTables?: readonly number[] } = {},
): Change[] {
  const rules = new Map<string, Change>();
  const routes = new Map<string, Change>();
  const addrs: Change[] = [];
  const extraTables = new Set(extra.rulesInTables ?? []);
  for (const t of targets) {
    const state = t.family === 4 ? states.v4 : states.v6;
    if (state) {
      for (const r of state.rules) {
        const ours = r.protocol === VIPD_PROTOCOL && (r.src === t.address || (r.table !== null && extraTables.has(r.table)));
        if (ours && r.src !== null) {
          const command = ruleCmd('del', { ...r, src: r.src });
          rules.set(command, { family: t.family, command, description: `rule from ${r.src} lookup ${r.table ?? '-'} priority ${r.priority}` });
        }
      }
      const tables = new Set([...t.tables, ...extraTables]);
      for (const r of state.ourRoutes) {
        if (!tables.has(r.table)) continue;
        const command = routeDelCmd(r);
        routes.set(command, { family: t.family, command, description: `route ${r.dst} in table ${r.table}` });
      }
    }
    if (t.prefix !== null && link.addresses.some((a) => a.address === t.address && a.prefix === t.prefix)) {
      addrs.push({
        family: t.family,
        command: addrCmd('del', { address: t.address, prefix: t.prefix, family: t.family, iface: t.iface }),
        description: `address ${t.address}/${t.prefix} on ${t.iface}`,
      });
    }
  }
  // Rules first (traffic stops using the tables), then routes, then the address:
  // deleting the address first would take the `src VIP` routes with it and
  // make their explicit delete fail.
  return [...rules.values(), ...routes.values(), ...addrs];
}
