/**
 * Checks that span several keys (uniqueness, subnets, provider-specific
 * keys, reserved table ranges). They run on whatever passed the per-key
 * checks, so one run reports as much as possible; a check whose input key is
 * itself invalid is skipped (that key was reported already).
 */
import { groupTableRange, RESERVED_RULE_PRIORITIES, RESERVED_TABLES, type ReservedRange as Range } from '../os/routing-numbers';
import { InterfaceLookup } from './interfaces';
import { familyName, formatIp, fullPrefix, isIpv6LinkLocal, isUnspecified, parseIp, type ParsedIp, sameIp, sameNetwork } from '../util/ip';
import { ConfigProblem, invalidValue } from './problems';
import { subnetOf, unusableVipReason } from './vip-address-rules';
import type { GroupConfig, VipdConfig } from './types';

export interface IndexedGroup {
  /** Position in the file's `groups` list, for error paths. */
  readonly index: number;
  readonly group: GroupConfig;
}

export interface SemanticInput {
  /** Top-level values; a key listed in invalidKeys holds its default and must not be trusted. */
  readonly config: VipdConfig;
  readonly invalidKeys: ReadonlySet<string>;
  /** The groups that passed their own checks. */
  readonly groups: readonly IndexedGroup[];
  /** null: the host's interfaces are not checked (config checked for another machine). */
  readonly interfaces: InterfaceLookup | null;
}

export function checkSemantics(input: SemanticInput): ConfigProblem[] {
  return [
    ...checkGroupIdentity(input.groups),
    ...input.groups.flatMap((g) => checkPeers(g, input)),
    ...input.groups.flatMap((g) => checkVips(g, input)),
    ...checkVipsUnique(input.groups),
    ...input.groups.flatMap(checkTrackers),
    ...input.groups.flatMap((g) => checkInterface(g, input)),
    ...checkRanges(input),
    ...checkProvider(input),
  ];
}

/** Provider types in the schema whose adapter does not exist yet; `vipd run` could not start with them. */
function checkProvider(input: SemanticInput): ConfigProblem[] {
  if (!trusted(input, 'provider.type')) return [];
  const type = input.config.provider.type;
  if (type === 'none') return [];
  // One daemon has one cloud NIC (cloud/registry.ts createProvider): every group must sit on it.
  const first = input.groups[0];
  if (first === undefined) return [];
  return input.groups
    .filter(({ group }) => group.interface !== first.group.interface)
    .map(({ index, group }) =>
      invalidValue(
        `groups[${index}].interface`,
        group.interface,
        `${first.group.interface}, the interface of groups[${first.index}]: with provider ${type} every group uses one interface`,
      ),
    );
}

function trusted(input: SemanticInput, key: string): boolean {
  return !input.invalidKeys.has(key);
}

function checkGroupIdentity(groups: readonly IndexedGroup[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const byId = new Map<number, number>();
  const byName = new Map<string, number>();
  for (const { index, group } of groups) {
    const sameId = byId.get(group.id);
    if (sameId === undefined) byId.set(group.id, index);
    else problems.push(invalidValue(`groups[${index}].id`, group.id, `a group id not used by another group (groups[${sameId}] has id ${group.id})`));
    const sameName = byName.get(group.name);
    if (sameName === undefined) byName.set(group.name, index);
    else
      problems.push(
        invalidValue(
          `groups[${index}].name`,
          group.name,
          `a group name not used by another group (groups[${sameName}] is named ${JSON.stringify(group.name)})`,
        ),
      );
  }
  return problems;
}

function checkPeers({ index, group }: IndexedGroup, input: SemanticInput): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const nodeId = trusted(input, 'node.id') ? input.config.node.id : null;
  const bind = trusted(input, 'heartbeat.bind') ? parseIp(input.config.heartbeat.bind) : null;
  const seen = new Map<string, number>();
  group.peers.forEach((peer, p) => {
    const key = `groups[${index}].peers[${p}]`;
    const earlier = seen.get(peer.id);
    if (earlier !== undefined) problems.push(invalidValue(`${key}.id`, peer.id, `a peer id not used by another peer of this group (peers[${earlier}] has it)`));
    else seen.set(peer.id, p);
    if (peer.id === nodeId)
      problems.push(invalidValue(`${key}.id`, peer.id, `a peer id different from this node's node.id ${JSON.stringify(nodeId)} (two nodes with one id)`));
    const address = parseIp(peer.address);
    if (bind !== null && address !== null && !bindReaches(bind, address)) {
      problems.push(
        invalidValue(`${key}.address`, peer.address, `an ${familyName(bind.family)} address, since heartbeat.bind is ${input.config.heartbeat.bind}`),
      );
    }
    // A copy-paste of this node's own address: it would only hear itself (rejected as "self") and
    // the real peer (rejected as unknown), and both nodes would become MASTER.
    const port = trusted(input, 'heartbeat.port') ? input.config.heartbeat.port : null;
    if (bind !== null && address !== null && port !== null && peer.port === port && isOwnAddress(address, bind, group.interface, input.interfaces)) {
      problems.push(invalidValue(`${key}.address`, peer.address, `another node's address: ${peer.address} port ${port} is this node's own heartbeat socket`));
    }
  });
  return problems;
}

