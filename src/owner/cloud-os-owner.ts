import type { GroupConfig, OsConfig, PeerConfig } from '../config/types';
import type { VipGroup } from '../util/vip-group';
import type { CloudMover, ContenderWatch } from '../cloud/mover';
import type { CloudHolder, CloudVip } from '../cloud/provider';
import { VipdError, asVipdError } from '../errors';
import type { OsConfigurator } from '../os/configurator';
import type { MonotonicClock } from '../util/clock';
import type { Logger } from '../util/logger';
import type { TimerHandle, Timers } from '../util/timers';
import type { AcquireControl, AcquireReport, RepairReport, VerifyReport, VipOwner } from './types';

/** What the owner asks of the OS configurator (os/configurator.ts). */
export type OwnerOs = Pick<OsConfigurator, 'preflight' | 'cleanupOrphans' | 'acquire' | 'release' | 'announce' | 'observe' | 'repair' | 'standby' | 'close'>;

export interface CloudOsOwnerDeps {
  /** null: no cloud (provider none, plain L2): the OS side (address + ARP) is the whole move. */
  readonly mover: CloudMover | null;
  /** null when os.enabled is false: the cloud moves the VIP, something else configures the host. */
  readonly os: OwnerOs | null;
  readonly osConfig: OsConfig;
  readonly clock: MonotonicClock;
  readonly timers: Timers;
  readonly logger: Logger;
  /** Budget for reading the cloud identity at start (cleanup), retries included. */
  readonly startDeadlineMs: number;
}

/**
 * Owning a VIP takes both layers, in this order: the cloud first (its
 * record decides where packets go), then the OS (address, policy routing,
 * gratuitous ARP/NA) as soon as the cloud's assign call succeeded, while
 * the cloud's confirmation is still polled: the fabric follows the record
 * from that call on, and a metadata outage must delay only the
 * confirmation, not the traffic. A move the cloud never confirms takes the
 * OS part back before it fails. Release touches the OS only: the cloud assignment
 * stays until the next holder's assign takes it, so a handover leaves the
 * VIP assigned to nobody only inside that assign, and only on a cloud whose
 * move is remove-then-add (GCP; AWS and OCI move atomically: docs/cloud.md).
 */
export class CloudOsOwner implements VipOwner {
  private readonly announcers = new Map<string, TimerHandle[]>();
  /** Per group: the second burst of the latest re-announcement, still to come. */
  private readonly reannouncers = new Map<string, TimerHandle>();
  /** Holders already reported as matching no peer (warned once each). */
  private readonly strangers = new Set<string>();

  constructor(private readonly deps: CloudOsOwnerDeps) {}

  async cleanup(groups: readonly GroupConfig[]): Promise<void> {
    // Identity first, before any change: a node that cannot be identified must not start at all.
    await this.deps.mover?.prepare(this.deps.clock.nowMs() + this.deps.startDeadlineMs);
    if (!this.deps.os) return;
    await this.deps.os.preflight(groups);
    const removed = await this.deps.os.cleanupOrphans(groups);
    if (removed.length > 0) this.deps.logger.warn({ removed }, 'removed VIP state left on this host by a previous run');
  }

  async acquire(group: GroupConfig, deadlineAt: number, control: AcquireControl = {}): Promise<AcquireReport> {
    const { mover, os, clock } = this.deps;
    const { signal, contenders } = control;
    let osMs = 0;
    let configured = false;
    const configureOs = async (): Promise<void> => {
      // The assign may have finished just as the node stopped wanting the VIPs: leave the host alone.
      if (signal?.aborted === true) {
        throw new VipdError('VIPD_E_CANCELLED', `acquire of ${group.name} abandoned after the cloud move: this node no longer wants the VIPs`, {
          details: { group: group.name },
        });
      }
      const osStart = clock.nowMs();
      configured = true;
      if (os) await os.acquire(group);
      osMs = clock.nowMs() - osStart;
      this.scheduleAnnouncements(group);
    };
    if (mover === null) {
      await configureOs();
      return { timings: { cloudMs: 0, osMs }, cloudCalls: 0 };
    }
    try {
      const cloud = await mover.acquire(cloudVips(group), deadlineAt, {
        signal,
        afterAssign: configureOs,
        contender: contenders === undefined ? undefined : contenderWatch(contenders, group.peers),
      });
      return { timings: { cloudMs: cloud.cloudMs, osMs }, cloudCalls: cloud.assignCalls };
    } catch (e) {
      // Not confirmed (another node wrote after us, or the confirmation never came in time): the host
      // must not keep VIPs the cloud does not show here. A cancelled move is released by the caller.
      if (configured && !(e instanceof VipdError && e.code === 'VIPD_E_CANCELLED')) await this.releaseAfterFailedMove(group, e);
      throw e;
    }
  }

  private async releaseAfterFailedMove(group: GroupConfig, cause: unknown): Promise<void> {
    try {
      await this.release(group);
    } catch (e) {
      // The acquire's own error is what the caller must see; the reconciler releases again if it no longer wants them.
      this.deps.logger.warn(
        { group: group.name, err: asVipdError(e), cause: asVipdError(cause).code },
        'taking the VIPs off this host after an unconfirmed cloud move failed',
      );
    }
  }

  async release(group: GroupConfig): Promise<void> {
    this.stopAnnouncements(group);
    this.stopReannouncement(group);
    if (this.deps.os) await this.deps.os.release(group);
  }

