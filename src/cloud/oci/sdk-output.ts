import { format } from 'node:util';
import * as common from 'oci-common';
import type { Logger as OciSdkLogger } from 'oci-common/lib/log';
import type { Logger } from '../../util/logger';

type Write = (...args: unknown[]) => void;

/** The console methods oci-common calls directly. */
export interface ConsoleMethods {
  log: Write;
  info: Write;
  warn: Write;
  error: Write;
  debug: Write;
}

export interface OciSdkOutputTargets {
  readonly console: ConsoleMethods;
  /** oci-common's own logger hook (its LOG namespace), used where it does not call the console. */
  readonly sdkLog: { logger: OciSdkLogger };
}

const METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const;

/**
 * Sends everything oci-common prints into the daemon's log, as JSON lines.
 * The SDK calls the console directly: console.warn on every failed request,
 * console.log (stdout, where vipd's NDJSON goes) on each federation failure
 * and retry, console.info and console.debug on config parsing; the rest
 * goes through its LOG.logger hook. Both are process-wide, so the
 * composition root installs this once, only when provider oci is
 * configured, and calls the returned function to undo it at exit. vipd
 * itself never writes to the console, so nothing of its own is rerouted.
 *
 * console.log is logged as a warning: oci-common uses it only for the
 * federation client's failure and retry reports (and a shutdown notice).
 */
export function routeOciSdkOutput(logger: Logger, targets: OciSdkOutputTargets = { console, sdkLog: common.LOG }): () => void {
  const log = logger.child({ component: 'cloud', provider: 'oci', source: 'oci-sdk' });
  const saved: ConsoleMethods = {
    log: targets.console.log,
    info: targets.console.info,
    warn: targets.console.warn,
    error: targets.console.error,
    debug: targets.console.debug,
  };
  const savedSdkLogger = targets.sdkLog.logger;
  // A logger whose own failure reaches the console must not loop back here.
  let inside = false;
  const route =
    (level: 'debug' | 'info' | 'warn' | 'error', via: string, original: Write): Write =>
    (...args) => {
      if (inside) {
        original.apply(targets.console, args);
        return;
      }
      inside = true;
      try {
        log[level]({ via }, format(...args));
      } finally {
        inside = false;
      }
    };
  targets.console.log = route('warn', 'console.log', saved.log);
  targets.console.info = route('info', 'console.info', saved.info);
  targets.console.warn = route('warn', 'console.warn', saved.warn);
  targets.console.error = route('error', 'console.error', saved.error);
  targets.console.debug = route('debug', 'console.debug', saved.debug);
  targets.sdkLog.logger = {
    level: 'debug',
    trace: route('debug', 'LOG.logger.trace', saved.debug),
    debug: route('debug', 'LOG.logger.debug', saved.debug),
    info: route('info', 'LOG.logger.info', saved.info),
    warn: route('warn', 'LOG.logger.warn', saved.warn),
    error: route('error', 'LOG.logger.error', saved.error),
  };
  return () => {
    for (const m of METHODS) targets.console[m] = saved[m];
    targets.sdkLog.logger = savedSdkLogger;
  };
}