function isOwnAddress(address: ParsedIp, bind: ParsedIp, iface: string, interfaces: InterfaceLookup | null): boolean {
  if (!isUnspecified(bind)) return sameIp(bind, address);
  // Bound to every address: any address of the group's interface is ours (when the host is known).
  const own = interfaces?.(iface) ?? [];
  return own.some((a) => {
    const parsed = parseIp(a.address);
    return parsed !== null && sameIp(parsed, address);
  });
}

/** 0.0.0.0 or a v4 address receives IPv4 only; :: receives both; a v6 address IPv6 only. */
function bindReaches(bind: ParsedIp, peer: ParsedIp): boolean {
  if (bind.family === 6 && isUnspecified(bind)) return true;
  return bind.family === peer.family;
}

function checkVips({ index, group }: IndexedGroup, input: SemanticInput): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const provider = trusted(input, 'provider.type') ? input.config.provider.type : null;
  const peerAddresses = group.peers.map((peer) => parseIp(peer.address));
  group.vips.forEach((vip, v) => {
    const key = `groups[${index}].vips[${v}]`;
    const address = parseIp(vip.address);
    if (address === null) return;
    if (vip.prefix !== null && vip.prefix > fullPrefix(address.family))
      problems.push(
        invalidValue(`${key}.prefix`, vip.prefix, `a prefix length 1-${fullPrefix(address.family)} for an ${familyName(address.family)} address, or null`),
      );
    if (isUnspecified(address)) problems.push(invalidValue(`${key}.address`, vip.address, 'a unicast address, not the unspecified address'));
    if (peerAddresses.some((peer) => peer !== null && sameIp(peer, address)))
      problems.push(invalidValue(`${key}.address`, vip.address, "an address that is not a peer's own address"));
    if (vip.prefix !== null && vip.prefix <= fullPrefix(address.family)) {
      const unusable = unusableVipReason(address, subnetOf(address, vip.prefix), provider);
      if (unusable !== null) problems.push(invalidValue(`${key}.address`, vip.address, unusable));
    }
    if (vip.elasticIpAllocationId !== null && provider !== null && provider !== 'aws') {
      problems.push(
        invalidValue(
          `${key}.elasticIpAllocationId`,
          vip.elasticIpAllocationId,
          `null, since Elastic IPs exist only with provider.type aws (it is ${provider})`,
        ),
      );
    }
    if (vip.reservedPublicIpId !== null && provider !== null && provider !== 'oci') {
      problems.push(
        invalidValue(
          `${key}.reservedPublicIpId`,
          vip.reservedPublicIpId,
          `null, since reserved public IPs are set with provider.type oci only (it is ${provider})`,
        ),
      );
    }
  });
  return problems;
}

function checkVipsUnique(groups: readonly IndexedGroup[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, string>();
  for (const { index, group } of groups) {
    group.vips.forEach((vip, v) => {
      const address = parseIp(vip.address);
      if (address === null) return;
      const key = `groups[${index}].vips[${v}]`;
      const earlier = seen.get(formatIp(address));
      if (earlier === undefined) seen.set(formatIp(address), key);
      else problems.push(invalidValue(`${key}.address`, vip.address, `an address not used by another VIP (${earlier} has it)`));
    });
  }
  return problems;
}

function checkTrackers({ index, group }: IndexedGroup): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, number>();
  group.trackers.forEach((tracker, t) => {
    const key = `groups[${index}].trackers[${t}]`;
    const earlier = seen.get(tracker.name);
    if (earlier !== undefined)
      problems.push(invalidValue(`${key}.name`, tracker.name, `a tracker name not used by another tracker of this group (trackers[${earlier}] has it)`));
    else seen.set(tracker.name, t);
    if (tracker.timeoutMs >= tracker.intervalMs) {
      problems.push(invalidValue(`${key}.timeoutMs`, tracker.timeoutMs, `a timeout shorter than the tracker's intervalMs (${tracker.intervalMs} ms)`));
    }
  });
  return problems;
}

