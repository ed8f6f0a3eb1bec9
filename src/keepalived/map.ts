/**
 * A keepalived statement tree (parse.ts) mapped onto a vipd configuration
 * document, with a note for everything read that vipd cannot carry over.
 * Pure: the caller decides the node id fallback and where the key file lives.
 *
 * Node ids: with unicast_src_ip, every node's id is derived from its own
 * address (`node-10.0.0.1`), so the two files imported on the two nodes name
 * each other consistently without any coordination.
 */
import { isIP } from 'node:net';
import { toArgv } from './command-line';
import type { KeepalivedStatement } from './parse';

export interface ImportOptions {
  /** --node-id: wins over the id derived from unicast_src_ip. */
  readonly nodeId: string | null;
  /** Used when neither --node-id nor unicast_src_ip gives one (the CLI passes the host name). */
  readonly fallbackNodeId: string;
  /** --peer ID=ADDRESS: the peers of instances that have no unicast_peer (keepalived's multicast), and the id of a unicast_peer at that address. */
  readonly peers: readonly { readonly id: string; readonly address: string }[];
  readonly keyFile: string;
}

export interface ImportNote {
  /** `file:line` of what the note is about. */
  readonly at: string;
  readonly message: string;
}

export interface ImportResult {
  /** The vipd configuration document (what `vipd run --config` reads, as YAML). */
  readonly config: Record<string, unknown>;
  readonly notes: readonly ImportNote[];
}

interface ScriptDef {
  readonly at: string;
  readonly line: string | null;
  readonly intervalMs: number;
  readonly timeoutMs: number | null;
  readonly weight: number;
  readonly rise: number;
  readonly fall: number;
}

type Hooks = Partial<Record<'master' | 'backup' | 'fault' | 'stop', string[]>>;

interface SyncGroup {
  readonly hooks: Hooks;
  readonly at: string;
  readonly members: readonly string[];
}

const NAME_OK = /^[A-Za-z0-9._-]{1,64}$/;
const HOOK_KEYWORDS = { notify_master: 'master', notify_backup: 'backup', notify_fault: 'fault', notify_stop: 'stop' } as const;

/** Instance keywords vipd has no counterpart for, with what to do instead. */
const NOT_CARRIED: Readonly<Record<string, string>> = {
  smtp_alert: 'vipd sends no e-mail; alert on its metrics (alerts/vipd.rules.yml)',
  use_vmac: 'vipd uses no virtual MAC; gratuitous ARP (os.arp) moves the VIP',
  vmac_xmit_base: 'vipd uses no virtual MAC',
  virtual_routes: 'vipd adds no routes besides its policy routing; add them in a notify hook',
  virtual_rules: 'vipd adds no rules besides its policy routing; add them in a notify hook',
  native_ipv6: "vipd's heartbeat is its own authenticated UDP protocol, not VRRP",
  mcast_src_ip: 'vipd heartbeats are unicast UDP: set heartbeat.bind if the source address matters',
  dont_track_primary: 'vipd watches only the interfaces named by link trackers',
  track_process: 'write a script tracker (e.g. /usr/bin/pgrep -x NAME)',
  track_file: 'write a script tracker that reads the file',
  track_bfd: 'vipd has no BFD tracker',
  garp_master_delay: 'gratuitous ARP is set for the whole node in os.arp (count, repeatDelayMs, refreshIntervalMs)',
  garp_master_repeat: 'gratuitous ARP is set for the whole node in os.arp.count',
  garp_master_refresh: 'gratuitous ARP is set for the whole node in os.arp.refreshIntervalMs',
  garp_master_refresh_repeat: 'gratuitous ARP is set for the whole node in os.arp',
  garp_lower_prio_delay: 'gratuitous ARP is set for the whole node in os.arp',
  garp_lower_prio_repeat: 'gratuitous ARP is set for the whole node in os.arp',
  lvs_sync_daemon_interface: 'vipd does not drive the IPVS sync daemon',
  notify_master_rx_lower_pri: 'vipd has no hook for this event',
  notify_deleted: 'vipd has no hook for this event',
  unicast_ttl: 'vipd heartbeats are authenticated by HMAC; the TTL is not checked',
  unicast_fault_no_peer: 'a vipd group always needs its peers (the config does not load without them)',
  check_unicast_src: 'vipd accepts adverts only from the configured peer addresses',
  accept: 'vipd does not filter traffic to the VIP',
  no_accept: 'vipd does not filter traffic to the VIP',
  strict_mode: 'not needed: vipd has no VRRP compatibility mode',
  debug: 'set log.level instead',
};

