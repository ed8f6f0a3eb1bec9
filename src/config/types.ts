/**
 * The typed, validated, frozen configuration. Only config/loader.ts reads
 * convict; everything else receives (parts of) this object. Durations are
 * milliseconds (numbers), parsed from "100ms", "1s", "2m".
 */
export type ProviderType = 'none' | 'aws' | 'oci' | 'gcp';

export interface PeerConfig {
  /** The peer's node.id. */
  readonly id: string;
  /** Unicast address (IPv4 or IPv6) the peer's heartbeats come from and go to. */
  readonly address: string;
  readonly port: number;
}

export interface VipConfig {
  readonly address: string;
  /** Prefix length; null means "the subnet's, derived from the interface's primary address". */
  readonly prefix: number | null;
  /** AWS only: Elastic IP allocation id to associate with this VIP when it moves here. */
  readonly elasticIpAllocationId: string | null;
}

export type TrackerConfig =
  | ({ readonly type: 'script'; readonly command: string; readonly args: readonly string[] } & TrackerCommon)
  | ({ readonly type: 'http'; readonly url: string; readonly expectStatus: number } & TrackerCommon)
  | ({ readonly type: 'tcp'; readonly host: string; readonly port: number } & TrackerCommon)
  | ({ readonly type: 'link'; readonly interface: string } & TrackerCommon);

export interface TrackerCommon {
  readonly name: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Consecutive successes before a failing tracker counts as up again. */
  readonly rise: number;
  /** Consecutive failures before a healthy tracker counts as down. */
  readonly fall: number;
  /** keepalived's rule: > 0 is added while up, < 0 is added while down; 0 = down forces FAULT. */
  readonly weight: number;
}

export interface NotifyConfig {
  readonly master: readonly string[] | null;
  readonly backup: readonly string[] | null;
  readonly fault: readonly string[] | null;
  readonly stop: readonly string[] | null;
  readonly timeoutMs: number;
}

export interface GroupConfig {
  readonly name: string;
  /** 1-255, carried in every heartbeat; unique per daemon, the same on every node of the group. */
  readonly id: number;
  readonly priority: number;
  readonly preempt: boolean;
  readonly preemptDelayMs: number;
  readonly intervalMs: number;
  /** Missed adverts before the master is declared dead (VRRP's 3). */
  readonly deadAfter: number;
  readonly claimOnRefusal: boolean;
  readonly interface: string;
  readonly vips: readonly VipConfig[];
  readonly peers: readonly PeerConfig[];
  readonly trackers: readonly TrackerConfig[];
  readonly notify: NotifyConfig;
  /** TCP ports of the service behind the VIPs (checked by `vipd doctor`). */
  readonly servicePorts: readonly number[];
}

export interface HeartbeatConfig {
  readonly bind: string;
  readonly port: number;
  readonly keyFile: string;
  /** Second accepted key during rotation; adverts are signed with keyFile's key. */
  readonly nextKeyFile: string | null;
}

export interface OsConfig {
  /** false: do not touch addresses, rules or ARP (the "log only" owner). */
  readonly enabled: boolean;
  readonly policyRouting: boolean;
  /** First routing table number; group N's VIP k uses tableBase + index. */
  readonly tableBase: number;
  readonly rulePriority: number;
  /** null = derived from the main table's default route on the interface. */
  readonly gateway: string | null;
  readonly arp: {
    readonly sender: 'native' | 'arping';
    readonly count: number;
    readonly repeatDelayMs: number;
    readonly refreshIntervalMs: number; // 0 = off
  };
  /** After another node claimed a group this MASTER keeps (keepalived's garp_lower_prio_repeat / _delay). */
  readonly reannounce: {
    readonly count: number; // 0 = no ARP/NA, the cloud is still re-checked
    readonly delayMs: number; // second burst; 0 = none
    readonly minIntervalMs: number;
  };
  readonly reconcileIntervalMs: number;
  readonly commandTimeoutMs: number;
}

export interface AwsProviderConfig {
  readonly region: string | null;
  /** Override the EC2 endpoint (the lab emulator); null = the SDK's default for the region. */
  readonly endpoint: string | null;
  /** Override the metadata endpoint (the lab emulator); null = the SDK's default. */
  readonly metadataEndpoint: string | null;
}

export interface GcpPeerConfig {
  readonly instance: string;
  /** null = this instance's own zone. */
  readonly zone: string | null;
}

export interface GcpProviderConfig {
  /** Project id; null = this instance's project (from metadata). */
  readonly project: string | null;
  /** Zone; null = this instance's zone (from metadata). */
  readonly zone: string | null;
  /** The other VMs of the pair, read for holders and emptied of the VIPs before they are added here. */
  readonly peers: readonly GcpPeerConfig[];
  /** Override the Compute API endpoint (the lab emulator); null = https://compute.googleapis.com. */
  readonly endpoint: string | null;
  /** Override the metadata server (the lab emulator); null = http://169.254.169.254. */
  readonly metadataEndpoint: string | null;
}

export interface ProviderConfig {
  readonly type: ProviderType;
  /** Budget for one acquire (call + confirmation), retries included. */
  readonly acquireDeadlineMs: number;
  /** While active: how often the cloud's view is re-checked. */
  readonly verifyIntervalMs: number;
  /** How long a permanent acquire error holds the group in FAULT before it competes again. */
  readonly faultHoldMs: number;
  readonly aws: AwsProviderConfig;
  readonly gcp: GcpProviderConfig;
}

export interface MetricsConfig {
  readonly enabled: boolean;
  readonly listen: string;
  readonly port: number;
}

export interface VipdConfig {
  readonly node: { readonly id: string; readonly stateDir: string };
  readonly heartbeat: HeartbeatConfig;
  readonly provider: ProviderConfig;
  readonly os: OsConfig;
  readonly metrics: MetricsConfig;
  readonly control: { readonly socket: string };
  readonly log: { readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' };
  readonly groups: readonly GroupConfig[];
}