  async verify(group: GroupConfig): Promise<VerifyReport> {
    const holders = this.deps.mover === null ? null : await this.deps.mover.verifyHolders(cloudVips(group));
    const osView = this.deps.os ? await this.deps.os.observe(group) : null;
    const vips = group.vips.map((v) => ({
      address: v.address,
      cloud: holders === null ? null : withNodeId(holders.get(v.address), group.peers, v.address),
      // Both sides are canonical text: the OS view reads the kernel's, the loader rewrote the operator's (2001:DB8::1).
      os: osView?.vips.find((o) => o.address === v.address) ?? null,
    }));
    this.warnUnknownHolders(group, vips);
    return { vips };
  }

  /**
   * A burst now and, os.reannounce.delayMs later, a second one (keepalived's
   * garp_lower_prio_repeat / garp_lower_prio_delay). A newer re-announcement
   * replaces the second burst of the one before, so repeated claims never
   * pile up timers. Resolves when the first burst is out.
   */
  async announce(group: GroupConfig): Promise<void> {
    const { os, osConfig, timers, logger } = this.deps;
    const { count, delayMs } = osConfig.reannounce;
    if (!os || count === 0) return;
    this.stopReannouncement(group);
    if (delayMs > 0) {
      const h = timers.setTimeout(() => {
        this.reannouncers.delete(group.name);
        os.announce(group, count).catch((e: unknown) => logger.warn({ group: group.name, err: asVipdError(e) }, 'second re-announcement burst failed'));
      }, delayMs);
      h.unref?.();
      this.reannouncers.set(group.name, h);
    }
    await os.announce(group, count);
  }

  async standby(group: GroupConfig): Promise<void> {
    await this.deps.os?.standby(group);
  }

  close(): void {
    this.deps.os?.close();
  }

  async repair(group: GroupConfig): Promise<RepairReport> {
    return { repairs: this.deps.os ? await this.deps.os.repair(group) : [] };
  }

  /**
   * A holder that matches no peer is contested, never yielded to (election
   * rule 1). When it is in fact a peer whose heartbeat address differs from
   * its NIC's primary address, both nodes contest each other forever: say
   * so, once per holder, with what would have matched.
   */
  private warnUnknownHolders(group: GroupConfig, vips: readonly { address: string; cloud: CloudHolder | null }[]): void {
    for (const v of vips) {
      const h = v.cloud;
      if (h === null || h.kind !== 'other' || h.nodeId !== null) continue;
      const key = `${group.name}/${h.instanceId}`;
      if (this.strangers.has(key)) continue;
      this.strangers.add(key);
      this.deps.logger.warn(
        {
          group: group.name,
          vip: v.address,
          holder: h.instanceId,
          holderPrimaryAddress: h.primaryAddress ?? null,
          peers: group.peers.map((p) => `${p.id}=${p.address}`),
        },
        `the cloud shows ${h.instanceId} (${h.primaryAddress ?? 'primary address unknown'}) holding ${v.address}; it matches no peer address of group ${group.name}, so it is treated as a stranger and contested (a peer must use its NIC's primary address for heartbeats)`,
      );
    }
  }

  /** The second burst after a delay and the optional periodic refresh (first burst is part of acquire). */
  private scheduleAnnouncements(group: GroupConfig): void {
    const { os, osConfig, timers, logger } = this.deps;
    if (!os) return;
    this.stopAnnouncements(group);
    const handles: TimerHandle[] = [];
    const announce = (): void => {
      os.announce(group).catch((e: unknown) => logger.warn({ group: group.name, err: asVipdError(e) }, 'gratuitous ARP/NA burst failed'));
    };
    if (osConfig.arp.repeatDelayMs > 0) {
      const h = timers.setTimeout(announce, osConfig.arp.repeatDelayMs);
      h.unref?.();
      handles.push(h);
    }
    if (osConfig.arp.refreshIntervalMs > 0) {
      const tick = (): void => {
        announce();
        const next = timers.setTimeout(tick, osConfig.arp.refreshIntervalMs);
        next.unref?.();
        handles[handles.length - 1] = next;
      };
      const h = timers.setTimeout(tick, osConfig.arp.refreshIntervalMs);
      h.unref?.();
      handles.push(h);
    }
    this.announcers.set(group.name, handles);
  }

  private stopReannouncement(group: GroupConfig): void {
    const h = this.reannouncers.get(group.name);
    if (h !== undefined) this.deps.timers.clearTimeout(h);
    this.reannouncers.delete(group.name);
  }

  private stopAnnouncements(group: GroupConfig): void {
    for (const h of this.announcers.get(group.name) ?? []) this.deps.timers.clearTimeout(h);
    this.announcers.delete(group.name);
  }
}

/** What the cloud moves: the group's addresses, canonical text since load (a provider never re-parses an operator's spelling). */
export function cloudVips(group: VipGroup): CloudVip[] {
  return group.vips.map((v) => ({ address: v.address }));
}

/** The mover's view of the claimants: a holder counts when its NIC's primary address is that of a peer heard claiming. */
function contenderWatch(contenders: ReadonlySet<string>, peers: readonly PeerConfig[]): ContenderWatch {
  return {
    get heard() {
      return contenders.size > 0;
    },
    isContender(vip, holder) {
      const named = withNodeId(holder, peers, vip);
      return named.kind === 'other' && named.nodeId !== null && contenders.has(named.nodeId);
    },
  };
}

function withNodeId(holder: CloudHolder | undefined, peers: readonly PeerConfig[], address: string): CloudHolder {
  // A missing answer is not "nobody": that is how VIPs get removed from healthy nodes.
  if (holder === undefined) throw new VipdError('VIPD_E_CLOUD_RESPONSE', `the cloud's answer did not mention ${address}`);
  if (holder.kind !== 'other' || holder.nodeId !== null) return holder;
  const peer = holder.primaryAddress ? peers.find((p) => p.address === holder.primaryAddress) : undefined;
  return { ...holder, nodeId: peer?.id ?? null };
}
