/**
 * The boundary every cloud implements (AWS today; OCI and GCP next), shaped
 * by the three clouds' semantics: AWS moves many IPs in one call, OCI one
 * call per IP, GCP a remove-then-add with fingerprints and operations to
 * wait for; each hides that behind `assign`. Transient/permanent
 * classification is by the VipdError thrown; retries happen in
 * cloud/retry.ts, not in adapters. "No cloud" (plain L2) is not a provider:
 * it is the absence of a CloudMover.
 */

/**
 * What every provider call receives and passes on to its SDK or fetch:
 * an attempt that makes several requests (GCP: two updates and two
 * operation waits; OCI: one call per VIP) stops at the deadline and when
 * the node stops wanting the VIPs, not after its last request.
 */
export interface CloudCallContext {
  /**
   * Aborted when the caller gives up: the deadline passed (reason
   * VIPD_E_CLOUD_DEADLINE, transient) or the node no longer wants the VIPs
   * (reason VIPD_E_CANCELLED). The reason is always a VipdError, and an
   * adapter rethrows it (see cloud/call-context.ts `abortedError`) instead
   * of whatever its SDK made of the abort.
   */
  readonly signal: AbortSignal;
  /** Monotonic ms (MonotonicClock scale) after which nothing is wanted from this call. */
  readonly deadlineAt: number;
}

export interface CloudIdentity {
  readonly provider: string;
  readonly instanceId: string;
  readonly nicId: string;
  readonly mac: string;
  readonly subnetCidr: string;
  readonly region: string | null;
  readonly extra: Readonly<Record<string, string>>;
}

/** A VIP as every cloud sees it. Per-cloud extras (AWS Elastic IPs, OCI reserved public IPs) are provider settings. */
export interface CloudVip {
  readonly address: string;
}

/** Who the cloud says holds a VIP. An error reading it is thrown, never reported as 'nobody'. */
export type CloudHolder =
  | { readonly kind: 'me' }
  | { readonly kind: 'nobody' }
  | {
      readonly kind: 'other';
      readonly instanceId: string;
      /** The vipd node id of the holder when known (matched by the holder NIC's primary address against the peers). */
      readonly nodeId: string | null;
      /** Primary private address of the NIC that holds it, when the cloud says. */
      readonly primaryAddress?: string | null;
    };

/** A fact the provider could not read: said as such, never a silent null. */
export interface CloudFactError {
  readonly error: { readonly code: string; readonly message: string };
}

/** One provider-specific doctor line, judged by the provider that knows what the fact means. */
export interface CloudCheck {
  readonly check: string;
  readonly status: 'pass' | 'warn' | 'fail';
  readonly detail: string;
  readonly fix: string | null;
}

/** What `vipd doctor` learns about this node's side of the cloud, in terms every provider can fill. */
export interface CloudFacts {
  /** The cloud's id of the NIC that carries the VIPs (ENI, VNIC OCID, GCE NIC name). */
  readonly nicId: string;
  /**
   * Addresses the NIC can hold (primary included) and holds now; null when
   * the provider has no table for this instance shape.
   */
  readonly addressCapacity: { readonly limit: number; readonly used: number } | CloudFactError | null;
  /** Everything else the provider wants the operator to see (AWS: source/dest check). */
  readonly checks: readonly CloudCheck[];
}

export interface CloudProvider {
  readonly name: string;
  /** Who am I, from instance metadata; maps the configured interface to a NIC by MAC. */
  identity(ctx: CloudCallContext): Promise<CloudIdentity>;
  /** Assign these VIPs to my NIC (taking them from wherever they are): one attempt, no retry. */
  assign(vips: readonly CloudVip[], ctx: CloudCallContext): Promise<void>;
  /** True when the cloud reports every VIP on my NIC; polled after assign until true. */
  confirm(vips: readonly CloudVip[], ctx: CloudCallContext): Promise<boolean>;
  /** Who holds each VIP according to the cloud's record (keys: addresses). Throws when it cannot tell. */
  holders(vips: readonly CloudVip[], ctx: CloudCallContext): Promise<ReadonlyMap<string, CloudHolder>>;
  /**
   * The periodic check while MASTER (and the watch while yielded): who holds
   * each VIP, as cheaply as this cloud can tell. The provider chooses how
   * (AWS: its metadata first, no API call while every VIP is here; a cloud
   * whose metadata lists no secondary addresses asks its API). Same contract
   * as `holders`: an unreadable view throws.
   */
  observeHolders(vips: readonly CloudVip[], ctx: CloudCallContext): Promise<ReadonlyMap<string, CloudHolder>>;
  /** Facts for `vipd doctor`. */
  describe(ctx: CloudCallContext): Promise<CloudFacts>;
}
