import { VipdError } from '../../src/errors';

/**
 * The configuration files a failover scenario writes, as pure functions:
 * one vipd YAML document (as a plain object) and one keepalived.conf per
 * node, both describing the same pair (same VIP, interval, priorities,
 * unicast peers) so the benchmark compares like with like.
 */
export const SCENARIO_VIP = '10.0.1.100';
export const SCENARIO_VIP_PREFIX = 24;
export const SCENARIO_GROUP = 'web';
export const SCENARIO_GROUP_ID = 1;
export const HEARTBEAT_PORT = 9476;
export const METRICS_PORT = 9477;
export const SERVICE_PORT = 8080;
export const SCENARIO_INTERFACE = 'eth0';

/** Node 1 is the preferred master (200), the last node the least preferred (100). */
export function scenarioPriority(node: number, nodes: number): number {
  if (!Number.isInteger(node) || node < 1 || node > nodes) throw new VipdError('VIPD_E_INTERNAL', `node ${node} is not one of 1-${nodes}`);
  if (nodes === 1) return 200;
  return 200 - Math.round((100 * (node - 1)) / (nodes - 1));
}

export interface ScenarioNodeAddress {
  readonly id: string;
  readonly address: string;
}

export interface VipdNodeConfigInput {
  readonly self: ScenarioNodeAddress;
  readonly peers: readonly ScenarioNodeAddress[];
  readonly priority: number;
  readonly intervalMs: number;
  readonly keyFile: string;
  readonly controlSocket: string;
  /** node.stateDir: per node, never the host's /var/lib/vipd (a saved maintenance there would leak into every run). */
  readonly stateDir: string;
  /** The `provider` section (provider none, or what a cloud plug-in supplies). */
  readonly provider: Readonly<Record<string, unknown>>;
  readonly vip?: string;
  /** Every VIP of the group (overrides `vip`). */
  readonly vips?: readonly string[];
  /** More groups on the pair, one VIP each (group k: name gk, id k, VIP extraGroupVips[k-2]). */
  readonly extraGroupVips?: readonly string[];
}

/** The scenario's VIPs for a group of `count`: SCENARIO_VIP and the addresses after it. */
export function scenarioVips(count: number): string[] {
  if (!Number.isInteger(count) || count < 1 || count > 100) throw new VipdError('VIPD_E_CONFIG', `VIP count must be 1-100, got ${count}`);
  const base = Number(SCENARIO_VIP.split('.')[3]);
  return Array.from({ length: count }, (_, k) => `10.0.1.${base + k}`);
}

export function vipdNodeConfig(input: VipdNodeConfigInput): Record<string, unknown> {
  return {
    node: { id: input.self.id, stateDir: input.stateDir },
    heartbeat: { bind: input.self.address, port: HEARTBEAT_PORT, keyFile: input.keyFile },
    provider: input.provider,
    os: { enabled: true, policyRouting: true },
    metrics: { enabled: true, listen: input.self.address, port: METRICS_PORT },
    control: { socket: input.controlSocket },
    log: { level: 'info' },
    groups: [
      {
        name: SCENARIO_GROUP,
        id: SCENARIO_GROUP_ID,
        priority: input.priority,
        intervalMs: `${input.intervalMs}ms`,
        interface: SCENARIO_INTERFACE,
        vips: [...(input.vips ?? [input.vip ?? SCENARIO_VIP])],
        peers: input.peers.map((p) => ({ id: p.id, address: p.address })),
      },
      ...(input.extraGroupVips ?? []).map((vip, k) => ({
        name: `g${k + 2}`,
        id: k + 2,
        priority: input.priority,
        intervalMs: `${input.intervalMs}ms`,
        interface: SCENARIO_INTERFACE,
        vips: [vip],
        peers: input.peers.map((p) => ({ id: p.id, address: p.address })),
      })),
    ],
  };
}

/** keepalived's advert_int in seconds; VRRPv3 counts in centiseconds, so 10 ms is its floor and step. */
export function advertIntSeconds(intervalMs: number): string {
  if (!Number.isInteger(intervalMs) || intervalMs < 10 || intervalMs % 10 !== 0 || intervalMs > 40_950) {
    throw new VipdError('VIPD_E_CONFIG', `keepalived (VRRPv3) needs an advert interval that is a multiple of 10 ms, 10 ms-40.95 s; got ${intervalMs} ms`);
  }
  return String(intervalMs / 1000);
}

export interface KeepalivedConfigInput {
  readonly self: ScenarioNodeAddress;
  readonly peers: readonly ScenarioNodeAddress[];
  readonly priority: number;
  readonly intervalMs: number;
  readonly vip?: string;
  /**
   * The cloud variant (keepalived-notify.ts): this script is
   * called as notify_master/backup/fault "SCRIPT STATE". virtual_ipaddress
   * stays: keepalived 2.2.7 refuses an instance without one ("No VIP
   * specified"), and the guides keep it too.
   */
  readonly notifyScript?: string;
}

/**
 * VRRPv3, unicast, both nodes starting as BACKUP (the higher priority
 * claims after Master_Down_Interval, as vipd's does). One statement per
 * line: keepalived does not split `global_defs { a; b; }` and silently
 * ignored `vrrp_version 3` written that way.
 */
export function keepalivedConfig(input: KeepalivedConfigInput): string {
  const vip = input.vip ?? SCENARIO_VIP;
  const script = input.notifyScript;
  if (script !== undefined && !/^\/[^\s"'\\]+$/.test(script)) {
    throw new VipdError('VIPD_E_CONFIG', `keepalived notify script must be an absolute path without spaces or quotes, got "${script}"`);
  }
  const notify = script === undefined ? [] : (['master', 'backup', 'fault'] as const).map((state) => `    notify_${state} "${script} ${state}"`);
  return [
    'global_defs {',
    `    router_id ${input.self.id}`,
    '    vrrp_version 3',
    '    script_user root',
    '    enable_script_security',
    '}',
    '',
    `vrrp_instance ${SCENARIO_GROUP} {`,
    '    state BACKUP',
    `    interface ${SCENARIO_INTERFACE}`,
    `    virtual_router_id ${SCENARIO_GROUP_ID}`,
    `    priority ${input.priority}`,
    `    advert_int ${advertIntSeconds(input.intervalMs)}`,
    `    unicast_src_ip ${input.self.address}`,
    '    unicast_peer {',
    ...input.peers.map((p) => `        ${p.address}`),
    '    }',
    '    virtual_ipaddress {',
    `        ${vip}/${SCENARIO_VIP_PREFIX} dev ${SCENARIO_INTERFACE}`,
    '    }',
    ...notify,
    '}',
    '',
  ].join('\n');
}
