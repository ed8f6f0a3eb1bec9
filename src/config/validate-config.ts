import { loadNativeGarp } from '../os/garp';
import { systemHostFiles, type HostFiles } from './host-files';
import type { InterfaceLookup } from './interfaces';
import { loadConfig } from './loader';
import type { VipdConfig } from './types';

export interface ValidateConfigOptions {
  /** Check the file away from its host: schema and cross-key rules only (CI). */
  readonly offline?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  readonly interfaces?: InterfaceLookup;
  readonly hostFiles?: HostFiles;
  readonly loadArpSender?: () => unknown;
}

/**
 * The one validation `vipd run` (at start and on SIGHUP) and `vipd
 * check-config` share, so check-config accepts exactly what run would start
 * with: schema, cross-key rules, and on the host the key files, interfaces,
 * VIPs against the interface's subnet, hook and tracker programs, the
 * state directory and the native ARP sender. Throws one VIPD_E_CONFIG naming every problem's key.
 */
export function validateConfig(file: string, opts: ValidateConfigOptions = {}): VipdConfig {
  if (opts.offline === true) return loadConfig(file, { env: opts.env, checkFiles: false });
  return loadConfig(file, {
    env: opts.env,
    interfaces: opts.interfaces,
    hostFiles: opts.hostFiles ?? systemHostFiles,
    loadArpSender: opts.loadArpSender ?? ((): unknown => loadNativeGarp()),
  });
}

/** What --offline leaves out, said in its output so nobody reads a pass as "fine on the host". */
export const OFFLINE_SKIPPED = [
  'heartbeat key files',
  'interfaces and the VIPs against their subnets',
  'hook and tracker programs',
  'node.stateDir',
  'the native ARP sender',
] as const;
