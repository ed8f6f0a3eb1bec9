import { VipdError } from '../errors';
import type { VipGroup } from '../util/vip-group';
import type { OsSettings } from './settings';
import type { FamilyState, IfAddress, LinkState, RouteEntry } from './host-state';
import { type Family, formatCidr, formatIp, fullPrefix, isValidPrefix, networkOf, parseIp, requireIp, sameNetwork } from '../util/ip';
import { tableFor } from './numbering';

/** What one VIP should look like on the host, derived from the group's value and what the kernel reports. */
export interface VipPlan {
  readonly address: string;
  readonly family: Family;
  readonly prefix: number;
  readonly iface: string;
  /** null when policy routing is off. */
  readonly routing: RoutingPlan | null;
}

export interface RoutingPlan {
  readonly table: number;
  readonly priority: number;
  /** null: the default route has no gateway ("default dev IF"), mirrored from the main table. */
  readonly gateway: string | null;
  readonly onlink: boolean;
  /** The on-link subnet routed from the VIP ("net/len"), or null for a /32 VIP outside every local subnet. */
  readonly subnet: string | null;
}

export type OsPlanConfig = Pick<OsSettings, 'policyRouting' | 'tableBase' | 'rulePriority' | 'gateway'>;

/** A VIP of the group by position (addresses are canonical values since the config was loaded). */
export function vipAddress(group: VipGroup, index: number): { address: string; family: Family } {
  const vip = group.vips[index];
  if (!vip) throw new VipdError('VIPD_E_INTERNAL', `group ${group.name} has no VIP #${index}`);
  return { address: vip.address, family: vip.family };
}

/**
 * The interface's own address of a family: the first global, usable one
 * that is not one of our VIPs (after a crash a VIP may still sit on the
 * link, and it must not be mistaken for the primary).
 */
export function primaryAddress(link: LinkState, family: Family, vips: ReadonlySet<string>): IfAddress | null {
  const usable = link.addresses.filter((a) => a.family === family && a.scope === 'global' && !a.tentative && !a.dadFailed && !vips.has(a.address));
  return usable.find((a) => !a.secondary) ?? usable[0] ?? null;
}

/**
 * The prefix the VIP is added with: the configured one, else the subnet's
 * (the primary address's). A bare address would become /32, which breaks
 * on-link reachability of the VIP's neighbours through it.
 */
export function expectedPrefix(group: VipGroup, index: number, link: LinkState, vips: ReadonlySet<string>): number {
  const { address, family } = vipAddress(group, index);
  const configured = group.vips[index]?.prefix ?? null;
  if (configured !== null) {
    if (!isValidPrefix(family, configured)) {
      throw new VipdError('VIPD_E_CONFIG', `group ${group.name} VIP ${address}: prefix ${configured} is not valid for IPv${family}`);
    }
    return configured;
  }
  const primary = primaryAddress(link, family, vips);
  if (!primary) {
    throw new VipdError(
      'VIPD_E_INTERFACE',
      `interface ${link.name} has no usable IPv${family} address to take VIP ${address}'s prefix from; configure the prefix explicitly`,
      { details: { interface: link.name, vip: address } },
    );
  }
  const vipIp = requireIp(address, 'VIP');
  if (!sameNetwork(vipIp, requireIp(primary.address, 'primary'), primary.prefix)) {
    throw new VipdError('VIPD_E_CONFIG', `VIP ${address} is outside ${link.name}'s subnet ${subnetText(primary)}: configure its prefix explicitly`, {
      details: { interface: link.name, vip: address },
    });
  }
  return primary.prefix;
}

function subnetText(a: IfAddress): string {
  return formatCidr(networkOf(requireIp(a.address, 'address'), a.prefix), a.prefix);
}

/** The main table's default route through the interface with the lowest metric. */
export function mainDefaultOn(state: FamilyState, iface: string): RouteEntry | null {
  const candidates = state.mainDefaults.filter((r) => r.dev === iface && r.type === 'unicast' && r.dst.endsWith('/0')).sort((a, b) => a.metric - b.metric);
  return candidates[0] ?? null;
}

export function planVip(args: {
  group: VipGroup;
  index: number;
  link: LinkState;
  state: FamilyState | null;
  vipsOnLink: ReadonlySet<string>;
  config: OsPlanConfig;
}): VipPlan {
  const { group, index, link, state, vipsOnLink, config } = args;
  const { address, family } = vipAddress(group, index);
  const prefix = expectedPrefix(group, index, link, vipsOnLink);
  if (!config.policyRouting) return { address, family, prefix, iface: group.interface, routing: null };
  if (!state) throw new VipdError('VIPD_E_INTERNAL', `IPv${family} state was not read for ${address}`);
  return { address, family, prefix, iface: group.interface, routing: planRouting(args, address, family, prefix) };
}

function planRouting(
  args: { group: VipGroup; index: number; link: LinkState; state: FamilyState | null; vipsOnLink: ReadonlySet<string>; config: OsPlanConfig },
  address: string,
  family: Family,
  prefix: number,
): RoutingPlan {
  const { group, index, link, vipsOnLink, config } = args;
  const state = args.state as FamilyState;
  let gateway: string | null;
  let onlink = false;
  const configuredGw = config.gateway === null ? null : parseIp(config.gateway);
  if (configuredGw && configuredGw.family === family) {
    gateway = formatIp(configuredGw);
  } else {
    const route = mainDefaultOn(state, group.interface);
    if (!route) {
      throw new VipdError(
        'VIPD_E_INTERFACE',
        `no IPv${family} default route through ${group.interface} in the main table to copy into VIP ${address}'s table; set os.gateway`,
        { details: { interface: group.interface, vip: address } },
      );
    }
    gateway = route.gateway;
    onlink = route.onlink;
  }
  const vipIp = requireIp(address, 'VIP');
  const primary = primaryAddress(link, family, vipsOnLink);
  let subnet: string | null = null;
  if (primary && sameNetwork(vipIp, requireIp(primary.address, 'primary'), primary.prefix)) subnet = subnetText(primary);
  else if (prefix < fullPrefix(family)) subnet = formatCidr(networkOf(vipIp, prefix), prefix);
  return {
    table: tableFor(config.tableBase, group.id, index),
    priority: config.rulePriority,
    gateway,
    onlink,
    subnet,
  };
}
