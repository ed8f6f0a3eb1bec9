/**
 * The item tables for `groups` and everything inside a group, the single
 * description of them: check-value.ts validates with them and docs.ts documents them.
 * FieldTable<T> makes the compiler reject a table that misses or adds a key
 * of the matching type in types.ts.
 */
import type { GroupConfig, NotifyConfig, PeerConfig, TrackerCommon, TrackerConfig, VipConfig } from './types';
import { defaultsTo, defaultsToKey, FieldDef, FieldTable, ItemSpec, required, spec } from './value-spec';

export const NAME_SPEC = spec.string(/^[A-Za-z0-9._-]{1,64}$/, '1-64 characters from A-Z a-z 0-9 . _ -');
export const INTERFACE_SPEC = spec.string(/^(?!\.\.?$)[^\s/:]{1,15}$/, 'a Linux interface name (1-15 characters, no whitespace, / or :)');
const EIP_ALLOCATION_SPEC = spec.string(/^eipalloc-[0-9a-f]{8,17}$/, 'an Elastic IP allocation id (eipalloc-0123456789abcdef0)');
/** OCID syntax: ocid1.publicip.<realm>.<region, may be empty>[.<future use>].<unique id>. */
const OCI_PUBLIC_IP_SPEC = spec.string(
  /^ocid1\.publicip\.[a-z0-9]+\.[a-z0-9-]*(\.[a-z0-9-]+)?\.[a-z0-9]{1,200}$/,
  'a public IP OCID (ocid1.publicip.oc1.iad.aaaa...)',
);

type Variant<T extends TrackerConfig['type']> = Omit<Extract<TrackerConfig, { type: T }>, keyof TrackerCommon | 'type'>;

const vipFields: FieldTable<Omit<VipConfig, 'family'>> = {
  address: {
    doc: "The floating address (IPv4 or IPv6). Must lie in the subnet of the group interface's primary address.",
    spec: spec.ip(),
    default: required(),
  },
  prefix: {
    doc: "Prefix length put on the interface with the address (1-32 for IPv4, 1-128 for IPv6); null takes the subnet's prefix from the interface's primary address.",
    spec: spec.nullable(spec.int(1, 128)),
    default: defaultsTo(null),
  },
  elasticIpAllocationId: {
    doc: 'AWS only (provider.type aws): Elastic IP allocation to associate with this address when it moves here.',
    spec: spec.nullable(EIP_ALLOCATION_SPEC),
    default: defaultsTo(null),
  },
  reservedPublicIpId: {
    doc: 'OCI only (provider.type oci): reserved public IP to assign to this address when vipd creates its private IP. A private IP that moves keeps its public IP, so no call is needed then.',
    spec: spec.nullable(OCI_PUBLIC_IP_SPEC),
    default: defaultsTo(null),
  },
};

export const VIP_ITEM: ItemSpec = {
  name: 'VIP',
  fields: vipFields,
  shorthand: {
    describe: 'a string "ADDRESS" or "ADDRESS/PREFIX"',
    expand: (text) => {
      const slash = text.indexOf('/');
      if (slash < 0) return { address: text };
      const prefixText = text.slice(slash + 1);
      return { address: text.slice(0, slash), prefix: /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : prefixText };
    },
  },
};

const peerFields: FieldTable<PeerConfig> = {
  id: { doc: "The peer's node.id; adverts from any other id are dropped.", spec: NAME_SPEC, default: required() },
  address: { doc: "Unicast address the peer's heartbeats come from and are sent to.", spec: spec.ip(), default: required() },
  port: { doc: 'UDP port the peer listens on.', spec: spec.int(1, 65535), default: defaultsToKey('heartbeat.port') },
};

export const PEER_ITEM: ItemSpec = { name: 'peer', fields: peerFields };

const trackerCommonFields: FieldTable<TrackerCommon & { type: TrackerConfig['type'] }> = {
  name: { doc: 'Unique within the group; used in logs, metrics and `vipd status`.', spec: NAME_SPEC, default: required() },
  type: {
    doc: "What is checked: a script's exit code, an HTTP status, a TCP connect or an interface's link.",
    spec: spec.oneOf(['script', 'http', 'tcp', 'link']),
    default: required(),
  },
  intervalMs: { doc: 'Time between two checks.', spec: spec.duration(100, 3_600_000), default: defaultsTo(2000) },
  timeoutMs: {
    doc: 'Deadline of one check (a check past it counts as failed); must be shorter than intervalMs.',
    spec: spec.duration(10, 3_600_000),
    default: defaultsTo(1000),
  },
  rise: { doc: 'Consecutive successes before a failing tracker counts as up again.', spec: spec.int(1, 100), default: defaultsTo(2) },
  fall: { doc: 'Consecutive failures before a healthy tracker counts as down.', spec: spec.int(1, 100), default: defaultsTo(2) },
  weight: {
    doc: "keepalived's rule: a positive weight is added to the priority while the tracker is up, a negative one while it is down (the result is clamped to 1-254). 0 means a down tracker puts the group in FAULT.",
    spec: spec.int(-253, 253),
    default: defaultsTo(0),
  },
};

