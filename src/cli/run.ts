import { randomBytes } from 'node:crypto';
import type { VipdConfig } from '../config/types';
import { validateConfig, type ValidateConfigOptions } from '../config/validate-config';
import { ControlServer } from '../control/server';
import { VipdError, asVipdError, isVipdError } from '../errors';
import { REJECT_REASONS } from '../heartbeat/reject-reasons';
import { StatusHttpServer } from '../metrics/http-server';
import { VipdMetrics } from '../metrics/metrics';
import { buildOwner } from '../owner/factory';
import { providerOperations, routeProviderSdkOutput } from '../cloud/registry';
import { Daemon } from '../runtime/daemon';
import { DryRunMaintenanceStore, FileMaintenanceStore, type MaintenanceStore } from '../state/maintenance-store';
import { SdNotify, Watchdog } from '../systemd/sd-notify';
import { rolesStatusLine } from '../systemd/status-line';
import { processClock } from '../util/clock';
import { realTimers, sleep } from '../util/timers';
import { SignalDumps, fsDumpFiles } from './dumps';
import { EXIT_CONFIG, EXIT_FAILURE, EXIT_OK, EXIT_SOFTWARE } from '../util/exit-codes';
import { FATAL_RELEASE_BOUND_MS, exitOnFatalError } from './fatal-error';
import { injectedFault, withInjectedFault } from './fault-injection';
import { createRootLogger, type LogFormat, type RootLogger } from '../util/root-logger';
import { listenForSignals, type SignalAction } from './process-signals';
import { packageVersion } from './version';
import { cryptoRandom, defaultRunner, heartbeatFactory, hookRunner, trackerFactory } from './wiring';
import { newBootEpoch } from '../heartbeat/boot-epoch';
import { controlHandlers } from './control-handlers';
import { DryRunRunner } from '../os/dry-run-runner';
import { MemoryRelease } from '../runtime/memory-release';
import { processMemoryTools } from './memory-tools';

/** How long after a role change nothing must happen before unused memory is given back (runtime/memory-release.ts). */
const MEMORY_RELEASE_QUIET_MS = 5_000;

export interface RunOptions {
  readonly configPath: string;
  readonly dryRun: boolean;
  /** Default auto: pretty on a terminal, NDJSON otherwise (always NDJSON into the journal). */
  readonly logFormat?: LogFormat;
}

/** What `vipd run` does with a signal at the moment it arrives. */
type SignalHandler = (signal: NodeJS.Signals, action: SignalAction) => void;

/**
 * `vipd run`: load the config (exit 78 on any problem), wire the daemon,
 * serve metrics and the control socket, and handle every signal that would
 * otherwise end the process (cli/process-signals.ts): HUP reloads, USR1 and
 * USR2 dump the state and the counters, the others resign, release and exit 0.
 * A fatal error releases and exits 70 (cli/fatal-error.ts).
 */
export async function runCommand(opts: RunOptions): Promise<number> {
  // Signals are ours from the first moment: a stop that arrives while the config loads is acted on once started.
  let pendingStop: NodeJS.Signals | null = null;
  let handle: SignalHandler = (signal, action) => {
    if (action === 'stop') pendingStop ??= signal;
    else process.stderr.write(`vipd: ${signal} ignored: not started yet\n`);
  };
  const unlisten = listenForSignals(process, process.execArgv, (signal, action) => handle(signal, action));
  let config: VipdConfig;
  try {
    config = validateConfig(opts.configPath, startChecks(opts));
  } catch (e) {
    unlisten();
    const err = asVipdError(e, 'VIPD_E_CONFIG');
    process.stderr.write(`vipd: ${err.message}\n`);
    return err.code === 'VIPD_E_CONFIG' || err.code === 'VIPD_E_KEY_FILE' ? EXIT_CONFIG : EXIT_FAILURE;
  }
  const logger = createRootLogger(config.log.level, 1, { format: opts.logFormat ?? 'auto', bindings: { node: config.node.id } });
  // From here stdout is the log: a cloud SDK that prints (OCI's does) prints into it as JSON lines.
  let unrouteSdkOutput = (): void => undefined;
  try {
    unrouteSdkOutput = await routeProviderSdkOutput(config.provider.type, logger);
    return await runDaemon(config, opts, logger, {
      takePendingStop: () => pendingStop,
      setHandler: (h) => {
        handle = h;
      },
    });
  } catch (e) {
    const err = asVipdError(e);
    logger.fatal({ err }, `vipd cannot run: ${err.message}`);
    logger.flush();
    return isVipdError(e) && (err.code === 'VIPD_E_CONFIG' || err.code === 'VIPD_E_KEY_FILE') ? EXIT_CONFIG : EXIT_FAILURE;
  } finally {
    unrouteSdkOutput();
    unlisten();
  }
}

