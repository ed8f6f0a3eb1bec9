import type { Logger } from '../util/logger';
import type { Timers } from '../util/timers';

/** How long a crashing daemon tries to release its VIPs before it exits anyway (well inside TimeoutStopSec=30s). */
export const FATAL_RELEASE_BOUND_MS = 10_000;

export interface FatalSource {
  on(event: 'uncaughtException', listener: (error: unknown) => void): unknown;
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  off(event: 'uncaughtException', listener: (error: unknown) => void): unknown;
  off(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
}

export interface FatalErrorDeps {
  readonly source: FatalSource;
  readonly logger: Logger & { flush(): void };
  readonly timers: Timers;
  /** Best effort: resign and remove the VIPs. Its failure or hang is logged; the exit happens regardless. */
  readonly release: () => Promise<void>;
  readonly exit: (code: number) => void;
  readonly exitCode: number;
  readonly boundMs?: number;
}

/** The facts of a thrown value for the log: what it is, what it says, its code and where it came from. */
export function describeThrown(e: unknown): { type: string; message: string; code: string | null; stack: string | null } {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return { type: e.constructor.name, message: e.message, code: code === undefined || code === null ? null : String(code), stack: e.stack ?? null };
  }
  return { type: e === null ? 'null' : typeof e, message: String(e), code: null, stack: null };
}

/**
 * An uncaught exception or unhandled rejection leaves the daemon in a state
 * nobody reasoned about: log why, release the VIPs within a bounded time
 * (a peer takes over cleanly instead of sharing the address with a daemon
 * that may be half-broken) and exit non-zero, so systemd restarts it.
 * A second fatal error while releasing is logged and changes nothing.
 */
export function exitOnFatalError(deps: FatalErrorDeps): () => void {
  let handling = false;
  const bound = deps.boundMs ?? FATAL_RELEASE_BOUND_MS;
  const onFatal = (kind: 'uncaught-exception' | 'unhandled-rejection') => (e: unknown) => {
    const error = describeThrown(e);
    if (handling) {
      deps.logger.error({ event: 'fatal-error', kind, error }, `another fatal error while releasing: ${error.message}`);
      return;
    }
    handling = true;
    deps.logger.fatal(
      { event: 'fatal-error', kind, error },
      `fatal ${kind === 'uncaught-exception' ? 'uncaught exception' : 'unhandled promise rejection'} (${error.type}: ${error.message}): releasing the VIPs (at most ${bound} ms), then exiting with ${deps.exitCode}`,
    );
    const finish = (outcome: string): void => {
      deps.logger.fatal({ event: 'fatal-exit', outcome, exitCode: deps.exitCode }, `exiting after a fatal error: ${outcome}`);
      deps.logger.flush();
      deps.exit(deps.exitCode);
    };
    const timer = deps.timers.setTimeout(() => finish(`release did not finish within ${bound} ms`), bound);
    deps.release().then(
      () => {
        deps.timers.clearTimeout(timer);
        finish('VIPs released');
      },
      (err: unknown) => {
        deps.timers.clearTimeout(timer);
        finish(`release failed: ${describeThrown(err).message}`);
      },
    );
  };
  const onException = onFatal('uncaught-exception');
  const onRejection = onFatal('unhandled-rejection');
  deps.source.on('uncaughtException', onException);
  deps.source.on('unhandledRejection', onRejection);
  return () => {
    deps.source.off('uncaughtException', onException);
    deps.source.off('unhandledRejection', onRejection);
  };
}
