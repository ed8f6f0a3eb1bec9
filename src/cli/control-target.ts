import { existsSync } from 'node:fs';
import { loadConfig } from '../config/loader';
import { asVipdError } from '../errors';

export const DEFAULT_CONFIG = '/etc/vipd/vipd.yaml';
export const DEFAULT_SOCKET = '/run/vipd/control.sock';
/** heartbeat.keyFile of a config `vipd import-keepalived` writes: where install.sh puts the key. */
export const DEFAULT_IMPORT_KEY_FILE = '/etc/vipd/heartbeat.key';

export type ControlTarget = { readonly ok: true; readonly socket: string } | { readonly ok: false; readonly message: string };

/**
 * Where the CLI finds the daemon: `--socket` if given, else `control.socket`
 * of the config (`-c`, default /etc/vipd/vipd.yaml). A config named with -c
 * must load (a typo must not silently talk to another daemon); the default
 * config may be absent, then the default socket is used.
 */
export function controlTarget(opts: { socket?: string; config?: string }, exists: (file: string) => boolean = existsSync): ControlTarget {
  if (opts.socket !== undefined) return { ok: true, socket: opts.socket };
  const file = opts.config ?? DEFAULT_CONFIG;
  if (opts.config === undefined && !exists(file)) return { ok: true, socket: DEFAULT_SOCKET };
  try {
    return { ok: true, socket: loadConfig(file, { checkFiles: false }).control.socket };
  } catch (e) {
    return { ok: false, message: `cannot find the control socket from ${file}: ${asVipdError(e, 'VIPD_E_CONFIG').message}` };
  }
}
