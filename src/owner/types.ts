import type { CloudHolder } from '../cloud/provider';
import type { GroupConfig } from '../config/types';
import type { OsVipView } from '../os/view';

/**
 * The runtime's only way to make a VIP ours or not ours. Implementations:
 * the log-only owner (provider none, os disabled), and the composite owner
 * (cloud provider first, then the OS configurator). Every method either
 * resolves with what it observed or throws a VipdError; none returns a bare
 * boolean.
 */
export interface VipOwner {
  /** Remove what a previous run of this config may have left (orphans). Called once before any election result. */
  cleanup(groups: readonly GroupConfig[]): Promise<void>;
  /** Make the group's VIPs ours in the cloud and the OS. Idempotent. */
  acquire(group: GroupConfig, deadlineMs: number, control?: AcquireControl): Promise<AcquireReport>;
  /** Remove exactly what acquire added. Idempotent. */
  release(group: GroupConfig): Promise<void>;
  /** Observe (not change) who holds the VIPs, for reconcile and status. */
  verify(group: GroupConfig): Promise<VerifyReport>;
  /** Re-add what something else removed while we are active; returns the repairs made. */
  repair(group: GroupConfig): Promise<RepairReport>;
  /**
   * While active, after another node claimed the group: tell the link again
   * that the VIPs live here (gratuitous ARP / unsolicited NA, os.reannounce).
   * Sends nothing for a group that is not held. Optional: owners without a
   * link to tell leave it out.
   */
  announce?(group: GroupConfig): Promise<void>;
  /** While not active: refresh whatever makes the next acquire fast (optional). */
  standby?(group: GroupConfig): Promise<void>;
  /** Shutdown: let go of whatever standby prepared (idle helper processes). Optional. */
  close?(): void;
}

/** What the caller may tell an acquire in flight; owners without a cloud may ignore both. */
export interface AcquireControl {
  /** Aborted: the node no longer wants the VIPs; the move stops at its next step with VIPD_E_CANCELLED. */
  readonly signal?: AbortSignal;
  /** Node ids heard making a new claim after this acquire began; the caller adds to it while the acquire runs (CloudMover's pollConfirm). */
  readonly contenders?: ReadonlySet<string>;
}

export interface PhaseTimings {
  /** Cloud call -> cloud confirms the VIPs on our NIC (0 for provider none). */
  readonly cloudMs: number;
  /** OS configuration (addresses, rules, routes, first ARP burst). */
  readonly osMs: number;
}

export interface AcquireReport {
  readonly timings: PhaseTimings;
  readonly cloudCalls: number;
}

export interface VipView {
  readonly address: string;
  /** null: no cloud (plain L2), which has no record of who holds an address. */
  readonly cloud: CloudHolder | null;
  /** null: OS changes are off (os.enabled false), so the OS view is not ours to judge. */
  readonly os: OsVipView | null;
}

export interface VerifyReport {
  readonly vips: readonly VipView[];
}

export interface RepairReport {
  readonly repairs: readonly string[];
}
