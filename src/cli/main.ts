#!/usr/bin/env node
// First, before any other module loads: from here on SIGUSR1 can no longer open Node's inspector.
import './inspector-guard';
import { Command, CommanderError, Option } from 'commander';
import { ControlClient } from '../control/client';
import { asVipdError, isVipdError } from '../errors';
import { checkConfigCommand } from './check-config';
import { controlTarget, DEFAULT_CONFIG, DEFAULT_IMPORT_KEY_FILE } from './control-target';
import { EXIT_CONFIG, EXIT_FAILURE, EXIT_OK, EXIT_UNAVAILABLE, EXIT_USAGE } from '../util/exit-codes';
import { LOG_FORMATS, type LogFormat } from '../util/root-logger';
import { parseSwitchoverTimeout } from './control-handlers';
import { COMMAND_HELP } from './help';
import { runCommand } from './run';
import { statusCommand } from './status';
import { packageVersion } from './version';

function finish(code: number): void {
  process.exitCode = code;
}

/**
 * 69 when the daemon could not be reached or refused a switchover before
 * anything changed; 1 for any other error the daemon answered.
 */
function controlFailureExit(e: unknown): number {
  if (isVipdError(e) && e.code === 'VIPD_E_SWITCHOVER_REFUSED') return EXIT_UNAVAILABLE;
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

interface TargetOptions {
  config?: string;
  socket?: string;
}

/** The control socket, or null after saying why (exit 78 set). */
function socketFor(command: string, o: TargetOptions): string | null {
  const target = controlTarget(o);
  if (target.ok) return target.socket;
  process.stderr.write(`vipd ${command}: ${target.message}\n`);
  finish(EXIT_CONFIG);
  return null;
}

function usageError(command: string, message: string): void {
  process.stderr.write(`vipd ${command}: ${message}\n`);
  finish(EXIT_USAGE);
}

const program = new Command();
program.name('vipd').description('floating-IP failover daemon').version(packageVersion());
// Usage errors exit 64 (EX_USAGE) everywhere; commander's own default is 1.
program.exitOverride();

function command(name: string, description: string): Command {
  return program
    .command(name)
    .description(description)
    .addHelpText('after', COMMAND_HELP[name] ?? '');
}

/** -c/--config on every command; the ones that talk to the daemon also take --socket. */
const configOption = (): [string, string] => ['-c, --config <file>', `configuration file (default ${DEFAULT_CONFIG})`];
const socketOption = (): [string, string] => ['-s, --socket <path>', 'control socket (default: control.socket of the config)'];

command('run', 'run the daemon')
  .option(...configOption())
  .option('--dry-run', 'elect and log the cloud and OS actions it would take; change nothing', false)
  .addOption(
    new Option('--log-format <format>', 'json (NDJSON, one object a line) | pretty (human, for a terminal) | auto (pretty on a terminal, else json)')
      .choices([...LOG_FORMATS])
      .default('auto'),
  )
  .action(async (o: { config?: string; dryRun: boolean; logFormat: LogFormat }) =>
    finish(await runCommand({ configPath: o.config ?? DEFAULT_CONFIG, dryRun: o.dryRun, logFormat: o.logFormat })),
  );

command('check-config', 'validate a configuration file as `vipd run` would, without starting (exit 78 when invalid)')
  .argument('[file]', 'configuration file (or -c)')
  .option(...configOption())
  .option('--offline', 'check the file away from its host: schema and cross-key rules only, host checks skipped', false)
  .option('--json', 'machine-readable output', false)
  .action((file: string | undefined, o: { config?: string; offline: boolean; json: boolean }) => {
    if (file !== undefined && o.config !== undefined && file !== o.config) {
      usageError('check-config', `two files given (${file} and -c ${o.config}): name one`);
      return;
    }
    finish(checkConfigCommand(file ?? o.config ?? DEFAULT_CONFIG, { offline: o.offline, json: o.json }));
  });

command('status', 'show what the running daemon knows now: roles and why, peers, VIPs, the last failover')
  .option(...configOption())
  .option(...socketOption())
  .option('--json', 'machine-readable output', false)
  .action(async (o: TargetOptions & { json: boolean }) => {
    const socket = socketFor('status', o);
    if (socket !== null) finish(await statusCommand(socket, o.json));
  });

command('switchover', 'planned handover: resign this node only if a live peer would take over, and wait until it has')
  .option('-g, --group <name>', 'only this group')
  .option('--to <node>', 'the peer that must become master (refused unless it would win)')
  .option('--force', 'resign even when no live peer would take over (an outage until this node claims back)', false)
  .option('--timeout <duration>', 'give up after this long (e.g. 30s, 2m; a bare number means ms; at most 10m)', '30000')
  .option(...configOption())
  .option(...socketOption())
  .option('--json', 'machine-readable output', false)
  .action(async (o: TargetOptions & { group?: string; to?: string; force: boolean; timeout: string; json: boolean }) => {
    const timeoutMs = parseSwitchoverTimeout(o.timeout);
    if (timeoutMs === null) {
      usageError('switchover', `--timeout ${JSON.stringify(o.timeout)} is not a duration of 1 ms to 10 m (e.g. 30000, 30s, 2m)`);
      return;
    }
    const socket = socketFor('switchover', o);
    if (socket === null) return;
    try {
      const params = { group: o.group ?? null, to: o.to ?? null, timeoutMs, force: o.force };
      const r = (await controlCall(socket, 'switchover', params, timeoutMs + 5000)) as {
        results: Array<{ group: string; newMaster: string; handoverMs: number; cloudConfirmed: boolean | null }>;
      };
      if (o.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      else
        for (const x of r.results)
          process.stdout.write(`${x.group}: handed over to ${x.newMaster} in ${x.handoverMs} ms${x.cloudConfirmed ? ' (cloud confirmed)' : ''}\n`);
      finish(EXIT_OK);
    } catch (e) {
      finish(controlFailureExit(e));
    }
  });

command('maintenance', 'on: priority 0, never take the VIP (hands it over if held); off: compete again; status: show it')
  .argument('<state>', 'on | off | status')
  .option(...configOption())
  .option(...socketOption())
  .option('--json', 'machine-readable output', false)
  .action(async (state: string, o: TargetOptions & { json: boolean }) => {
    if (state !== 'on' && state !== 'off' && state !== 'status') {
      usageError('maintenance', `expected "on", "off" or "status", got ${JSON.stringify(state)}`);
      return;
    }
    const socket = socketFor('maintenance', o);
    if (socket === null) return;
    try {
      const r = (await (state === 'status'
        ? controlCall(socket, 'maintenance-status', {}, 5000)
        : controlCall(socket, 'maintenance', { on: state === 'on' }, 5000))) as {
        maintenance: boolean;
        saved?: { since: string | null } | null;
        savedIn: string;
      };
      if (o.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      else if (state !== 'status') process.stdout.write(`maintenance ${state}\n`);
      else process.stdout.write(renderMaintenance(r));
      finish(EXIT_OK);
    } catch (e) {
      // The daemon answered but could not save: a script must not go on to reboot as if it had.
      finish(controlFailureExit(e));
    }
  });

function renderMaintenance(r: { maintenance: boolean; saved?: { since: string | null } | null; savedIn: string }): string {
  const saved = r.saved ? `saved in ${r.savedIn}${r.saved.since ? ` since ${r.saved.since}` : ''}` : `nothing saved in ${r.savedIn}`;
  const differs = (r.saved !== undefined && r.saved !== null) !== r.maintenance ? ' (the running daemon and the saved state differ: see vipd doctor)' : '';
  return `maintenance ${r.maintenance ? 'on' : 'off'} (${saved})${differs}\n`;
}

command('doctor', 'run the debugging checklist: pass/fail with the fix for each (exit 1 when a check fails)')
  .option(...configOption())
  .option(...socketOption())
  .option('--json', 'machine-readable output', false)
  .action(async (o: TargetOptions & { json: boolean }) => {
    // Loaded when run: `vipd run` need not keep the doctor's checks resident (docs/benchmarks.md, footprint).
    const { doctorCommand } = await import('./doctor');
    finish(await doctorCommand({ configPath: o.config ?? DEFAULT_CONFIG, socket: o.socket ?? null, json: o.json }));
  });

command('import-keepalived', 'write a vipd config from a keepalived.conf (stdout or -o); what cannot be carried over is listed on stderr')
  .argument('[file]', 'keepalived configuration', '/etc/keepalived/keepalived.conf')
  .option('-o, --output <file>', 'write the vipd config to this file instead of stdout')
  .option('--node-id <id>', "this node's node.id (default: node-<unicast_src_ip>, else router_id, else the host name)")
  .option(
    '--peer <id=address>',
    'a peer for instances without unicast_peer (keepalived multicast); repeatable',
    (v: string, acc: string[]) => [...acc, v],
    [] as string[],
  )
  .option('-i, --config-id <id>', "keepalived's -i config id for @id lines (default: the short host name, as keepalived)")
  .option('--key-file <path>', 'heartbeat.keyFile of the generated config', DEFAULT_IMPORT_KEY_FILE)
  .action(async (file: string, o: { output?: string; nodeId?: string; peer: string[]; configId?: string; keyFile: string }) => {
    // Loaded when run, as doctor: `vipd run` need not keep the keepalived parser resident.
    const { importKeepalivedCommand } = await import('./import-keepalived');
    finish(
      importKeepalivedCommand({ file, output: o.output ?? null, nodeId: o.nodeId ?? null, peers: o.peer, configId: o.configId ?? null, keyFile: o.keyFile }),
    );
  });

/** The command-line definition, for the generated man page and completions (gen-cli-docs.ts). */
export { program };

if (require.main === module) {
  program.parseAsync(process.argv).catch((e: unknown) => {
    if (e instanceof CommanderError) {
      // --help and --version end here too, with exit code 0; commander printed the message already.
      process.exitCode = e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
      return;
    }
    process.stderr.write(`vipd: ${asVipdError(e).message}\n`);
    process.exitCode = 1;
  });
}
