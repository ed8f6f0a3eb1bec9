import type { CloudHolder } from '../owner/types';

/**
 * The narrow interface every cloud implements (AWS, OCI, GCP, none).
 * Shaped by the three clouds' semantics: AWS moves many IPs in one call,
 * OCI one call per IP, GCP a remove-then-add with fingerprints; each hides
 * that behind `acquire`. Transient/permanent classification is by the
 * VipdError thrown; retries happen in cloud/retry.ts, not in adapters.
 */
export interface CloudIdentity {
  readonly provider: string;
  readonly instanceId: string;
  readonly nicId: string;
  readonly mac: string;
  readonly subnetCidr: string;
  readonly region: string | null;
  readonly extra: Readonly<Record<string, string>>;
}

export interface CloudProvider {
  readonly name: string;
  /**
   * Whether the cloud keeps a record of who holds each VIP and so has the
   * last word on ownership. false only for provider none (plain L2): there
   * is nothing to move or observe, and CloudMover makes no calls. Absent
   * means true (every real cloud).
   */
  readonly arbitrates?: boolean;
  /** Who am I, from instance metadata; maps the configured interface to a NIC by MAC. */
  identity(): Promise<CloudIdentity>;
  /** Assign these VIPs to my NIC (taking them from wherever they are) — one attempt, no retry. */
  assign(vips: readonly CloudVip[]): Promise<void>;
  /** True when the cloud reports every VIP on my NIC; cheap (metadata) where the cloud allows. */
  confirm(vips: readonly CloudVip[]): Promise<boolean>;
  /** Who holds each VIP (keys: addresses). Throws when it cannot tell. */
  holders(vips: readonly CloudVip[]): Promise<ReadonlyMap<string, CloudHolder>>;
  /** Remove the VIPs from my NIC if they are there. */
  unassign(vips: readonly CloudVip[]): Promise<void>;
  /** Facts for `vipd doctor` / status (limits, source/dest check, ...). */
  describe(): Promise<Readonly<Record<string, unknown>>>;
}

export interface CloudVip {
  readonly address: string;
  readonly elasticIpAllocationId: string | null;
}
