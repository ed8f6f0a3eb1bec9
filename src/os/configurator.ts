import { processClock, type MonotonicClock } from '../util/clock';
import { VipdError, isVipdError } from '../errors';
import type { VipGroup } from '../util/vip-group';
import type { OsSettings } from './settings';
import type { Logger } from '../util/logger';
import { announceCommands, runAnnounceCommand } from './announce';
import { ArpingGarpSender, type GarpSender } from './garp';
import { type Change, type ReleaseTarget, convergeChanges, ourRulesFor, releaseChanges } from './changes';
import type { HostSnapshot } from './host-state';
import { type Family, formatIp, parseIp } from '../util/ip';
import { batchArgs, runIpBatch } from './ip-batch';
import { checkNumbering, groupTableRange, tableFor } from './numbering';
import { observeHost } from './observe';
import type { CommandRunner, PreparedCommand } from './runner';
import { TOOLS, checkTool } from './tools';
import { type VipPlan, expectedPrefix, mainDefaultOn, planVip, vipAddress } from './vip-plan';
import { type OsGroupView, vipView } from './view';

export type { OsGroupView, OsVipView } from './view';

/** Linux interface names: no whitespace, '/', ':'; quotes and '#' would be batch syntax. */
const IFNAME = /^[^\s/:'"\\#-][^\s/:'"\\#]{0,14}$/;

/**
 * Makes a group's VIPs really live on this host: the address with the
 * subnet's prefix, a `from VIP lookup T` rule and table T so replies leave
 * with the VIP as source through the right gateway, and ARP/NA so the link
 * learns the new owner. Every change is computed from an observation
 * (pure planning in vip-plan.ts / changes.ts) and applied in one
 * `ip -batch` spawn per address family.
 */
export class OsConfigurator {
  private readonly runner: CommandRunner;
  private readonly log: Logger;
  private readonly config: OsSettings;
  /** VIPs of every group seen per interface, so a leftover VIP is never taken for the primary address. */
  private readonly vipsByInterface = new Map<string, Set<string>>();
  private readonly background = new Set<Promise<void>>();
  /**
   * In-flight ARP/NA bursts per group. Release aborts them: an arping still
   * announcing "VIP is at my MAC" after we let go would undo the new
   * holder's announcement on an L2 segment.
   */
  private readonly announcing = new Map<string, AbortController>();
  private readonly clock: MonotonicClock;
  /**
   * The host as last read while the group was not ours (standby). Acquire
   * plans from it and skips one `ip` spawn on the failover path; if the
   * host changed meanwhile the batch fails and acquire re-reads (a stale
   * "missing" becomes an EEXIST, never a silent success).
   */
  private readonly standbySnapshots = new Map<string, { snapshot: HostSnapshot; at: number }>();
  /** Per group and VIP: the prefix acquire or repair applied, so release removes exactly that. */
  private readonly appliedPrefixes = new Map<string, number>();

  private readonly garp: GarpSender;
  /**
   * `ip -batch -` processes started during standby, idle on stdin, keyed by
   * their arguments: acquire feeds one instead of spawning (a spawn blocks
   * the event loop for milliseconds and exec-ing ip costs more on top).
   */
  private readonly armed = new Map<string, PreparedCommand>();

  /**
   * `garp` defaults to arping through `runner`, which follows the runner
   * into a lab namespace; the in-process sender always sends from this
   * process's own namespace, so only the daemon's factory passes it.
   */
  constructor(deps: { runner: CommandRunner; logger: Logger; config: OsSettings; clock?: MonotonicClock; garp?: GarpSender }) {
    this.runner = deps.runner;
    this.garp = deps.garp ?? new ArpingGarpSender(deps.runner, deps.config.commandTimeoutMs);
    this.log = deps.logger.child({ component: 'os' });
    this.config = deps.config;
    this.clock = deps.clock ?? processClock;
  }

  /** While not holding the group: refresh what acquire will plan from. */
  async standby(group: VipGroup): Promise<void> {
    if (!this.config.enabled) return;
    const snapshot = await this.snapshot(group);
    this.standbySnapshots.set(group.name, { snapshot, at: this.clock.nowMs() });
    for (const family of this.families(group)) this.arm(changeBatchArgs(family));
  }

  /** Kills the idle `ip` processes started for the next acquire (shutdown). */
  close(): void {
    for (const p of this.armed.values()) p.dispose();
    this.armed.clear();
  }

  /** Tools installed, numbering sane, interfaces present with what the plans need (prefix, gateway). */
  async preflight(groups: readonly VipGroup[]): Promise<void> {
    for (const g of groups) this.remember(g);
    const timeoutMs = this.config.commandTimeoutMs;
    await checkTool(this.runner, TOOLS.ip, timeoutMs);
    if (!this.config.enabled) return;
    if (this.config.policyRouting) checkNumbering(groups, this.config.tableBase, this.config.rulePriority);
    const families = new Set(groups.flatMap((g) => this.families(g)));
    if (families.has(4) && this.garp.kind === 'arping') await checkTool(this.runner, TOOLS.arping, timeoutMs);
    if (families.has(6)) await checkTool(this.runner, TOOLS.ndisc6, timeoutMs);
    for (const g of groups) {
      const snapshot = await this.snapshot(g);
      this.plans(g, snapshot);
    }
  }

  /** Addresses, rules and tables (only what is missing), then the first ARP/NA burst in the background. */
  async acquire(group: VipGroup): Promise<void> {
    if (!this.config.enabled) return;
    const fast = await this.acquireFromStandby(group);
    if (fast) return;
    const { applied, snapshot } = await this.converge(group);
    this.log.info({ group: group.name, changes: applied }, applied.length > 0 ? 'VIPs configured on the host' : 'VIPs already configured on the host');
    this.announceInBackground(group, snapshot);
  }

  private async acquireFromStandby(group: VipGroup): Promise<boolean> {
    const cached = this.standbySnapshots.get(group.name);
    this.standbySnapshots.delete(group.name);
    if (!cached || this.clock.nowMs() - cached.at > Math.max(10_000, 2 * this.config.reconcileIntervalMs)) return false;
    try {
      const plans = this.plans(group, cached.snapshot);
      const changes = convergeChanges(plans, cached.snapshot.link, cached.snapshot);
      // Before applying: a batch that fails half-way may have added the address already.
      this.rememberPrefixes(group, plans);
      await this.apply(changes, false);
      this.log.info({ group: group.name, changes: changes.map((c) => c.description), fromStandby: true }, 'VIPs configured on the host');
      this.announceInBackground(group, cached.snapshot);
      return true;
    } catch (e) {
      this.log.info({ group: group.name, err: isVipdError(e) ? e : String(e) }, 'host changed since standby; re-reading before acquire');
      return false;
    }
  }

  /** One ARP/NA burst of `count` rounds for every VIP of the group (the caller schedules repeats and refreshes). */
  async announce(group: VipGroup, count: number = this.config.arp.count): Promise<void> {
    if (!this.config.enabled) return;
    // A repeat or refresh for a group we hold; after a release there is nothing to announce.
    const held = this.announcing.get(group.name);
    if (!held || held.signal.aborted) return;
    // Only IPv6 needs to read the host first (whom to solicit: the gateway); a release during that read wins.
    const snapshot = this.families(group).includes(6) ? await this.snapshot(group) : null;
    if (held.signal.aborted) return;
    await this.announceWith(group, snapshot, held.signal, count);
  }

  /** Removes exactly what acquire added; an address with another prefix is someone else's and stays. */
  async release(group: VipGroup): Promise<void> {
    if (!this.config.enabled) return;
    this.announcing.get(group.name)?.abort();
    this.announcing.delete(group.name);
    const removed = await this.removeWithRetry(group, (snapshot) => releaseChanges(this.releaseTargets(group, snapshot), snapshot.link, snapshot));
    group.vips.forEach((_, i) => this.appliedPrefixes.delete(prefixKey(group, vipAddress(group, i).address)));
    this.log.info({ group: group.name, changes: removed }, 'VIPs released from the host');
  }

  async observe(group: VipGroup): Promise<OsGroupView> {
    const snapshot = await this.snapshot(group);
    const vips = group.vips.map((_, i) => {
      const { address } = vipAddress(group, i);
      let plan: VipPlan | null = null;
      try {
        plan = this.planOne(group, i, snapshot);
      } catch (e) {
        if (!isVipdError(e) || e.code === 'VIPD_E_INTERNAL') throw e;
        this.log.warn({ group: group.name, vip: address, err: e }, 'cannot plan VIP for observation');
      }
      return vipView({ address, snapshot, plan, policyRouting: this.config.policyRouting });
    });
    return { group: group.name, interface: group.interface, vips };
  }

  /** Re-adds whatever is missing (an outside `ip addr del`, a flushed rule or table); returns what was done. */
  async repair(group: VipGroup): Promise<string[]> {
    if (!this.config.enabled) return [];
    const { applied, snapshot } = await this.converge(group);
    if (applied.length === 0) return [];
    this.log.warn({ group: group.name, repairs: applied }, 'repaired VIP configuration removed by something else');
    if (applied.some((c) => c.startsWith('address '))) this.announceInBackground(group, snapshot);
    return applied.map((c) => `re-applied ${c}`);
  }

  /**
   * Removes what a previous run of this config left (after kill -9 or a
   * crash): the groups' VIP addresses with our prefix, our rules from those
   * VIPs or into the groups' tables, and our routes in those tables.
   */
  async cleanupOrphans(groups: readonly VipGroup[]): Promise<string[]> {
    if (!this.config.enabled) return [];
    for (const g of groups) this.remember(g);
    const done: string[] = [];
    for (const g of groups) {
      const range = groupTableRange(this.config.tableBase, g.id);
      const groupTables = Array.from({ length: range.last - range.first + 1 }, (_, k) => range.first + k);
      const removed = await this.removeWithRetry(g, (snapshot) =>
        releaseChanges(this.releaseTargets(g, snapshot), snapshot.link, snapshot, { rulesInTables: groupTables }),
      );
      done.push(...removed.map((d) => `removed orphan ${d}`));
    }
    if (done.length > 0) this.log.warn({ orphans: done }, 'removed VIP configuration left by a previous run');
    return done;
  }

  /** Resolves when background ARP/NA bursts started by acquire/repair have finished (shutdown, tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.background]);
  }

  // ---- internals ---------------------------------------------------------

  /** arping takes about a second per packet: the burst must not hold up acquire's return. */
  private announceInBackground(group: VipGroup, snapshot: HostSnapshot): void {
    const p: Promise<void> = this.announceWith(group, snapshot, this.hold(group))
      .catch((e: unknown) => {
        this.log.warn({ group: group.name, err: isVipdError(e) ? e : String(e) }, 'ARP/NA announcement failed');
      })
      .finally(() => this.background.delete(p));
    this.background.add(p);
  }

  private families(group: VipGroup): Family[] {
    const set = new Set(group.vips.map((_, i) => vipAddress(group, i).family));
    return [...set].sort();
  }

  private remember(group: VipGroup): void {
    if (!IFNAME.test(group.interface)) {
      throw new VipdError('VIPD_E_CONFIG', `group ${group.name}: "${group.interface}" is not a valid interface name`);
    }
    const set = this.vipsByInterface.get(group.interface) ?? new Set<string>();
    group.vips.forEach((_, i) => set.add(vipAddress(group, i).address));
    this.vipsByInterface.set(group.interface, set);
  }

  private async snapshot(group: VipGroup): Promise<HostSnapshot> {
    this.remember(group);
    return observeHost(this.runner, group.interface, this.families(group), this.config.commandTimeoutMs);
  }

  private planOne(group: VipGroup, index: number, snapshot: HostSnapshot): VipPlan {
    const { family } = vipAddress(group, index);
    return planVip({
      group,
      index,
      link: snapshot.link,
      state: family === 4 ? snapshot.v4 : snapshot.v6,
      vipsOnLink: this.vipsByInterface.get(group.interface) ?? new Set(),
      config: this.config,
    });
  }

  /** Orphans of an earlier run: no record, so the prefix is derived as acquire would; unknown -> leave the address alone. */
  private derivedPrefix(group: VipGroup, i: number, snapshot: HostSnapshot, address: string): number | null {
    try {
      return expectedPrefix(group, i, snapshot.link, this.vipsByInterface.get(group.interface) ?? new Set());
    } catch (e) {
      if (!isVipdError(e) || e.code === 'VIPD_E_INTERNAL') throw e;
      this.log.warn({ group: group.name, vip: address, err: e }, 'prefix unknown: leaving the address alone');
      return null;
    }
  }

  private rememberPrefixes(group: VipGroup, plans: readonly VipPlan[]): void {
    for (const plan of plans) this.appliedPrefixes.set(prefixKey(group, plan.address), plan.prefix);
  }

  private plans(group: VipGroup, snapshot: HostSnapshot): VipPlan[] {
    return group.vips.map((_, i) => this.planOne(group, i, snapshot));
  }

  private ipv6Gateway(group: VipGroup, snapshot: HostSnapshot): string | null {
    const configured = this.config.gateway === null ? null : parseIp(this.config.gateway);
    if (configured?.family === 6) return formatIp(configured);
    return snapshot.v6 ? (mainDefaultOn(snapshot.v6, group.interface)?.gateway ?? null) : null;
  }

  private async converge(group: VipGroup): Promise<{ applied: string[]; snapshot: HostSnapshot }> {
    const snapshot = await this.snapshot(group);
    const plans = this.plans(group, snapshot);
    const changes = convergeChanges(plans, snapshot.link, snapshot);
    this.rememberPrefixes(group, plans);
    await this.apply(changes, false);
    return { applied: changes.map((c) => c.description), snapshot };
  }

  /** Acquire and repair: the group is held from now until release aborts this. */
  private hold(group: VipGroup): AbortSignal {
    let controller = this.announcing.get(group.name);
    if (!controller || controller.signal.aborted) {
      controller = new AbortController();
      this.announcing.set(group.name, controller);
    }
    return controller.signal;
  }

  private async announceWith(group: VipGroup, snapshot: HostSnapshot | null, signal: AbortSignal, count: number = this.config.arp.count): Promise<void> {
    const sends = group.vips.map((_, i) => {
      const { address, family } = vipAddress(group, i);
      if (family === 4) return this.garp.announce({ iface: group.interface, address, count, signal });
      const gateway = snapshot !== null ? this.ipv6Gateway(group, snapshot) : null;
      return Promise.all(
        announceCommands({ address, family, iface: group.interface, count, gateway, baseTimeoutMs: this.config.commandTimeoutMs }).map((c) =>
          runAnnounceCommand(this.runner, c, signal),
        ),
      );
    });
    const results = await Promise.allSettled(sends);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async apply(changes: readonly Change[], force: boolean): Promise<void> {
    const byFamily = new Map<Family, string[]>();
    for (const c of changes) byFamily.set(c.family, [...(byFamily.get(c.family) ?? []), c.command]);
    await Promise.all(
      [...byFamily].map(([family, lines]) =>
        runIpBatch(
          this.runner,
          lines,
          { family, force, json: false, timeoutMs: this.config.commandTimeoutMs },
          force ? null : this.takeArmed(changeBatchArgs(family)),
        ),
      ),
    );
  }

  private arm(args: string[]): void {
    if (!this.runner.prepare) return;
    const key = args.join(' ');
    if (this.armed.get(key)?.alive === true) return;
    this.armed.set(key, this.runner.prepare('ip', args));
  }

  /** runIpBatch spawns afresh if the one taken has died meanwhile. */
  private takeArmed(args: string[]): PreparedCommand | null {
    const key = args.join(' ');
    const p = this.armed.get(key) ?? null;
    this.armed.delete(key);
    return p;
  }

  /**
   * Removal goes on past a failing line (-force); if something failed, the
   * host is read again and only what is still there counts as a failure
   * (it may have vanished on its own in between).
   */
  private async removeWithRetry(group: VipGroup, compute: (s: HostSnapshot) => Change[]): Promise<string[]> {
    const changes = compute(await this.snapshot(group));
    if (changes.length === 0) return [];
    try {
      await this.apply(changes, true);
    } catch (e) {
      const left = compute(await this.snapshot(group));
      if (left.length > 0) throw e;
      this.log.debug({ group: group.name, err: isVipdError(e) ? e : String(e) }, 'removal raced another change; nothing left');
    }
    return changes.map((c) => c.description);
  }

  private releaseTargets(group: VipGroup, snapshot: HostSnapshot): ReleaseTarget[] {
    const mapped = new Set(group.vips.map((_, i) => tableFor(this.config.tableBase, group.id, i)));
    return group.vips.map((_, i) => {
      const { address, family } = vipAddress(group, i);
      // The prefix we added it with, when this process added it: deriving it again from the
      // interface fails when the primary address is gone (DHCP renew, networkd restart) or changed.
      const prefix = this.appliedPrefixes.get(prefixKey(group, address)) ?? this.derivedPrefix(group, i, snapshot, address);
      const own = tableFor(this.config.tableBase, group.id, i);
      const state = family === 4 ? snapshot.v4 : snapshot.v6;
      // Tables an older mapping pointed this VIP's rule at, unless another VIP uses them now.
      const stale = state ? ourRulesFor(state, address).flatMap((r) => (r.table !== null && !mapped.has(r.table) ? [r.table] : [])) : [];
      return { address, family, iface: group.interface, prefix, tables: [own, ...stale] };
    });
  }
}

function prefixKey(group: VipGroup, address: string): string {
  return `${group.id}/${address}`;
}

function changeBatchArgs(family: Family): string[] {
  return batchArgs({ family, force: false, json: false });
}
