import type { GroupConfig, VipConfig, VipdConfig } from './types';
import { formatIp, requireIp } from '../util/ip';

/**
 * The last step of loading: every VIP address in its canonical text with
 * its family, so the layers below (util/vip-group.ts) take addresses as
 * values and never parse them again. Runs on a configuration that passed
 * every check, so an address that does not parse is a bug (requireIp throws).
 */
export function withVipValues(config: VipdConfig): VipdConfig {
  return { ...config, groups: config.groups.map(groupWithVipValues) };
}

function groupWithVipValues(group: GroupConfig): GroupConfig {
  return { ...group, vips: group.vips.map((vip, index) => vipValue(vip, `groups.${group.name}.vips[${index}].address`)) };
}

/** One VIP as written (address and settings) to its value; `key` names it in the error of a bad address. */
export function vipValue(vip: Omit<VipConfig, 'family'>, key: string): VipConfig {
  const ip = requireIp(vip.address, key);
  return { ...vip, address: formatIp(ip), family: ip.family };
}