export function mapKeepalived(tree: readonly KeepalivedStatement[], opts: ImportOptions): ImportResult {
  const notes: ImportNote[] = [];
  const note = (at: string, message: string): void => {
    notes.push({ at, message });
  };
  const scripts = new Map<string, ScriptDef>();
  const syncHooks = new Map<string, SyncGroup>();
  const instances: KeepalivedStatement[] = [];
  let routerId: string | null = null;
  let vrrpVersion = 2;

  for (const s of tree) {
    const [keyword = '', name] = s.words;
    switch (keyword) {
      case 'vrrp_instance':
        instances.push(s);
        break;
      case 'vrrp_script':
        if (name === undefined) note(s.at, 'vrrp_script without a name ignored');
        else scripts.set(name, readScript(s, note));
        break;
      case 'vrrp_sync_group':
        readSyncGroup(s, syncHooks, note);
        break;
      case 'global_defs':
        for (const g of s.block ?? []) {
          const [k = '', v] = g.words;
          if (k === 'router_id' && v !== undefined) routerId = v;
          else if (k === 'vrrp_version' && (v === '2' || v === '3')) vrrpVersion = Number(v);
          else if (k === 'script_user' || k === 'enable_script_security') {
            note(g.at, `global_defs ${k}: vipd runs hooks and script trackers as its own user (vipd) inside the unit's sandbox (docs/trackers.md)`);
          } else note(g.at, `global_defs ${k} is not carried over`);
        }
        break;
      case 'virtual_server':
      case 'virtual_server_group':
        note(
          s.at,
          `${keyword} ${s.words.slice(1).join(' ')} is not carried over: vipd moves IPs and does not drive IPVS; keep keepalived's checker (or ipvsadm) for load balancing`,
        );
        break;
      case 'static_ipaddress':
      case 'static_routes':
      case 'static_rules':
        note(s.at, `${keyword} is not carried over: configure it with the OS (systemd-networkd, ifupdown), vipd only adds the VIPs`);
        break;
      default:
        note(s.at, `${s.words.join(' ')} is not carried over (vipd has no counterpart)`);
    }
  }

  const srcIps = new Set<string>();
  for (const inst of instances) {
    for (const s of inst.block ?? []) {
      if (s.words[0] !== 'unicast_src_ip') continue;
      const address = s.words[1] ?? '';
      if (isIP(address) === 0) note(s.at, `unicast_src_ip ${address} is not an IP address (an undefined $PARAMETER or @id line?): ignored`);
      else srcIps.add(address);
    }
  }
  const everyInstanceHasSrc = instances.every((inst) => (inst.block ?? []).some((x) => x.words[0] === 'unicast_src_ip' && isIP(x.words[1] ?? '') !== 0));
  const sharedSrc = srcIps.size === 1 && everyInstanceHasSrc ? ([...srcIps][0] as string) : null;
  if (srcIps.size > 1)
    note(instances[0]?.at ?? '', `instances use different unicast_src_ip (${[...srcIps].join(', ')}): heartbeat.bind stays the wildcard address`);
  const nodeId = opts.nodeId ?? (sharedSrc !== null ? nodeIdFor(sharedSrc) : (routerIdAsNodeId(routerId) ?? opts.fallbackNodeId));

  const groups: Record<string, unknown>[] = [];
  const usedIds = new Set<number>();
  const usedNames = new Set<string>();
  let authNoted = false;
  for (const inst of instances) {
    const group = mapInstance(inst, { scripts, syncHooks, usedIds, usedNames, peers: opts.peers, vrrpVersion, note });
    if (group === null) continue;
    groups.push(group);
    if (!authNoted && (inst.block ?? []).some((s) => s.words[0] === 'authentication')) {
      authNoted = true;
      note(
        inst.at,
        `authentication (auth_pass) is not copied: vipd signs every heartbeat with HMAC-SHA256 and a key file. Create one key and give it to every node: ` +
          `head -c 32 /dev/urandom | base64 > ${opts.keyFile} && chmod 600 ${opts.keyFile}, then copy the same file to the peers (mode 0600)`,
      );
    }
  }
  const derivedPeerIds = groups.some((g) =>
    (g.peers as { id: string; address: string }[]).some((p) => p.id === nodeIdFor(p.address) && !opts.peers.some((o) => o.address === p.address)),
  );
  if (derivedPeerIds && (opts.nodeId !== null || sharedSrc === null)) {
    note(
      '',
      `peers are named after their addresses (node-ADDRESS) while this node is ${nodeId}: a node's node.id must be what its peers call it, in every group. ` +
        'Run the import on each node with --node-id ID and --peer ID=ADDRESS (one per address of each peer), or edit node.id and peers[].id',
    );
  }
  if (!authNoted)
    note(
      '',
      `create the heartbeat key every node shares: head -c 32 /dev/urandom | base64 > ${opts.keyFile} && chmod 600 ${opts.keyFile}, copied to each peer (mode 0600)`,
    );
  if (instances.length === 0) note('', 'no vrrp_instance found: the vipd config has no group and will not load until one is added');

  const peerFamilies = new Set(groups.flatMap((g) => (g.peers as { address: string }[]).map((p) => isIP(p.address))));
  const heartbeat: Record<string, unknown> = { keyFile: opts.keyFile };
  if (sharedSrc !== null && (peerFamilies.size === 0 || (peerFamilies.size === 1 && peerFamilies.has(isIP(sharedSrc))))) heartbeat.bind = sharedSrc;
  else if (peerFamilies.has(6)) heartbeat.bind = '::'; // IPv4 and IPv6 peers on one dual-stack socket
  const config: Record<string, unknown> = {
    node: { id: nodeId },
    heartbeat,
    provider: { type: 'none' },
    // keepalived adds no policy rules: keeping replies on the main table's routes changes nothing on the wire.
    os: { policyRouting: false },
    groups,
  };
  return { config, notes };
}