const scriptFields: FieldTable<Variant<'script'>> = {
  command: { doc: 'script: absolute path of the program (run without a shell; exit 0 = up).', spec: spec.path(), default: required() },
  args: { doc: 'script: its arguments.', spec: spec.strings(), default: defaultsTo([]) },
};
const httpFields: FieldTable<Variant<'http'>> = {
  url: { doc: 'http: URL fetched with GET.', spec: spec.url(), default: required() },
  expectStatus: { doc: 'http: the status that counts as up.', spec: spec.int(100, 599), default: defaultsTo(200) },
};
const tcpFields: FieldTable<Variant<'tcp'>> = {
  host: { doc: 'tcp: host to connect to.', spec: spec.host(), default: required() },
  port: { doc: 'tcp: port to connect to.', spec: spec.int(1, 65535), default: required() },
};
const linkFields: FieldTable<Variant<'link'>> = {
  interface: { doc: 'link: interface whose carrier is watched.', spec: INTERFACE_SPEC, default: required() },
};

export const TRACKER_ITEM: ItemSpec = {
  name: 'tracker',
  fields: trackerCommonFields,
  variants: { discriminator: 'type', byValue: { script: scriptFields, http: httpFields, tcp: tcpFields, link: linkFields } },
};

const notifyHook = (when: string): FieldDef => ({
  doc: `Command run when ${when} (argv list, no shell); null = none.`,
  spec: spec.nullable(spec.argv()),
  default: defaultsTo(null),
});

const notifyFields: FieldTable<NotifyConfig> = {
  master: notifyHook('the group becomes MASTER'),
  backup: notifyHook('the group becomes BACKUP'),
  fault: notifyHook('the group enters FAULT'),
  stop: notifyHook('vipd stops the group (shutdown)'),
  timeoutMs: {
    doc: 'A hook still running after this is killed (the failure is logged, never fatal).',
    spec: spec.duration(100, 600_000),
    default: defaultsTo(10_000),
  },
};

export const NOTIFY_ITEM: ItemSpec = { name: 'notify hooks', fields: notifyFields };

const groupFields: FieldTable<GroupConfig> = {
  name: { doc: 'Unique name; used in logs, metrics labels and the control socket.', spec: NAME_SPEC, default: required() },
  id: {
    doc: 'Carried in every heartbeat; unique per daemon and identical on every node of the group (like a VRRP VRID).',
    spec: spec.int(1, 255),
    default: required(),
  },
  priority: {
    doc: 'Election priority; the highest live priority becomes MASTER (VRRP: 255 is reserved, 0 means "resigning").',
    spec: spec.int(1, 254),
    default: defaultsTo(100),
  },
  preempt: { doc: 'Take the VIP back from a live lower-priority master.', spec: spec.boolean(), default: defaultsTo(true) },
  preemptDelayMs: {
    doc: 'Wait this long (at start-up or on seeing a lower-priority master) before preempting.',
    spec: spec.duration(0, 3_600_000),
    default: defaultsTo(0),
  },
  intervalMs: { doc: 'Advertisement interval.', spec: spec.duration(10, 60_000), default: defaultsTo(1000) },
  deadAfter: { doc: 'Missed adverts before the master is declared dead (VRRP uses 3).', spec: spec.int(1, 100), default: defaultsTo(3) },
  claimOnRefusal: {
    doc:
      'Probe the master and take over within about one interval when its host refuses the probes (ICMP port unreachable: its vipd is dead, the host lives), instead of waiting the whole down interval. ' +
      "Needs the peer's kernel to answer: a firewall DROP or a cloud security group that drops the probes, a dead host or a cut link leave only the down timer (`vipd doctor` tells which applies); " +
      'a firewall REJECT in front of a live master is recognised at its next advert (one advert lost just then still means an early takeover). See docs/election.md, "Refused probes".',
    spec: spec.boolean(),
    default: defaultsTo(true),
  },
  interface: { doc: 'Interface that carries the VIPs; its primary address gives their subnet.', spec: INTERFACE_SPEC, default: required() },
  vips: { doc: "Addresses that move together with this group's mastership.", spec: spec.list(VIP_ITEM, 1), default: required() },
  peers: { doc: 'The other node(s) of the group; heartbeats are unicast to each.', spec: spec.list(PEER_ITEM, 1), default: required() },
  trackers: { doc: 'Health checks that lower the priority or force FAULT.', spec: spec.list(TRACKER_ITEM), default: defaultsTo([]) },
  notify: { doc: 'Commands run on state changes.', spec: spec.object(NOTIFY_ITEM), default: defaultsTo({}) },
  servicePorts: {
    doc: 'TCP ports of the service behind the VIPs; `vipd doctor` checks something listens on them (on a VIP or the wildcard address).',
    spec: spec.ports(),
    default: defaultsTo([]),
  },
};

export const GROUP_ITEM: ItemSpec = { name: 'group', fields: groupFields };

/** Every item table, in the order the docs present them. */
export const ITEM_TABLES: readonly { readonly key: string; readonly item: ItemSpec }[] = [
  { key: 'groups[]', item: GROUP_ITEM },
  { key: 'groups[].vips[]', item: VIP_ITEM },
  { key: 'groups[].peers[]', item: PEER_ITEM },
  { key: 'groups[].trackers[]', item: TRACKER_ITEM },
  { key: 'groups[].notify', item: NOTIFY_ITEM },
];
