import { systemHostFiles } from '../config/host-files';
import { loadConfig } from '../config/loader';
import { ControlClient } from '../control/client';
import { runDoctor, doctorFailed, renderDoctor } from '../doctor/doctor';
import { asVipdError } from '../errors';
import { probeForRefusal } from '../heartbeat/prober';
import { OsConfigurator } from '../os/configurator';
import { loadNativeGarp } from '../os/garp';
import { openCallScope } from '../cloud/call-context';
import { createProvider, routeProviderSdkOutput } from '../cloud/registry';
import type { VipdConfig } from '../config/types';
import type { DaemonStatus } from '../runtime/daemon';
import { FileMaintenanceStore } from '../state/maintenance-store';
import { loadNotifyBinding } from '../systemd/notify-transport';
import { processClock } from '../util/clock';
import { silentLogger } from '../util/logger';
import { createRootLogger } from '../util/root-logger';
import { realTimers } from '../util/timers';
import { EXIT_CONFIG, EXIT_FAILURE, EXIT_OK } from '../util/exit-codes';
import { defaultRunner } from './wiring';

/** One cloud read of the doctor: a hung endpoint is a finding, not a doctor that hangs. */
const DOCTOR_CLOUD_READ_MS = 10_000;

/** `vipd doctor`: works with or without a running daemon; exits 1 when any check fails. */
export async function doctorCommand(opts: { configPath: string; socket: string | null; json: boolean }): Promise<number> {
  let config;
  try {
    config = loadConfig(opts.configPath, { checkFiles: false });
  } catch (e) {
    process.stderr.write(`vipd doctor: ${asVipdError(e, 'VIPD_E_CONFIG').message}\n`);
    return EXIT_CONFIG;
  }
  // The report is stdout; whatever the cloud SDK prints goes to stderr, as log lines.
  const unrouteSdkOutput = await routeProviderSdkOutput(config.provider.type, createRootLogger('warn', 2, { format: 'auto' }));
  try {
    return await doctorWith(config, opts);
  } finally {
    unrouteSdkOutput();
  }
}

async function doctorWith(config: VipdConfig, opts: { socket: string | null; json: boolean }): Promise<number> {
  const socket = opts.socket ?? config.control.socket;
  // Unreachable socket: the daemon is not running, and the doctor checks the host alone.
  const daemon = (await new ControlClient(socket).call('status', {}, 3000).catch(() => null)) as DaemonStatus | null;
  const runner = defaultRunner(config);
  const logger = silentLogger();
  let provider;
  try {
    provider = await createProvider({ config, logger, clock: processClock });
  } catch (e) {
    process.stderr.write(`vipd doctor: ${asVipdError(e, 'VIPD_E_CONFIG').message}\n`);
    return EXIT_CONFIG;
  }
  const results = await runDoctor({
    config,
    runner,
    os: config.os.enabled ? new OsConfigurator({ runner, logger, config: config.os }) : null,
    provider,
    cloudScope: () => openCallScope({ clock: processClock, timers: realTimers }, processClock.nowMs() + DOCTOR_CLOUD_READ_MS, 'doctor read'),
    loadGarp: () => loadNativeGarp(),
    // Loads the sd_notify addon as the daemon would; no socket is opened.
    loadNotify: () => loadNotifyBinding(),
    hostFiles: systemHostFiles,
    maintenance: new FileMaintenanceStore(config.node.stateDir),
    daemon,
    probeRefusal: (address, port, timeoutMs) => probeForRefusal({ bindAddress: config.heartbeat.bind, logger }, address, port, timeoutMs),
  });
  process.stdout.write(opts.json ? `${JSON.stringify(results, null, 2)}\n` : renderDoctor(results));
  return doctorFailed(results) ? EXIT_FAILURE : EXIT_OK;
}
