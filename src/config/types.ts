/**
 * The typed, validated, frozen configuration. Only config/loader.ts reads
 * the file; everything else receives (parts of) this object. Durations are
 * milliseconds (numbers), parsed from "100ms", "1s", "2m".
 */
import type { OsSettings } from '../os/settings';
import type { Family } from '../util/ip';

export type ProviderType = 'none' | 'aws' | 'oci' | 'gcp';

export interface PeerConfig {
  /** The peer's node.id. */
  readonly id: string;
  /** Unicast address (IPv4 or IPv6) the peer's heartbeats come from and go to. */
  readonly address: string;
  readonly port: number;
}

export interface VipConfig {
  /** Canonical text (util/ip formatIp): the loader rewrites the address as written. */
  readonly address: string;
  /** Derived by the loader from the address (not a config key): VipConfig is a util/vip-group Vip. */
  readonly family: Family;
  /** Prefix length; null means "the subnet's, derived from the interface's primary address". */
  readonly prefix: number | null;
  /** AWS only: Elastic IP allocation id to associate with this VIP when it moves here. */
  readonly elasticIpAllocationId: string | null;
  /** OCI only: reserved public IP OCID assigned to this VIP's private IP when vipd creates it. */
  readonly reservedPublicIpId: string | null;
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

/** The os section is the OS layer's own settings type (os/settings.ts). */
export type OsConfig = OsSettings;

export interface AwsProviderConfig {
  readonly region: string | null;
  /** Override the EC2 endpoint (the lab emulator); null = the SDK's default for the region. */
  readonly endpoint: string | null;
  /** Override the metadata endpoint (the lab emulator); null = the SDK's default. */
  readonly metadataEndpoint: string | null;
}

export type OciAuth = 'instance_principal' | 'api_key';

export interface OciProviderConfig {
  /** instance_principal: the instance's own identity (IMDS certificates, federation); api_key: a user's signing key (off-cloud, tests). */
  readonly auth: OciAuth;
  /** Canonical region name (us-ashburn-1); null = the instance's own, from instance metadata. */
  readonly region: string | null;
  /** Override the Core Services API endpoint (the lab emulator); null = the SDK's endpoint for the region. */
  readonly endpoint: string | null;
  /** Override the instance metadata base (the lab emulator); null = http://169.254.169.254. */
  readonly metadataEndpoint: string | null;
  /** Override the instance-principal federation endpoint (the lab emulator); null = the SDK's default for the region. */
  readonly federationEndpoint: string | null;
  /** api_key only: OCI config file (the SDK's format) and profile holding tenancy, user, fingerprint and key_file. */
  readonly configFile: string | null;
  readonly profile: string;
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
  readonly oci: OciProviderConfig;
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