interface InstanceContext {
  readonly scripts: ReadonlyMap<string, ScriptDef>;
  readonly syncHooks: ReadonlyMap<string, SyncGroup>;
  readonly usedIds: Set<number>;
  readonly usedNames: Set<string>;
  readonly peers: ImportOptions['peers'];
  readonly vrrpVersion: number;
  readonly note: (at: string, message: string) => void;
}

function mapInstance(inst: KeepalivedStatement, ctx: InstanceContext): Record<string, unknown> | null {
  const { note } = ctx;
  const rawName = inst.words[1] ?? 'group';
  const name = uniqueName(sanitizeName(rawName), ctx.usedNames);
  if (name !== rawName) note(inst.at, `vrrp_instance ${rawName} is named ${name} in vipd (group names are 1-64 of A-Z a-z 0-9 . _ - and unique)`);
  let vrid: number | null = null;
  let priority = 100;
  let intervalMs = 1000;
  let preempt = true;
  let preemptDelayMs = 0;
  let iface: string | null = null;
  const vipLines: { line: KeepalivedStatement; excluded: boolean }[] = [];
  const peers: { id: string; address: string }[] = [];
  const trackers: Record<string, unknown>[] = [];
  const hooks: Hooks = {};
  let genericNotify: KeepalivedStatement | null = null;
  let hadUnicastPeer = false;
  let stateMaster: KeepalivedStatement | null = null;
  let advertSeconds: { text: string; at: string } | null = null;
  let version = ctx.vrrpVersion;
  let family: number | null = null;

  for (const s of inst.block ?? []) {
    const [k = '', v] = s.words;
    switch (k) {
      case 'virtual_router_id':
        vrid = intIn(v, 1, 255);
        if (vrid === null) note(s.at, `virtual_router_id ${v ?? ''} is not 1-255`);
        break;
      case 'priority': {
        const p = intIn(v, 1, 255);
        if (p === null) note(s.at, `priority ${v ?? ''} is not 1-255: vipd's default 100 is used`);
        else if (p === 255) {
          priority = 254;
          note(s.at, 'priority 255 (address owner) becomes 254: vipd has no address owner, the highest priority wins');
        } else priority = p;
        break;
      }
      case 'advert_int':
        advertSeconds = { text: v ?? '', at: s.at };
        break;
      case 'version':
        if (v === '2' || v === '3') version = Number(v);
        note(s.at, `version ${v ?? ''}: vipd's heartbeat is its own authenticated UDP protocol, not VRRP`);
        break;
      case 'nopreempt':
        preempt = false;
        break;
      case 'preempt':
        preempt = true;
        break;
      case 'preempt_delay': {
        const ms = secondsToMs(v);
        if (ms === null || ms > 3_600_000) note(s.at, `preempt_delay ${v ?? ''} is not 0-3600 s: ignored`);
        else preemptDelayMs = ms;
        break;
      }
      case 'state':
        if (v === 'MASTER') stateMaster = s;
        note(s.at, `state ${v ?? ''} is a start-up hint vipd does not need: every node starts as BACKUP and the highest priority becomes MASTER`);
        break;
      case 'interface':
        iface = v ?? null;
        break;
      case 'virtual_ipaddress':
        vipLines.push(...(s.block ?? []).map((l) => ({ line: l, excluded: false })));
        break;
      case 'virtual_ipaddress_excluded':
        vipLines.push(...(s.block ?? []).map((l) => ({ line: l, excluded: true })));
        break;
      case 'unicast_src_ip':
        family = isIP(v ?? '') || family; // also read for node.id and heartbeat.bind
        break;
      case 'unicast_peer':
        hadUnicastPeer = true;
        for (const p of s.block ?? []) {
          const address = p.words[0] ?? '';
          if (isIP(address) === 0) note(p.at, `unicast_peer ${address} is not an IP address: skipped`);
          else peers.push({ id: ctx.peers.find((o) => o.address === address)?.id ?? nodeIdFor(address), address });
          if (p.words.length > 1) note(p.at, `unicast_peer options ${p.words.slice(1).join(' ')} are not carried over (vipd authenticates adverts by HMAC)`);
        }
        break;
      case 'track_interface':
        for (const t of s.block ?? []) trackers.push(...linkTracker(t, note));
        break;
      case 'track_script':
        for (const t of s.block ?? []) trackers.push(...scriptTracker(t, ctx.scripts, note));
        break;
      case 'notify_master':
      case 'notify_backup':
      case 'notify_fault':
      case 'notify_stop': {
        const argv = hookArgv(s, note);
        if (argv !== null) hooks[HOOK_KEYWORDS[k]] = argv;
        break;
      }
      case 'notify':
        genericNotify = s;
        break;
      case 'authentication':
        break; // one note for the whole file, from the caller
      default:
        note(s.at, `${k} is not carried over${NOT_CARRIED[k] !== undefined ? `: ${NOT_CARRIED[k]}` : ''}`);
    }
  }

  if (vrid === null) {
    note(inst.at, `vrrp_instance ${rawName} has no valid virtual_router_id: skipped`);
    return null;
  }
  if (ctx.usedIds.has(vrid)) {
    let free = 1;
    while (ctx.usedIds.has(free)) free++;
    note(
      inst.at,
      `vrrp_instance ${rawName}: virtual_router_id ${vrid} is used by an earlier instance (keepalived allows it on another interface, vipd ids are unique per node): id ${free} is used; import the peer's file the same way so both agree`,
    );
    vrid = free;
  }
  ctx.usedIds.add(vrid);
  if (iface === null) {
    note(inst.at, `vrrp_instance ${rawName} has no interface: skipped`);
    return null;
  }

  if (advertSeconds !== null) {
    const ms = secondsToMs(advertSeconds.text);
    if (ms === null || ms < 10 || ms > 60_000) note(advertSeconds.at, `advert_int ${advertSeconds.text} is outside vipd's 10 ms-60 s: 1 s is used`);
    else if (version === 2 && ms % 1000 !== 0) {
      // What keepalived itself runs: VRRPv2 carries whole seconds.
      intervalMs = Math.max(1000, Math.round(ms / 1000) * 1000);
      note(
        advertSeconds.at,
        `advert_int ${advertSeconds.text} under VRRPv2 is rounded by keepalived to ${intervalMs / 1000} s, so vipd uses ${intervalMs} ms; set intervalMs lower to get the sub-second adverts meant`,
      );
    } else intervalMs = ms;
  }
  if (!preempt && stateMaster !== null) {
    preempt = true;
    note(stateMaster.at, 'nopreempt with state MASTER is ignored by keepalived (it preempts): vipd preempts too; set preempt: false if you meant it');
  }
  family ??= peers.map((p) => isIP(p.address)).find((f) => f !== 0) ?? null;
  family ??=
    vipLines
      .filter((v) => !v.excluded)
      .map((v) => isIP((v.line.words[0] ?? '').split('/')[0] ?? ''))
      .find((f) => f !== 0) ?? null;
  const vips = mapVips(vipLines, iface, family, note);
  if (!hadUnicastPeer) {
    if (ctx.peers.length > 0) peers.push(...ctx.peers.map((p) => ({ id: p.id, address: p.address })));
    else
      note(
        inst.at,
        `vrrp_instance ${rawName} uses multicast VRRP (no unicast_peer): vipd heartbeats are unicast, so name the other node(s) with --peer ID=ADDRESS or add groups[].peers by hand; the config does not load without them`,
      );
  }

  if (genericNotify !== null) {
    const line = genericNotify.words[1];
    if (line === undefined) note(genericNotify.at, 'notify without a script ignored');
    for (const [state, key] of [
      ['MASTER', 'master'],
      ['BACKUP', 'backup'],
      ['FAULT', 'fault'],
      ['STOP', 'stop'],
    ] as const) {
      if (line === undefined) break;
      if (hooks[key] !== undefined) {
        note(genericNotify.at, `notify ${line} is not run on ${state}: vipd runs one hook per state and notify_${key} is set (keepalived runs both)`);
        continue;
      }
      hooks[key] = [...toArgv(line, ['INSTANCE', rawName, state, String(priority)]).argv];
    }
  }
  for (const [syncName, sync] of ctx.syncHooks) {
    if (!sync.members.includes(rawName)) continue;
    for (const key of ['master', 'backup', 'fault', 'stop'] as const) {
      const argv = sync.hooks[key];
      if (argv === undefined) continue;
      if (hooks[key] === undefined) hooks[key] = argv;
      else note(sync.at, `vrrp_sync_group ${syncName}'s notify_${key} is not run for ${rawName}: its own notify_${key} is (vipd runs one hook per state)`);
    }
  }

  const group: Record<string, unknown> = { name, id: vrid, priority, preempt };
  if (preemptDelayMs > 0) group.preemptDelayMs = `${preemptDelayMs}ms`;
  group.intervalMs = `${intervalMs}ms`;
  group.interface = iface;
  group.vips = vips;
  group.peers = peers;
  if (trackers.length > 0) group.trackers = dedupeTrackerNames(trackers);
  if (Object.keys(hooks).length > 0) group.notify = hooks;
  return group;
}

