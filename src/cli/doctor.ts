import { loadConfig } from '../config/loader';
import { ControlClient } from '../control/client';
import { runDoctor, doctorFailed, renderDoctor } from '../doctor/doctor';
import { asVipdError } from '../errors';
import { OsConfigurator } from '../os/configurator';
import { loadNativeGarp } from '../os/garp';
import { buildProvider } from '../owner/factory';
import type { DaemonStatus } from '../runtime/daemon';
import { FileMaintenanceStore } from '../state/maintenance-store';
import { silentLogger } from '../util/logger';
import { EXIT_CONFIG, EXIT_FAILURE, EXIT_OK } from '../util/exit-codes';
import { defaultRunner } from './wiring';

/** `vipd doctor`: works with or without a running daemon; exits 1 when any check fails. */
export async function doctorCommand(opts: { configPath: string; socket: string | null; json: boolean }): Promise<number> {
  let config;
  try {
    config = loadConfig(opts.configPath, { checkFiles: false });
  } catch (e) {
    process.stderr.write(`vipd doctor: ${asVipdError(e, 'VIPD_E_CONFIG').message}\n`);
    return EXIT_CONFIG;
  }
  const socket = opts.socket ?? config.control.socket;
  // Unreachable socket: the daemon is not running, and the doctor checks the host alone.
  const daemon = (await new ControlClient(socket).call('status', {}, 3000).catch(() => null)) as DaemonStatus | null;
  const runner = defaultRunner(config);
  const logger = silentLogger();
  const results = await runDoctor({
    config,
    runner,
    os: config.os.enabled ? new OsConfigurator({ runner, logger, config: config.os }) : null,
    provider: buildProvider(config, logger),
    loadGarp: () => loadNativeGarp(),
    maintenance: new FileMaintenanceStore(config.node.stateDir),
    daemon,
  });
  process.stdout.write(opts.json ? `${JSON.stringify(results, null, 2)}\n` : renderDoctor(results));
  return doctorFailed(results) ? EXIT_FAILURE : EXIT_OK;
}
