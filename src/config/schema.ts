/**
 * The one schema: every key with its doc, default, environment variable and
 * `vipd`, the ValueSpec that check-value.ts validates against and docs.ts
 * documents (docs/configuration.md is generated from it).
 *
 * `satisfies SchemaOf<VipdConfig>` makes the compiler reject a schema whose
 * keys or defaults drift from types.ts.
 */
import { GCP_PEER_ITEM, GCP_PROJECT_SPEC, GCP_ZONE_SPEC } from './gcp-items';
import { GROUP_ITEM, NAME_SPEC } from './group-items';
import type { OsConfig, VipdConfig } from './types';
import { spec, ValueSpec } from './value-spec';

export interface LeafDef<T> {
  readonly doc: string;
  /** null: required (no default), unless the spec is nullable. */
  readonly default: T | null;
  readonly vipd: ValueSpec;
  /** The environment variable that overrides the file's value. */
  readonly env?: string;
}

type Scalar = string | number | boolean | null | readonly unknown[];

/** The schema's shape for a config type: a leaf for each value, a section for each nested object. */
export type SchemaOf<T> = { readonly [K in keyof T]-?: T[K] extends Scalar ? LeafDef<T[K]> : SchemaOf<T[K]> | LeafDef<T[K]> };

function leaf<T>(doc: string, s: ValueSpec, defaultValue: T | null, env?: string): LeafDef<T> {
  const base = { doc, default: defaultValue, vipd: s };
  return env === undefined ? base : { ...base, env };
}

/** Kept out of the amazon-ec2-net-utils (10000+) and oci-utils (10-254) ranges; see docs/configuration.md. */
export const DEFAULT_TABLE_BASE = 1000;
export const DEFAULT_RULE_PRIORITY = 3400;

/** sun_path holds 108 bytes including the terminating NUL. */
const UNIX_SOCKET_PATH_MAX = 107;