function mapVips(
  lines: readonly { line: KeepalivedStatement; excluded: boolean }[],
  iface: string,
  instanceFamily: number | null,
  note: (at: string, m: string) => void,
): string[] {
  const vips: string[] = [];
  const seen = new Set<string>();
  for (const { line: l, excluded } of lines) {
    const [spec = '', ...options] = l.words;
    const slash = spec.indexOf('/');
    const address = slash < 0 ? spec : spec.slice(0, slash);
    const family = isIP(address);
    if (family === 0) {
      note(l.at, `virtual_ipaddress ${spec} is not an address (ranges and names are not supported): skipped`);
      continue;
    }
    if (!excluded && instanceFamily !== null && family !== instanceFamily) {
      note(
        l.at,
        `virtual_ipaddress ${spec} is of another address family than the instance: keepalived ignores it, so it is skipped (list it in virtual_ipaddress_excluded to keep it)`,
      );
      continue;
    }
    const full = family === 4 ? 32 : 128;
    const prefix = slash < 0 ? full : intIn(spec.slice(slash + 1), 1, full);
    if (prefix === null) {
      note(l.at, `virtual_ipaddress ${spec}: the prefix is not 1-${full}: skipped`);
      continue;
    }
    const dev = valueAfter(options, 'dev');
    if (dev !== null && dev !== iface) {
      note(l.at, `virtual_ipaddress ${spec} dev ${dev} is skipped: a vipd group puts its VIPs on its one interface (${iface}); make another group for ${dev}`);
      continue;
    }
    const ignored = options.filter((o, i) => !(o === 'dev' || options[i - 1] === 'dev'));
    if (ignored.length > 0) note(l.at, `virtual_ipaddress ${spec}: options ${ignored.join(' ')} are not carried over (vipd adds ADDRESS/PREFIX only)`);
    const key = `${address}/${prefix}`;
    if (seen.has(address)) {
      note(l.at, `virtual_ipaddress ${spec} is listed twice: kept once`);
      continue;
    }
    seen.add(address);
    // keepalived adds an address without a mask as a host address (/32, /128): the same here.
    vips.push(key);
  }
  return vips;
}

