import type { VipdConfig } from '../config/types';
import { loadConfig } from '../config/loader';
import { ControlServer } from '../control/server';
import { asVipdError, isVipdError } from '../errors';
import { REJECT_REASONS } from '../heartbeat/reject-reasons';
import { StatusHttpServer } from '../metrics/http-server';
import { VipdMetrics } from '../metrics/metrics';
import { buildOwner } from '../owner/factory';
import { Daemon } from '../runtime/daemon';
import { DryRunMaintenanceStore, FileMaintenanceStore, type MaintenanceStore } from '../state/maintenance-store';
import { SdNotify, Watchdog } from '../systemd/sd-notify';
import { processClock } from '../util/clock';
import { realTimers } from '../util/timers';
import { EXIT_CONFIG, EXIT_FAILURE, EXIT_OK } from './exit-codes';
import { createRootLogger, type LogFormat, type RootLogger } from './logger';
import { packageVersion } from './version';
import { cryptoRandom, defaultRunner, heartbeatFactory, hookRunner, newBootEpoch, trackerFactory } from './wiring';
import { controlHandlers } from './control-handlers';

export interface RunOptions {
  readonly configPath: string;
  readonly dryRun: boolean;
  /** Default auto: pretty on a terminal, NDJSON otherwise (always NDJSON into the journal). */
  readonly logFormat?: LogFormat;
}

/**
 * `vipd run`: load the config (exit 78 on any problem), wire the daemon,
 * serve metrics and the control socket, and map signals: TERM/INT resign
 * and release then exit 0; HUP reloads.
 */
export async function runCommand(opts: RunOptions): Promise<number> {
  let config: VipdConfig;
  try {
    config = loadConfig(opts.configPath);
  } catch (e) {
    const err = asVipdError(e, 'VIPD_E_CONFIG');
    process.stderr.write(`vipd: ${err.message}\n`);
    return err.code === 'VIPD_E_CONFIG' || err.code === 'VIPD_E_KEY_FILE' ? EXIT_CONFIG : EXIT_FAILURE;
  }
  const logger = createRootLogger(config.log.level, 1, { format: opts.logFormat ?? 'auto', bindings: { node: config.node.id } });
  try {
    return await runDaemon(config, opts, logger);
  } catch (e) {
    const err = asVipdError(e);
    logger.fatal({ err }, `vipd cannot run: ${err.message}`);
    logger.flush();
    return isVipdError(e) && (err.code === 'VIPD_E_CONFIG' || err.code === 'VIPD_E_KEY_FILE') ? EXIT_CONFIG : EXIT_FAILURE;
  }
}