export const SCHEMA = {
  node: {
    id: leaf<string>("This node's id, unique among the peers of every group; sent in every heartbeat.", NAME_SPEC, null, 'VIPD_NODE_ID'),
    stateDir: leaf(
      'Directory for state that must survive a restart: maintenance mode (`maintenance.json`). The unit creates /var/lib/vipd with StateDirectory=vipd.',
      spec.path(),
      '/var/lib/vipd',
      'VIPD_NODE_STATE_DIR',
    ),
  },
  heartbeat: {
    bind: leaf('Local address the heartbeat socket binds to (0.0.0.0 = every IPv4 address, :: = IPv4 and IPv6).', spec.ip(), '0.0.0.0', 'VIPD_HEARTBEAT_BIND'),
    port: leaf('UDP port heartbeats are received on (and the default port of every peer).', spec.int(1, 65535), 9476, 'VIPD_HEARTBEAT_PORT'),
    keyFile: leaf<string>(
      'File holding the shared HMAC key (at least 16 bytes; mode 0600 or stricter). Every node of a group uses the same key. Required.',
      spec.path(),
      null,
      'VIPD_HEARTBEAT_KEY_FILE',
    ),
    nextKeyFile: leaf<string>(
      'During key rotation: a second key that is accepted on received adverts (adverts are still signed with keyFile). null = no rotation in progress.',
      spec.nullable(spec.path()),
      null,
      'VIPD_HEARTBEAT_NEXT_KEY_FILE',
    ),
  },
  provider: {
    type: leaf<VipdConfig['provider']['type']>(
      'Cloud that moves the VIP: none (plain L2: OS and gratuitous ARP only), aws, oci or gcp. Credentials always come from the instance (role, instance principal, service account), never from this file.',
      spec.oneOf(['none', 'aws', 'oci', 'gcp']),
      'none',
      'VIPD_PROVIDER_TYPE',
    ),
    acquireDeadlineMs: leaf(
      'Budget for one cloud move, call and confirmation and retries included; past it the move has failed.',
      spec.duration(100, 600_000),
      20_000,
      'VIPD_PROVIDER_ACQUIRE_DEADLINE_MS',
    ),
    faultHoldMs: leaf(
      'After a permanent error while taking the VIPs (permission denied, invalid request, limit): how long the group stays in FAULT before this node competes again. Not a retry loop: one attempt per hold.',
      spec.duration(1000, 3_600_000),
      30_000,
      'VIPD_PROVIDER_FAULT_HOLD_MS',
    ),
    verifyIntervalMs: leaf(
      "While MASTER: how often the cloud's view is re-checked (from instance metadata, no API call, while it shows the VIPs here) and re-asserted if another node took the VIP. The check runs at the shorter of this and os.reconcileIntervalMs.",
      spec.duration(100, 3_600_000),
      5000,
      'VIPD_PROVIDER_VERIFY_INTERVAL_MS',
    ),
    aws: {
      region: leaf<string>(
        "AWS region; null = the instance's own region (from instance metadata).",
        spec.nullable(spec.string(/^[a-z]{2}(?:-[a-z]+)+-\d+$/, 'an AWS region name such as eu-west-1')),
        null,
        'VIPD_PROVIDER_AWS_REGION',
      ),
      endpoint: leaf<string>(
        "EC2 API endpoint override (the lab emulator, VPC endpoints); null = the SDK's default for the region.",
        spec.nullable(spec.url()),
        null,
        'VIPD_PROVIDER_AWS_ENDPOINT',
      ),
      metadataEndpoint: leaf<string>(
        "Instance metadata endpoint override (the lab emulator); null = the SDK's default.",
        spec.nullable(spec.url()),
        null,
        'VIPD_PROVIDER_AWS_METADATA_ENDPOINT',
      ),
    },
    oci: {
      auth: leaf<VipdConfig['provider']['oci']['auth']>(
        "How vipd signs OCI API calls: instance_principal = the instance's own identity (a dynamic group and policy allow it; nothing secret on disk), api_key = a user's API signing key from an OCI config file (off-cloud use).",
        spec.oneOf(['instance_principal', 'api_key']),
        'instance_principal',
        'VIPD_PROVIDER_OCI_AUTH',
      ),
      region: leaf<string>(
        "OCI canonical region name (us-ashburn-1); null = the instance's own (from instance metadata).",
        spec.nullable(spec.string(/^[a-z]{2}(?:-[a-z]+)+-\d+$/, 'an OCI region name such as us-ashburn-1')),
        null,
        'VIPD_PROVIDER_OCI_REGION',
      ),
      endpoint: leaf<string>(
        "Core Services (VirtualNetwork) API endpoint override, without /20160918 (the lab emulator); null = the SDK's endpoint for the region.",
        spec.nullable(spec.url()),
        null,
        'VIPD_PROVIDER_OCI_ENDPOINT',
      ),
      metadataEndpoint: leaf<string>(
        'Instance metadata base override, up to but without /opc/v2 (the lab emulator); null = http://169.254.169.254.',
        spec.nullable(spec.url()),
        null,
        'VIPD_PROVIDER_OCI_METADATA_ENDPOINT',
      ),
      federationEndpoint: leaf<string>(
        "Instance-principal federation endpoint override (the lab emulator); null = the SDK's auth endpoint for the region.",
        spec.nullable(spec.url()),
        null,
        'VIPD_PROVIDER_OCI_FEDERATION_ENDPOINT',
      ),
      configFile: leaf<string>(
        "auth api_key: the OCI config file holding tenancy, user, fingerprint and key_file; null = ~/.oci/config. The key itself never goes in vipd's config.",
        spec.nullable(spec.path()),
        null,
        'VIPD_PROVIDER_OCI_CONFIG_FILE',
      ),
      profile: leaf(
        'auth api_key: the profile of that file.',
        spec.string(/^[A-Za-z0-9_.-]{1,64}$/, 'a profile name such as DEFAULT'),
        'DEFAULT',
        'VIPD_PROVIDER_OCI_PROFILE',
      ),
    },
    gcp: {
      project: leaf<string>(
        "GCP project id; null = the instance's own project (from metadata).",
        spec.nullable(GCP_PROJECT_SPEC),
        null,
        'VIPD_PROVIDER_GCP_PROJECT',
      ),
      zone: leaf<string>('GCP zone of this instance; null = its own zone (from metadata).', spec.nullable(GCP_ZONE_SPEC), null, 'VIPD_PROVIDER_GCP_ZONE'),
      peers: leaf<VipdConfig['provider']['gcp']['peers']>(
        "The other VMs of the pair (`{instance, zone}`; zone null = this one's): read to learn who holds a VIP, and emptied of it before it is added here (GCP moves an alias in two steps).",
        spec.list(GCP_PEER_ITEM),
        [],
      ),
      endpoint: leaf<string>(
        'Compute API endpoint override (the lab emulator); null = https://compute.googleapis.com.',
        spec.nullable(spec.url()),
        null,
        'VIPD_PROVIDER_GCP_ENDPOINT',
      ),
      metadataEndpoint: leaf<string>(
        'Metadata server override (the lab emulator); null = http://169.254.169.254.',
        spec.nullable(spec.url()),
        null,
        'VIPD_PROVIDER_GCP_METADATA_ENDPOINT',
      ),
    },
  },
  os: {
    enabled: leaf('Configure the OS (addresses, policy rules, ARP). false = log the planned OS actions only.', spec.boolean(), true, 'VIPD_OS_ENABLED'),
    policyRouting: leaf(
      "Add a rule `from VIP lookup TABLE` and a table routing via the VIP's interface, so replies leave with the VIP as source.",
      spec.boolean(),
      true,
      'VIPD_OS_POLICY_ROUTING',
    ),
    tableBase: leaf(
      "Base of vipd's routing tables: group G's k-th VIP uses table tableBase + G*32 + k (1032-9191 with the default). Must stay outside the OS agents' ranges.",
      spec.int(1, 2_147_483_647),
      DEFAULT_TABLE_BASE,
      'VIPD_OS_TABLE_BASE',
    ),
    rulePriority: leaf(
      "Priority of vipd's policy rules (below main's 32766). Must stay outside the OS agents' ranges.",
      spec.int(1, 32_765),
      DEFAULT_RULE_PRIORITY,
      'VIPD_OS_RULE_PRIORITY',
    ),
    gateway: leaf<string>(
      "Default gateway for the VIP tables; null = taken from the main table's default route on the interface.",
      spec.nullable(spec.ip()),
      null,
      'VIPD_OS_GATEWAY',
    ),
    arp: {
      sender: leaf<OsConfig['arp']['sender']>(
        'Who sends IPv4 gratuitous ARP: `native` = from the daemon itself through an AF_PACKET socket (no process spawned on the failover path; the addon is built by `npm ci`), `arping` = iputils arping (Debian package iputils-arping). IPv6 always uses ndisc6.',
        spec.oneOf(['native', 'arping']),
        'native',
        'VIPD_OS_ARP_SENDER',
      ),
      count: leaf('Gratuitous ARPs (IPv6: unsolicited neighbour advertisements) sent after taking a VIP; 0 = none.', spec.int(0, 100), 3, 'VIPD_OS_ARP_COUNT'),
      repeatDelayMs: leaf('Pause between two of them.', spec.duration(0, 60_000), 1000, 'VIPD_OS_ARP_REPEAT_DELAY_MS'),
      refreshIntervalMs: leaf(
        'While MASTER: repeat the announcement this often (for switches that forget); 0 = off.',
        spec.duration(1000, 3_600_000, true),
        0,
        'VIPD_OS_ARP_REFRESH_INTERVAL_MS',
      ),
    },
    reannounce: {
      count: leaf(
        "When this MASTER learns that another node claimed its group (a lower-priority master heard, a resume after a stall longer than the down interval, the cloud showing another holder we contest), it announces its VIPs again at once: this many gratuitous ARP rounds (IPv6: unsolicited NA), a second apart, so the link stops following the other node's announcement (keepalived: `garp_lower_prio_repeat`). On a cloud the assignment is re-checked and re-asserted as well. 0 = no ARP/NA (the cloud is still re-checked).",
        spec.int(0, 100),
        3,
        'VIPD_OS_REANNOUNCE_COUNT',
      ),
      delayMs: leaf(
        'After such a re-announcement: a second burst this much later, for a claimant whose own announcement was still going out (keepalived: `garp_lower_prio_delay`); 0 = none.',
        spec.duration(0, 60_000),
        1000,
        'VIPD_OS_REANNOUNCE_DELAY_MS',
      ),
      minIntervalMs: leaf(
        'Least time between two re-announcements of a group, so a peer claiming over and over cannot cause an ARP storm. A claim inside it is deferred to its end, not dropped; the rounds of the burst before cover the wait while this is at most (count - 1) seconds. 0 = no limit.',
        spec.duration(0, 600_000),
        1000,
        'VIPD_OS_REANNOUNCE_MIN_INTERVAL_MS',
      ),
    },
    reconcileIntervalMs: leaf(
      'While MASTER: how often the OS state is compared with the desired one and repaired (link flaps, networkd restarts, OS agents).',
      spec.duration(100, 3_600_000),
      3000,
      'VIPD_OS_RECONCILE_INTERVAL_MS',
    ),
    commandTimeoutMs: leaf(
      'Deadline of one system command (ip, arping); it is killed past it.',
      spec.duration(100, 300_000),
      5000,
      'VIPD_OS_COMMAND_TIMEOUT_MS',
    ),
  },
  metrics: {
    enabled: leaf('Serve Prometheus metrics over HTTP.', spec.boolean(), true, 'VIPD_METRICS_ENABLED'),
    listen: leaf('Address the metrics endpoint listens on (127.0.0.1 = this host only).', spec.ip(), '127.0.0.1', 'VIPD_METRICS_LISTEN'),
    port: leaf('TCP port of the metrics endpoint (the keepalived exporters use 9165 and 9650).', spec.int(1, 65535), 9477, 'VIPD_METRICS_PORT'),
  },
  control: {
    socket: leaf(
      'Unix socket of the control interface (`vipd status`, `vipd switchover`).',
      spec.path(UNIX_SOCKET_PATH_MAX),
      '/run/vipd/control.sock',
      'VIPD_CONTROL_SOCKET',
    ),
  },
  log: {
    level: leaf<VipdConfig['log']['level']>(
      'Least severe level logged (NDJSON on stdout).',
      spec.oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal']),
      'info',
      'VIPD_LOG_LEVEL',
    ),
  },
  groups: leaf<VipdConfig['groups']>('The VRRP-style groups this node takes part in; see "Group items" below. At least one.', spec.list(GROUP_ITEM, 1), null),
} satisfies SchemaOf<VipdConfig>;

export type SchemaNode = { readonly [key: string]: SchemaNode | LeafDef<unknown> };

export function isLeaf(node: SchemaNode | LeafDef<unknown>): node is LeafDef<unknown> {
  return 'default' in node;
}

export interface SchemaLeafEntry {
  readonly path: string;
  readonly leaf: LeafDef<unknown>;
}

/** Every leaf with its dotted path, in schema order. */
export function schemaLeaves(node: SchemaNode = SCHEMA, prefix = ''): SchemaLeafEntry[] {
  return Object.entries(node).flatMap(([key, child]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    return isLeaf(child) ? [{ path, leaf: child }] : schemaLeaves(child, path);
  });
}