function linkTracker(t: KeepalivedStatement, note: (at: string, m: string) => void): Record<string, unknown>[] {
  const [iface = '', ...rest] = t.words;
  const weight = weightOf(rest, t.at, note);
  if (weight === null) return [];
  // keepalived reacts to netlink at once: one failed or passed check is enough here too.
  return [{ name: sanitizeName(`link-${iface}`), type: 'link', interface: iface, weight, rise: 1, fall: 1 }];
}

function scriptTracker(t: KeepalivedStatement, scripts: ReadonlyMap<string, ScriptDef>, note: (at: string, m: string) => void): Record<string, unknown>[] {
  const [name = '', ...rest] = t.words;
  const def = scripts.get(name);
  if (def === undefined) {
    note(t.at, `track_script ${name}: no vrrp_script of that name: skipped`);
    return [];
  }
  if (def.line === null) return [];
  const override = rest.length > 0 ? weightOf(rest, t.at, note) : def.weight;
  if (override === null) return [];
  const cmd = toArgv(def.line);
  if (cmd.viaShell)
    note(
      def.at,
      `vrrp_script ${name}: "${def.line}" needs a shell (or PATH lookup) and runs as /bin/sh -c; an absolute path without shell syntax runs directly`,
    );
  const [command = '', ...args] = cmd.argv;
  // vipd needs a check to end before the next starts; keepalived lets the timeout reach the interval.
  const cap = def.intervalMs - Math.max(10, Math.round(def.intervalMs / 10));
  const timeoutMs = Math.min(def.timeoutMs ?? cap, cap);
  if (def.timeoutMs !== null && def.timeoutMs > cap)
    note(def.at, `vrrp_script ${name}: timeout ${def.timeoutMs / 1000} s becomes ${timeoutMs} ms (vipd's timeout must be shorter than the interval)`);
  return [
    {
      name: sanitizeName(name),
      type: 'script',
      command,
      args,
      intervalMs: `${def.intervalMs}ms`,
      timeoutMs: `${timeoutMs}ms`,
      rise: def.rise,
      fall: def.fall,
      weight: override,
    },
  ];
}

