#!/usr/bin/env node
import { Command, Option } from 'commander';
import { ControlClient } from '../control/client';
import { asVipdError, isVipdError } from '../errors';
import { checkConfigCommand } from './check-config';
import { EXIT_FAILURE, EXIT_OK, EXIT_UNAVAILABLE, EXIT_USAGE } from './exit-codes';
import { LOG_FORMATS, type LogFormat } from './logger';
import { parseSwitchoverTimeout } from './control-handlers';
import { runCommand } from './run';
import { statusCommand } from './status';
import { packageVersion } from './version';

const DEFAULT_CONFIG = '/etc/vipd/vipd.yaml';
const DEFAULT_SOCKET = '/run/vipd/control.sock';

function finish(code: number): void {
  process.exitCode = code;
}

/** 69 only when the daemon could not be reached; an error the daemon answered is a failure of the command (1). */
function controlFailureExit(e: unknown): number {
  return isVipdError(e) && e.details['remote'] === true ? EXIT_FAILURE : EXIT_UNAVAILABLE;
}

async function controlCall(socket: string, method: string, params: unknown, timeoutMs: number): Promise<unknown> {
  try {
    return await new ControlClient(socket).call(method, params, timeoutMs);
  } catch (e) {
    process.stderr.write(`vipd ${method}: ${asVipdError(e, 'VIPD_E_CONTROL').message}\n`);
    throw e;
  }
}

// doctor and demo are loaded when run: they bring the lab and every cloud adapter, which
// `vipd run` must not keep resident (docs/benchmarks.md, footprint).
const program = new Command();
program.name('vipd').description('floating-IP failover daemon').version(packageVersion());

program
  .command('run')
  .description('run the daemon')
  .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
  .option('--dry-run', 'elect and log the cloud and OS actions it would take; change nothing', false)
  .addOption(
    new Option('--log-format <format>', 'json (NDJSON, one object a line) | pretty (human, for a terminal) | auto (pretty on a terminal, else json)')
      .choices([...LOG_FORMATS])
      .default('auto'),
  )
  .action(async (o: { config: string; dryRun: boolean; logFormat: LogFormat }) =>
    finish(await runCommand({ configPath: o.config, dryRun: o.dryRun, logFormat: o.logFormat })),
  );

program
  .command('check-config')
  .description('validate a configuration file without starting (exit 78 when invalid)')
  .argument('[file]', 'configuration file', DEFAULT_CONFIG)
  .action((file: string) => finish(checkConfigCommand(file)));

program
  .command('status')
  .description('show groups, peers, VIPs and the last failover of the running daemon')
  .option('--json', 'machine-readable output', false)
  .option('-s, --socket <path>', 'control socket', DEFAULT_SOCKET)
  .action(async (o: { json: boolean; socket: string }) => finish(await statusCommand(o.socket, o.json)));

program
  .command('switchover')
  .description('planned handover: resign this node and wait until the peer is MASTER and the cloud shows it')
  .option('-g, --group <name>', 'only this group')
  .option('--to <node>', 'expected new master')
  .option('--timeout <duration>', 'give up after this long (e.g. 30s, 2m; a bare number means ms; at most 10m)', '30000')
  .option('-s, --socket <path>', 'control socket', DEFAULT_SOCKET)
  .action(async (o: { group?: string; to?: string; timeout: string; socket: string }) => {
    const timeoutMs = parseSwitchoverTimeout(o.timeout);
    if (timeoutMs === null) {
      process.stderr.write(`vipd switchover: --timeout ${JSON.stringify(o.timeout)} is not a duration of 1 ms to 10 m (e.g. 30000, 30s, 2m)\n`);
      finish(EXIT_USAGE);
      return;
    }
    try {
      const r = (await controlCall(o.socket, 'switchover', { group: o.group ?? null, to: o.to ?? null, timeoutMs }, timeoutMs + 5000)) as {
        results: Array<{ group: string; newMaster: string; handoverMs: number; cloudConfirmed: boolean | null }>;
      };
      for (const x of r.results) {
        process.stdout.write(`${x.group}: handed over to ${x.newMaster} in ${x.handoverMs} ms${x.cloudConfirmed ? ' (cloud confirmed)' : ''}\n`);
      }
      finish(EXIT_OK);
    } catch (e) {
      finish(controlFailureExit(e));
    }
  });

program
  .command('maintenance')
  .description('on: priority 0, never take the VIP (hands it over if held); off: compete again')
  .argument('<state>', 'on | off')
  .option('-s, --socket <path>', 'control socket', DEFAULT_SOCKET)
  .action(async (state: string, o: { socket: string }) => {
    if (state !== 'on' && state !== 'off') {
      process.stderr.write('vipd maintenance: expected "on" or "off"\n');
      finish(64);
      return;
    }
    try {
      await controlCall(o.socket, 'maintenance', { on: state === 'on' }, 5000);
      process.stdout.write(`maintenance ${state}\n`);
      finish(EXIT_OK);
    } catch (e) {
      // The daemon answered but could not save: a script must not go on to reboot as if it had.
      finish(controlFailureExit(e));
    }
  });

program
  .command('doctor')
  .description('run the debugging checklist: pass/fail with the fix for each (exit 1 when a check fails)')
  .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
  .option('-s, --socket <path>', 'control socket (default: control.socket from the config)')
  .option('--json', 'machine-readable output', false)
  .action(async (o: { config: string; socket?: string; json: boolean }) => finish(await (await import('./doctor')).doctorCommand({ configPath: o.config, socket: o.socket ?? null, json: o.json })));

program
  .command('demo')
  .description('failover demo in a network-namespace lab (needs root): two nodes and a client; kills the active node and prints the outage by phase')
  .option('--provider <name>', 'aws (the emulated AWS cloud: the VIP moves by API call) | none (plain L2: gratuitous ARP)', 'aws')
  .option('--interval <duration>', 'heartbeat interval, e.g. 100ms or 1s', '100ms')
  .option('--kill <mode>', 'hard (link cut + kill -9) | graceful (SIGTERM)', 'hard')
  .action(async (o: { provider: string; interval: string; kill: string }) => finish(await (await import('./demo')).demoCommand(o)));

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`vipd: ${asVipdError(e).message}\n`);
  process.exitCode = 1;
});
