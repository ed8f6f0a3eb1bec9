import { VipdError } from '../../src/errors';

/**
 * Who holds the VIP after a failover, read from every node's interface.
 * A node whose link was cut and whose daemon was killed -9 still carries
 * the address (nobody was left to remove it): that is "stale on a dead
 * node", expected and harmless while its link is down, and distinct from
 * a second live holder, which would be a split brain.
 */
export interface VipHolders {
  /** Live nodes (link up) carrying the VIP: exactly one after a good failover. */
  readonly live: readonly string[];
  /** Dead nodes (link cut) still carrying it. */
  readonly staleOnDeadNodes: readonly string[];
}

/** Does `ip -json addr show dev IF` list the address? Malformed output is an error, never "no". */
export function interfaceHasAddress(ipJson: unknown, address: string): boolean {
  if (!Array.isArray(ipJson)) throw new VipdError('VIPD_E_OS_STATE', 'ip -json addr: expected a list of links');
  return ipJson.some((link: unknown) => {
    if (typeof link !== 'object' || link === null) throw new VipdError('VIPD_E_OS_STATE', 'ip -json addr: a link is not an object');
    const info = (link as { addr_info?: unknown }).addr_info;
    if (info === undefined) return false;
    if (!Array.isArray(info)) throw new VipdError('VIPD_E_OS_STATE', 'ip -json addr: addr_info is not a list');
    return info.some((a: unknown) => typeof a === 'object' && a !== null && (a as { local?: unknown }).local === address);
  });
}

export function classifyHolders(nodes: ReadonlyArray<{ readonly name: string; readonly holds: boolean; readonly dead: boolean }>): VipHolders {
  return {
    live: nodes.filter((n) => n.holds && !n.dead).map((n) => n.name),
    staleOnDeadNodes: nodes.filter((n) => n.holds && n.dead).map((n) => n.name),
  };
}