/** `weight N` (keepalived's -253..253) or nothing (0: down means FAULT). `reverse` has no counterpart. */
function weightOf(words: readonly string[], at: string, note: (at: string, m: string) => void): number | null {
  if (words.length === 0) return 0;
  if (words[0] !== 'weight') {
    note(at, `options ${words.join(' ')} are not understood: tracker skipped`);
    return null;
  }
  const w = intIn(words[1], -253, 253);
  if (w === null) {
    note(at, `weight ${words[1] ?? ''} is not -253..253: tracker skipped`);
    return null;
  }
  if (words.slice(2).includes('reverse')) {
    note(at, `weight ${w} reverse has no counterpart in vipd: tracker skipped`);
    return null;
  }
  return w;
}

function readScript(s: KeepalivedStatement, note: (at: string, m: string) => void): ScriptDef {
  let line: string | null = null;
  let intervalMs = 1000;
  let timeoutMs: number | null = null;
  let weight = 0;
  let rise = 1;
  let fall = 1;
  for (const p of s.block ?? []) {
    const [k = '', v] = p.words;
    const seconds = secondsToMs(v);
    switch (k) {
      case 'script':
        line = v ?? null;
        if (p.words.length > 2) note(p.at, `script user ${p.words.slice(2).join(' ')} is not carried over: trackers run as user vipd`);
        break;
      case 'interval':
        if (seconds !== null && seconds >= 100) intervalMs = seconds;
        else note(p.at, `interval ${v ?? ''} is below vipd's 100 ms or not a number: 1 s is used`);
        break;
      case 'timeout':
        if (seconds !== null && seconds >= 10) timeoutMs = seconds;
        else note(p.at, `timeout ${v ?? ''} is not a number of seconds: ignored`);
        break;
      case 'weight': {
        const w = intIn(v, -253, 253);
        if (w === null) note(p.at, `weight ${v ?? ''} is not -253..253: 0 is used`);
        else weight = w;
        if (p.words.includes('reverse')) note(p.at, 'weight ... reverse has no counterpart in vipd: the weight applies in the usual direction');
        break;
      }
      case 'rise':
      case 'fall': {
        const n = intIn(v, 1, 100);
        if (n === null) note(p.at, `${k} ${v ?? ''} is not 1-100: 1 is used`);
        else if (k === 'rise') rise = n;
        else fall = n;
        break;
      }
      default:
        note(p.at, `vrrp_script ${s.words[1] ?? ''}: ${k} is not carried over`);
    }
  }
  if (line === null) note(s.at, `vrrp_script ${s.words[1] ?? ''} has no script: the trackers using it are skipped`);
  return { at: s.at, line, intervalMs, timeoutMs, weight, rise, fall };
}