/** A dry run sends no ARP (DryRunGarpSender), so it does not need the native sender to load. */
function startChecks(opts: RunOptions): ValidateConfigOptions {
  return opts.dryRun ? { loadArpSender: () => undefined } : {};
}

interface SignalHookup {
  /** A stop signal received before the daemon could act on it. */
  takePendingStop(): NodeJS.Signals | null;
  setHandler(handler: SignalHandler): void;
}

async function runDaemon(config: VipdConfig, opts: RunOptions, logger: RootLogger, signals: SignalHookup): Promise<number> {
  const version = packageVersion();
  const runner = defaultRunner(config);
  const metrics = new VipdMetrics({
    version,
    groups: config.groups.map((g) => g.name),
    rejectReasons: REJECT_REASONS,
    provider: config.provider.type,
    cloudOperations: providerOperations(config.provider.type),
    peers: Object.fromEntries(config.groups.map((g) => [g.name, g.peers.map((p) => p.id)])),
    groupInfo: Object.fromEntries(config.groups.map((g) => [g.name, { id: g.id, interface: g.interface, vips: g.vips.map((v) => v.address) }])),
    configLoadedAt: Date.now() / 1000,
    // Their collectors keep timers running; without a scrape endpoint nobody reads them.
    processMetrics: config.metrics.enabled,
  });
  const fault = injectedFault(process.env);
  const builtOwner = await buildOwner(config, { runner, logger, dryRun: opts.dryRun, metrics, clock: processClock, timers: realTimers, random: cryptoRandom });
  const owner = fault === null ? builtOwner : withInjectedFault(builtOwner, fault, (fn) => setImmediate(fn));
  if (fault !== null) logger.warn({ fault }, `fault injection armed (VIPD_TEST_FAULT=${fault}): FOR TESTS ONLY, this daemon will fail once its VIPs are ready`);
  const notify = SdNotify.fromEnv(process.env, logger.child({ component: 'systemd' }));
  const memory = new MemoryRelease({
    tools: processMemoryTools(logger.child({ component: 'memory' })),
    clock: processClock,
    timers: realTimers,
    logger: logger.child({ component: 'memory' }),
    quietMs: MEMORY_RELEASE_QUIET_MS,
  });
  const daemon = new Daemon(config, {
    clock: processClock,
    timers: realTimers,
    logger,
    owner,
    heartbeat: heartbeatFactory(logger, newBootEpoch(Date.now(), randomBytes(1))),
    // A dry run changes nothing, hooks included: a notify_master that promotes a database must not run
    // while vipd only watches next to keepalived (docs/migrating-from-keepalived.md). Each is logged instead.
    hooks: hookRunner(opts.dryRun ? new DryRunRunner(runner, logger.child({ component: 'hooks' })) : runner, logger, (group) => metrics.hookFailed(group)),
    trackers: trackerFactory({ runner, clock: processClock, logger }),
    metrics,
    wallSeconds: () => Date.now() / 1000,
    rolesChanged: (roles) => {
      notify.status(rolesStatusLine(roles));
      memory.noteActivity();
    },
  });
  const fileStore = new FileMaintenanceStore(config.node.stateDir);
  const maintenanceStore: MaintenanceStore = opts.dryRun ? new DryRunMaintenanceStore(fileStore, logger.child({ component: 'state' })) : fileStore;

  let phase: 'starting' | 'running' | 'stopping' = 'starting';
  let pendingStop = signals.takePendingStop();
  let requestStop: (signal: NodeJS.Signals) => void = () => undefined;
  let http: StatusHttpServer | null = null;
  let control: ControlServer | null = null;
  const dumps = new SignalDumps({
    runtimeDir: SignalDumps.runtimeDirOf(config.control.socket),
    files: fsDumpFiles,
    logger: logger.child({ component: 'signals' }),
    state: () => daemon.status(),
    counters: async () => ({ schemaVersion: 1, now: new Date().toISOString(), nodeId: config.node.id, counters: await metrics.counters() }),
  });
  signals.setHandler((signal, action) => {
    switch (action) {
      case 'dump-state':
        void dumps.dumpState(signal);
        return;
      case 'dump-counters':
        void dumps.dumpCounters(signal);
        return;
      case 'reload':
        if (phase !== 'running') logger.warn({ signal, phase }, 'SIGHUP ignored: vipd is not running yet or is stopping');
        else reload();
        return;
      case 'stop':
        if (phase === 'starting') {
          logger.info({ signal }, 'signal received while starting: shutting down once started');
          pendingStop ??= signal;
        } else {
          requestStop(signal);
        }
        return;
    }
  });
  const stopFatalHandling = exitOnFatalError({
    source: process,
    logger,
    timers: realTimers,
    exitCode: EXIT_SOFTWARE,
    exit: (code) => process.exit(code),
    release: async () => {
      phase = 'stopping';
      notify.stopping('vipd: fatal error, releasing the VIPs');
      // The daemon's own stop first (resign, then release), but a stop stuck in a broken state must not
      // use up the whole bound: after half of it, the owner releases each group directly.
      const stopped = await Promise.race([
        daemon.stop().then(
          () => true,
          (e: unknown) => {
            logger.error({ err: asVipdError(e) }, 'stop after a fatal error failed; releasing each group directly');
            return false;
          },
        ),
        sleep(realTimers, FATAL_RELEASE_BOUND_MS / 2).then(() => {
          logger.error({ waitedMs: FATAL_RELEASE_BOUND_MS / 2 }, 'stop after a fatal error did not finish; releasing each group directly');
          return false;
        }),
      ]);
      await control?.close().catch(() => undefined);
      await http?.close().catch(() => undefined);
      if (stopped) return;
      // The owner's release is idempotent: remove the addresses group by group, whatever state the runners are in.
      const results = await Promise.allSettled(daemon.configuration.groups.map((g) => owner.release(g)));
      const failed = results.filter((r) => r.status === 'rejected').length;
      if (failed > 0) throw new VipdError('VIPD_E_INTERNAL', `${failed} group(s) could not be released`);
    },
  });
  const removeSignalHandlers = (): void => {
    signals.setHandler(() => undefined);
    stopFatalHandling();
  };

  const watchdog = new Watchdog({ notify, healthy: () => daemon.healthy(), logger: logger.child({ component: 'watchdog' }) });
  try {
    // Before the first election: a node rebooted in maintenance must never claim, not even once.
    const saved = await maintenanceStore.load();
    if (saved !== null) {
      daemon.setMaintenance(true);
      logger.warn(
        { file: maintenanceStore.location, since: saved.since },
        'maintenance is on (saved before this start): this node will not take any VIP until `vipd maintenance off`',
      );
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
  // Start-up (config, the provider's SDK, the first reconcile) is the largest burst of allocation a daemon sees.
  memory.releaseNow('start');
  notify.ready(rolesStatusLine(daemon.roles()));
  // Process start (Node's time origin) to READY=1: what a restart costs before the service counts as up.
  logger.info({ event: 'ready', startMs: Math.round(performance.now()), nodejs: process.versions.node }, 'vipd ready');

  function reload(): void {
    logger.info('SIGHUP: reloading configuration');
    notify.reloading();
    try {
      const next = validateConfig(opts.configPath, startChecks(opts));
      void daemon
        .reload(next)
        .then(() => {
          metrics.configReloaded(true, Date.now() / 1000);
          notify.ready(`${rolesStatusLine(daemon.roles())} (reloaded)`);
        })
        .catch((e: unknown) => {
          // Either refused as a whole (node.id changed, stopping) or applied except for the groups named.
          metrics.configReloaded(false, Date.now() / 1000);
          logger.error({ err: asVipdError(e) }, `reload: ${asVipdError(e).message}`);
          notify.ready(`${rolesStatusLine(daemon.roles())} (reload incomplete, see the log)`);
        });
    } catch (e) {
      metrics.configReloaded(false, Date.now() / 1000);
      logger.error({ err: asVipdError(e) }, 'reload rejected: the new configuration is invalid; keeping the running one');
      notify.ready(`${rolesStatusLine(daemon.roles())} (reload rejected: invalid config)`);
    }
  }

  return await new Promise<number>((resolve) => {
    requestStop = (signal: NodeJS.Signals): void => {
      if (phase === 'stopping') return;
      phase = 'stopping';
      logger.info({ signal }, 'signal received: shutting down');
      notify.stopping();
      memory.stop();
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