function checkInterface({ index, group }: IndexedGroup, input: SemanticInput): ConfigProblem[] {
  if (input.interfaces === null) return [];
  const key = `groups[${index}].interface`;
  const addresses = input.interfaces(group.interface);
  if (addresses === null) {
    const osEnabled = trusted(input, 'os.enabled') && input.config.os.enabled;
    return osEnabled ? [invalidValue(key, group.interface, 'an interface that exists on this host (os.enabled is true)')] : [];
  }
  const problems: ConfigProblem[] = [];
  const provider = trusted(input, 'provider.type') ? input.config.provider.type : null;
  group.vips.forEach((vip, v) => {
    const address = parseIp(vip.address);
    if (address === null) return;
    const vipKey = `groups[${index}].vips[${v}].address`;
    const primary = addresses
      .map((a) => ({ ...a, parsed: parseIp(a.address) }))
      .find((a) => a.parsed !== null && a.parsed.family === address.family && !isIpv6LinkLocal(a.parsed));
    if (primary === undefined || primary.parsed === null) {
      problems.push(invalidValue(vipKey, vip.address, `an address of a family ${group.interface} has (it has no ${familyName(address.family)} address)`));
    } else if (sameIp(primary.parsed, address)) {
      problems.push(invalidValue(vipKey, vip.address, `an address other than ${group.interface}'s primary address`));
    } else if (!sameNetwork(address, primary.parsed, primary.prefix)) {
      problems.push(invalidValue(vipKey, vip.address, `an address inside ${group.interface}'s subnet (primary address ${primary.address}/${primary.prefix})`));
    } else if (vip.prefix !== primary.prefix) {
      // With vips[].prefix equal to the subnet's, checkVips reported this already.
      const unusable = unusableVipReason(address, subnetOf(primary.parsed, primary.prefix), provider);
      if (unusable !== null) problems.push(invalidValue(vipKey, vip.address, unusable));
    }
  });
  return problems;
}

function checkRanges(input: SemanticInput): ConfigProblem[] {
  const os = input.config.os;
  const problems: ConfigProblem[] = [];
  const policyRouting = trusted(input, 'os.policyRouting') && os.policyRouting;
  if (policyRouting && trusted(input, 'os.tableBase')) {
    // Each group owns a block of tables (tableBase + id * 32 ...): check the blocks really used.
    for (const { group } of input.groups) {
      const { first, last } = groupTableRange(os.tableBase, group.id);
      const clash = overlap(first, last, RESERVED_TABLES);
      if (clash !== null) {
        problems.push(
          invalidValue(
            'os.tableBase',
            os.tableBase,
            `${rangeExpectation('tables', first, last - first + 1, clash, RESERVED_TABLES)} (group ${group.name}, id ${group.id}, uses tables ${first}-${last})`,
          ),
        );
        break;
      }
    }
  }
  if (policyRouting && trusted(input, 'os.rulePriority')) {
    const clash = overlap(os.rulePriority, os.rulePriority, RESERVED_RULE_PRIORITIES);
    if (clash !== null)
      problems.push(invalidValue('os.rulePriority', os.rulePriority, rangeExpectation('rule priorities', os.rulePriority, 1, clash, RESERVED_RULE_PRIORITIES)));
    else if (os.rulePriority > 32_765) problems.push(invalidValue('os.rulePriority', os.rulePriority, `a rule priority below the main table's rule at 32766`));
  }
  return problems;
}

function overlap(from: number, to: number, reserved: readonly Range[]): Range | null {
  return reserved.find((r) => from <= r.to && to >= r.from) ?? null;
}

function rangeExpectation(what: string, base: number, count: number, clash: Range, reserved: readonly Range[]): string {
  const avoid = reserved.map((r) => `${r.from}-${r.to}`).join(' and ');
  const span = count === 1 ? `${base}` : `${base}-${base + count - 1}`;
  return `${what} (here ${span}, one per VIP) outside ${avoid}; ${clash.from}-${clash.to} belongs to ${clash.owner}`;
}
