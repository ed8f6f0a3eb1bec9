import { VipdError, asVipdError } from '../errors';
import type { Logger } from '../util/logger';
import { NativeNotifyTransport, type NotifyTransport } from './notify-transport';

export { Watchdog, type WatchdogDeps } from './watchdog';

export interface SdNotifyDeps {
  /** Usually process.env: NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly pid: number;
  readonly logger: Logger;
  /** Builds the transport for NOTIFY_SOCKET; only called when it is set. */
  readonly transport?: (socketPath: string) => NotifyTransport;
}

/**
 * sd_notify(3) for vipd: READY=1, STATUS=, RELOADING=1, STOPPING=1,
 * WATCHDOG=1. Without NOTIFY_SOCKET (not started by systemd, or
 * Type=simple) every call is a no-op. A failed send is logged, never thrown:
 * systemd's own timeouts (start, watchdog) are the consequence that matters.
 */
export class SdNotify {
  readonly enabled: boolean;
  /** Half of WATCHDOG_USEC in ms when systemd expects pings from this process; else null. */
  readonly watchdogIntervalMs: number | null;
  private readonly transport: NotifyTransport | null;
  private readonly logger: Logger;

  /** The daemon's own: this process's environment and PID. */
  static fromEnv(env: Readonly<Record<string, string | undefined>>, logger: Logger): SdNotify {
    return new SdNotify({ env, pid: process.pid, logger });
  }

  /** Throws VIPD_E_SD_NOTIFY when NOTIFY_SOCKET is set but unusable: better at start than a start timeout later. */
  constructor(deps: SdNotifyDeps) {
    this.logger = deps.logger;
    const socketPath = deps.env.NOTIFY_SOCKET;
    if (socketPath === undefined || socketPath === '') {
      this.enabled = false;
      this.transport = null;
      this.watchdogIntervalMs = null;
      return;
    }
    this.transport = (deps.transport ?? ((p: string) => new NativeNotifyTransport(p)))(socketPath);
    this.enabled = true;
    this.watchdogIntervalMs = watchdogIntervalMs(deps.env, deps.pid);
  }

  ready(status?: string): void {
    this.send(status === undefined ? { READY: '1' } : { READY: '1', STATUS: status });
  }

  status(text: string): void {
    this.send({ STATUS: text });
  }

  /** Before re-reading the config on SIGHUP; call ready() when done. */
  reloading(): void {
    this.send({ RELOADING: '1' });
  }

  stopping(status?: string): void {
    this.send(status === undefined ? { STOPPING: '1' } : { STOPPING: '1', STATUS: status });
  }

  watchdog(): void {
    this.send({ WATCHDOG: '1' });
  }

  /** Sends arbitrary assignments (tests, ERRNO=...). Values are forced onto one line. */
  send(fields: Readonly<Record<string, string>>): void {
    if (this.transport === null) return;
    const payload = Buffer.from(encodeAssignments(fields), 'utf8');
    try {
      this.transport.send(payload);
    } catch (e) {
      this.logger.warn({ err: asVipdError(e, 'VIPD_E_SD_NOTIFY'), fields: Object.keys(fields) }, 'systemd notification not delivered');
    }
  }
}

/**
 * "KEY=value\n..." with every value on one line: a STATUS text carrying
 * "\nREADY=1" must not become a second assignment.
 */
export function encodeAssignments(fields: Readonly<Record<string, string>>): string {
  return Object.entries(fields)
    .map(([k, v]) => {
      if (!/^[A-Z_][A-Z0-9_]*$/.test(k)) throw new VipdError('VIPD_E_INTERNAL', `invalid sd_notify field name "${k}"`);
      return `${k}=${v.replace(/[\r\n]+/g, ' ')}`;
    })
    .join('\n');
}

/**
 * systemd's contract (sd_watchdog_enabled): WATCHDOG_USEC is the timeout in
 * microseconds; WATCHDOG_PID, when set, names the one process it applies to.
 * Pinging at half the timeout leaves one missed ping of slack.
 */
export function watchdogIntervalMs(env: Readonly<Record<string, string | undefined>>, pid: number): number | null {
  const usec = env.WATCHDOG_USEC;
  if (usec === undefined || usec === '') return null;
  if (!/^\d+$/.test(usec) || Number(usec) === 0) return null;
  const forPid = env.WATCHDOG_PID;
  if (forPid !== undefined && forPid !== '' && forPid !== String(pid)) return null;
  return Number(usec) / 1000 / 2;
}