async function runDaemon(config: VipdConfig, opts: RunOptions, logger: RootLogger): Promise<number> {
  const version = packageVersion();
  const runner = defaultRunner(config);
  const metrics = new VipdMetrics({
    version,
    groups: config.groups.map((g) => g.name),
    rejectReasons: REJECT_REASONS,
    provider: config.provider.type,
    peers: Object.fromEntries(config.groups.map((g) => [g.name, g.peers.map((p) => p.id)])),
    // Their collectors keep timers running; without a scrape endpoint nobody reads them.
    processMetrics: config.metrics.enabled,
  });
  const owner = buildOwner(config, { runner, logger, dryRun: opts.dryRun, metrics, clock: processClock, timers: realTimers, random: cryptoRandom });
  const daemon = new Daemon(config, {
    clock: processClock,
    timers: realTimers,
    logger,
    random: cryptoRandom,
    owner,
    heartbeat: heartbeatFactory(logger, newBootEpoch()),
    hooks: hookRunner(runner, logger, (group) => metrics.hookFailed(group)),
    trackers: trackerFactory({ runner, clock: processClock, logger }),
    metrics,
    wallSeconds: () => Date.now() / 1000,
  });
  const notify = SdNotify.fromEnv(process.env, logger.child({ component: 'systemd' }));
  const fileStore = new FileMaintenanceStore(config.node.stateDir);
  const maintenanceStore: MaintenanceStore = opts.dryRun ? new DryRunMaintenanceStore(fileStore, logger.child({ component: 'state' })) : fileStore;

  // Signals are ours from the first moment: before, a SIGTERM during the start took Node's default
  // action and killed vipd mid-change. One that arrives while starting is acted on once started.
  let phase: 'starting' | 'running' | 'stopping' = 'starting';
  let pendingStop: string | null = null;
  let requestStop: (signal: string) => void = () => undefined;
  const onStopSignal = (signal: string): void => {
    if (phase === 'starting') {
      pendingStop ??= signal;
      logger.info({ signal }, 'signal received while starting: shutting down once started');
      return;
    }
    requestStop(signal);
  };
  const onTerm = (): void => onStopSignal('SIGTERM');
  const onInt = (): void => onStopSignal('SIGINT');
  const onHup = (): void => {
    if (phase !== 'running') {
      logger.warn({ phase }, 'SIGHUP ignored: vipd is not running yet or is stopping');
      return;
    }
    reload();
  };
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  process.on('SIGHUP', onHup);
  const removeSignalHandlers = (): void => {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    process.off('SIGHUP', onHup);
  };

  let http: StatusHttpServer | null = null;
  let control: ControlServer | null = null;
  const watchdog = new Watchdog({ notify, healthy: () => daemon.healthy(), logger: logger.child({ component: 'watchdog' }) });
  try {
    // Before the first election: a node rebooted in maintenance must never claim, not even once.
    const saved = await maintenanceStore.load();
    if (saved !== null) {
      daemon.setMaintenance(true);
      logger.warn({ file: maintenanceStore.location, since: saved.since }, 'maintenance is on (saved before this start): this node will not take any VIP until `vipd maintenance off`');
    }
    await daemon.start();
    if (config.metrics.enabled) {
      http = new StatusHttpServer({
        listen: config.metrics.listen,
        port: config.metrics.port,
        metrics,
        status: () => daemon.status(),
        healthy: () => daemon.healthy(),
        logger: logger.child({ component: 'http' }),
      });
      await http.start();
    }
    control = new ControlServer({
      path: config.control.socket,
      handlers: controlHandlers({ daemon, owner, config: () => daemon.configuration, maintenanceStore, wallNow: () => new Date() }),
      logger: logger.child({ component: 'control' }),
    });
    await control.start();
  } catch (e) {
    // A half-started daemon (elected, maybe holding VIPs) must not linger without its control
    // socket or metrics: resign, release and close what was started, then report the failure.
    phase = 'stopping';
    logger.error({ err: asVipdError(e) }, 'start failed: stopping what was started');
    await daemon.stop().catch((err: unknown) => logger.error({ err: asVipdError(err) }, 'error while stopping after a failed start'));
    await control?.close().catch(() => undefined);
    await http?.close().catch(() => undefined);
    removeSignalHandlers();
    throw e;
  }
  watchdog.start();
  notify.ready(`vipd ${version}: ${config.groups.length} group(s)`);
  // Process start (Node's time origin) to READY=1: what a restart costs before the service counts as up.
  logger.info({ event: 'ready', startMs: Math.round(performance.now()), nodejs: process.versions.node }, 'vipd ready');

  function reload(): void {
    logger.info('SIGHUP: reloading configuration');
    notify.reloading();
    try {
      const next = loadConfig(opts.configPath);
      void daemon
        .reload(next)
        .then(() => {
          notify.ready(`vipd ${version}: reloaded, ${next.groups.length} group(s)`);
        })
        .catch((e: unknown) => {
          // Either refused as a whole (node.id changed, stopping) or applied except for the groups named.
          logger.error({ err: asVipdError(e) }, `reload: ${asVipdError(e).message}`);
          notify.ready(`vipd ${version}: reload incomplete, see the log`);
        });
    } catch (e) {
      logger.error({ err: asVipdError(e) }, 'reload rejected: the new configuration is invalid; keeping the running one');
      notify.ready(`vipd ${version}: reload rejected (invalid config)`);
    }
  }

  return await new Promise<number>((resolve) => {
    requestStop = (signal: string): void => {
      if (phase === 'stopping') return;
      phase = 'stopping';
      logger.info({ signal }, 'signal received: shutting down');
      notify.stopping();
      void (async () => {
        try {
          await daemon.stop();
          watchdog.stop();
          await control?.close();
          await http?.close();
          resolve(EXIT_OK);
        } catch (e) {
          logger.error({ err: asVipdError(e) }, 'error during shutdown');
          resolve(EXIT_FAILURE);
        } finally {
          removeSignalHandlers();
          logger.flush();
        }
      })();
    };
    phase = 'running';
    if (pendingStop !== null) requestStop(pendingStop);
  });
}
