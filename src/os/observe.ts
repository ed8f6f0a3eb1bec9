import type { FamilyState, HostSnapshot, IfAddress, LinkState } from './host-state';
import type { Family } from '../util/ip';
import { runIpBatch } from './ip-batch';
import { familyStateFrom, parseLinkAddresses, splitBatchJson } from './ip-json';
import { VIPD_PROTOCOL } from './numbering';
import type { CommandRunner } from './runner';

/**
 * Reads an interface's addresses and one family's rules and routes in a
 * single `ip -batch` spawn per family (one spawn for an IPv4-only group).
 */
export function observeLines(iface: string): string[] {
  return [`addr show dev ${iface}`, 'rule show', `route show table all proto ${VIPD_PROTOCOL}`, 'route show table main default'];
}

export async function observeHost(runner: CommandRunner, iface: string, families: readonly Family[], timeoutMs: number): Promise<HostSnapshot> {
  const results = await Promise.all(families.map((f) => observeFamily(runner, iface, f, timeoutMs)));
  const addresses: IfAddress[] = [];
  let mac: string | null = null;
  let v4: FamilyState | null = null;
  let v6: FamilyState | null = null;
  for (const r of results) {
    addresses.push(...r.link.addresses);
    mac = mac ?? r.link.mac;
    if (r.family === 4) v4 = r.state;
    else v6 = r.state;
  }
  const link: LinkState = { name: iface, mac, addresses };
  return { link, v4, v6 };
}

async function observeFamily(
  runner: CommandRunner,
  iface: string,
  family: Family,
  timeoutMs: number,
): Promise<{ family: Family; link: LinkState; state: FamilyState }> {
  const lines = observeLines(iface);
  const result = await runIpBatch(runner, lines, { family, force: false, json: true, timeoutMs });
  const [addrs = [], rules = [], ourRoutes = [], mainDefaults = []] = splitBatchJson(result.stdout, lines.length, `ip -${family} observation of ${iface}`);
  // `ip -4 addr show dev IF` prints [] for an existing link without IPv4
  // addresses (a missing link is an error, already thrown above).
  const link: LinkState = addrs.length === 0 ? { name: iface, mac: null, addresses: [] } : parseLinkAddresses(addrs, iface);
  return { family, link, state: familyStateFrom(family, rules, ourRoutes, mainDefaults) };
}
