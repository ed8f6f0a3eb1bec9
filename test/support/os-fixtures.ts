import type { GroupConfig, OsConfig, VipConfig } from '../../src/config/types';
import { vipValue } from '../../src/config/vip-values';

/** Config fragments for OS and lab tests. */
export function osConfig(overrides: Partial<OsConfig> = {}): OsConfig {
  return {
    enabled: true,
    policyRouting: true,
    tableBase: 3400,
    rulePriority: 3400,
    gateway: null,
    arp: { sender: 'arping', count: 1, repeatDelayMs: 2000, refreshIntervalMs: 0 },
    reannounce: { count: 1, delayMs: 0, minIntervalMs: 1000 },
    reconcileIntervalMs: 1000,
    commandTimeoutMs: 10_000,
    ...overrides,
  };
}

/** A VIP as the loader hands it on: canonical address text and its family. */
export function vip(address: string, prefix: number | null = null): VipConfig {
  return vipValue({ address, prefix, elasticIpAllocationId: null, reservedPublicIpId: null }, 'test VIP');
}

export function group(overrides: Partial<GroupConfig> & { vips: readonly VipConfig[] }): GroupConfig {
  return {
    name: 'web',
    id: 1,
    priority: 100,
    preempt: true,
    preemptDelayMs: 0,
    intervalMs: 100,
    deadAfter: 3,
    claimOnRefusal: true,
    servicePorts: [],
    interface: 'eth0',
    peers: [],
    trackers: [],
    notify: { master: null, backup: null, fault: null, stop: null, timeoutMs: 1000 },
    ...overrides,
  };
}