function readSyncGroup(s: KeepalivedStatement, out: Map<string, SyncGroup>, note: (at: string, m: string) => void): void {
  const name = s.words[1] ?? '';
  const members: string[] = [];
  const hooks: Hooks = {};
  for (const p of s.block ?? []) {
    const k = p.words[0] ?? '';
    if (k === 'group') members.push(...(p.block ?? []).map((m) => m.words[0] ?? ''));
    else if (k in HOOK_KEYWORDS) {
      const argv = hookArgv(p, note);
      if (argv !== null) hooks[HOOK_KEYWORDS[k as keyof typeof HOOK_KEYWORDS]] = argv;
    } else note(p.at, `vrrp_sync_group ${name}: ${k} is not carried over`);
  }
  note(
    s.at,
    `vrrp_sync_group ${name} (${members.join(', ')}): vipd groups fail over one by one; give the members the same priorities on each node so they move together. Its notify hooks are given to members that have none`,
  );
  out.set(name, { hooks, at: s.at, members });
}

function hookArgv(s: KeepalivedStatement, note: (at: string, m: string) => void): string[] | null {
  const [k = '', line, ...user] = s.words;
  if (line === undefined) {
    note(s.at, `${k} without a script ignored`);
    return null;
  }
  if (user.length > 0) note(s.at, `${k}: user ${user.join(' ')} is not carried over: hooks run as user vipd`);
  const cmd = toArgv(line);
  if (cmd.viaShell) note(s.at, `${k} "${line}" needs a shell (or PATH lookup) and runs as /bin/sh -c`);
  return [...cmd.argv];
}

function dedupeTrackerNames(trackers: Record<string, unknown>[]): Record<string, unknown>[] {
  const used = new Set<string>();
  return trackers.map((t) => ({ ...t, name: uniqueName(String(t.name), used) }));
}

/** The id a node with this heartbeat address gets: both nodes' imports derive the same ids. */
export function nodeIdFor(address: string): string {
  return sanitizeName(`node-${address.replace(/:/g, '-')}`);
}

function routerIdAsNodeId(routerId: string | null): string | null {
  // LVS_DEVEL is the sample files' router_id, kept by many copies: every node would get the same id.
  return routerId !== null && NAME_OK.test(routerId) && routerId !== 'LVS_DEVEL' ? routerId : null;
}

function sanitizeName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64);
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? 'unnamed' : cleaned;
}

function uniqueName(name: string, used: Set<string>): string {
  let candidate = name;
  for (let n = 2; used.has(candidate); n++) candidate = `${name.slice(0, 60)}-${n}`;
  used.add(candidate);
  return candidate;
}

function intIn(text: string | undefined, min: number, max: number): number | null {
  if (text === undefined || !/^-?\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}

/** keepalived's times are seconds, with decimals for sub-second adverts (advert_int 0.1). */
function secondsToMs(text: string | undefined): number | null {
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text)) return null;
  return Math.round(Number(text) * 1000);
}

function valueAfter(words: readonly string[], key: string): string | null {
  const i = words.indexOf(key);
  return i < 0 ? null : (words[i + 1] ?? null);
}
