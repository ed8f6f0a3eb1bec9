import { parseArgs } from 'node:util';
import { parseDuration } from '../src/config/duration';
import { VipdError, asVipdError } from '../src/errors';
import { FailoverScenario, type FailoverResult, type FaultKind, type ScenarioDeps } from './scenario/scenario';
import { interruptibleScenarioDeps } from './scenario/deps';
import type { ScenarioProvider } from './scenario/provider';
import { scenarioProvider } from './scenario/providers';
import { currentUid, labUnavailable } from './scenario/preflight';
import { sweepLeftovers } from './netns/sweep';
import { ExecFileRunner } from '../src/os/exec-runner';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../src/util/exit-codes';
import { createRootLogger } from '../src/util/root-logger';

/** sysexits EX_NOPERM: the demo needs root for network namespaces. */
const EXIT_NOPERM = 77;

export interface DemoRawOptions {
  readonly provider: string;
  readonly interval: string;
  readonly kill: string;
}

export interface DemoOptions {
  readonly provider: ScenarioProvider;
  readonly intervalMs: number;
  readonly kill: FaultKind;
}

/** Checks every option; throws VIPD_E_CONFIG naming the bad one (an unwired provider says "not yet"). */
export function parseDemoOptions(raw: DemoRawOptions): DemoOptions {
  if (raw.kill !== 'hard' && raw.kill !== 'graceful' && raw.kill !== 'crash')
    throw new VipdError('VIPD_E_CONFIG', `--kill: expected hard, graceful or crash, got "${raw.kill}"`);
  let intervalMs: number;
  try {
    intervalMs = parseDuration(raw.interval);
  } catch (e) {
    throw new VipdError('VIPD_E_CONFIG', `--interval: ${asVipdError(e).message}`);
  }
  if (intervalMs < 10 || intervalMs > 60_000) throw new VipdError('VIPD_E_CONFIG', `--interval: expected 10ms-1m (vipd's range), got ${raw.interval}`);
  return { provider: scenarioProvider(raw.provider), intervalMs, kill: raw.kill };
}

const ms = (v: number | null): string => (v === null ? '-' : v.toFixed(1));

export function describeFault(kind: FaultKind, node: string): string {
  switch (kind) {
    case 'hard':
      return `node death: ${node}'s link cut and its vipd killed -9 (no resign)`;
    case 'graceful':
      return `graceful stop: SIGTERM to ${node}'s vipd (it resigns)`;
    case 'crash':
      return `process crash: ${node}'s vipd killed -9, host and link up (its kernel refuses the peer's probes)`;
  }
}

/** The result as a short table: vipd's own phases, then what the client saw. */
export function renderDemoResult(r: FailoverResult): string {
  const p = r.takeover.phases;
  const rows: Array<[string, string]> = [
    ['detection (last advert heard -> claim)', ms(p?.detectionMs ?? null)],
    ['cloud acquire', ms(p?.cloudMs ?? null)],
    ['OS configure (address, policy routing)', ms(p?.osMs ?? null)],
    ['total as vipd measured it', ms(p?.totalMs ?? null)],
    [`first successful request from ${r.newMaster} (outage)`, ms(r.outageMs)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = [`${'phase'.padEnd(width)}  ms`, `${'-'.repeat(width)}  ------`, ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v.padStart(6)}`)];
  const stale = r.holders.staleOnDeadNodes.length > 0 ? `; stale on dead ${r.holders.staleOnDeadNodes.join(', ')} (link cut, expected)` : '';
  lines.push('');
  lines.push(`${r.newMaster} took over from ${r.oldMaster} (${r.takeover.reason ?? '?'}); VIP held by ${r.holders.live.join(', ') || 'nobody'}${stale}.`);
  lines.push(
    `The client (new TCP connection every 10 ms) saw ${r.outage.errorsAfterFault} failed attempts; the fault fell ${r.phaseDelayMs.toFixed(1)} ms into a heartbeat interval.`,
  );
  lines.push('detection runs from the last advert heard, so it starts before the fault; the outage runs from the fault.');
  return `${lines.join('\n')}\n`;
}

export interface DemoIo {
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
  /** null when the lab can run here, else why not. */
  readonly labUnavailable: () => Promise<string | null>;
  readonly scenarioDeps: () => ScenarioDeps;
}

const defaultIo = (): DemoIo => ({
  out: process.stdout,
  err: process.stderr,
  labUnavailable: () => labUnavailable(new ExecFileRunner({ timeoutMs: 10_000 }), currentUid()),
  scenarioDeps: () => interruptibleScenarioDeps(createRootLogger('warn', 2), (line) => void process.stderr.write(`demo: ${line}\n`)),
});

/** `npm run demo`: one failover in the namespace lab, printed as a table; everything is torn down after. */
export async function demoCommand(raw: DemoRawOptions, io: DemoIo = defaultIo()): Promise<number> {
  let options: DemoOptions;
  try {
    options = parseDemoOptions(raw);
  } catch (e) {
    io.err.write(`demo: ${asVipdError(e).message}\n`);
    return EXIT_USAGE;
  }
  const unavailable = await io.labUnavailable();
  if (unavailable !== null) {
    io.err.write(`demo: ${unavailable}\n`);
    return EXIT_NOPERM;
  }
  const say = (line: string): void => void io.out.write(`${line}\n`);
  say(`demo: 2 nodes (n1 priority 200, n2 priority 100), provider ${options.provider.name}, heartbeat every ${options.intervalMs} ms, VIP 10.0.1.100`);
  let scenario: FailoverScenario | null = null;
  try {
    const deps = io.scenarioDeps();
    // A demo killed half-way (Ctrl-C) leaves namespaces behind; their owner pid is dead.
    await sweepLeftovers(deps);
    scenario = await FailoverScenario.create(deps, { intervalMs: options.intervalMs, provider: options.provider });
    say(`lab built (namespaces ${scenario.lab.prefix}*); starting vipd and an HTTP service on each node`);
    await scenario.start();
    const master = await scenario.waitForSteadyState();
    const name = scenario.lab.nodeName(master);
    say(`${name} is MASTER; the client in its own namespace gets answers from ${name}`);
    say(`fault: ${describeFault(options.kill, name)}, at a random point of the heartbeat cycle`);
    const fault = await scenario.injectFault(options.kill, master);
    const result = await scenario.awaitRecovery(fault);
    say('');
    io.out.write(renderDemoResult(result));
    return EXIT_OK;
  } catch (e) {
    io.err.write(`demo failed: ${asVipdError(e).message}\n`);
    return EXIT_FAILURE;
  } finally {
    if (scenario) {
      await scenario.teardown().catch((e: unknown) => io.err.write(`demo: teardown: ${asVipdError(e).message}\n`));
      say('lab torn down');
    }
  }
}

const USAGE = `usage: node dist/lab/demo.js [--provider aws|gcp|none] [--interval DURATION] [--kill hard|graceful|crash]
  --provider  aws (the emulated AWS cloud: the VIP moves by API call) | gcp (the emulated GCP cloud: the alias range moves in two steps) | none (plain L2: gratuitous ARP); default aws
  --interval  heartbeat interval, e.g. 100ms or 1s; default 100ms
  --kill      hard (link cut + kill -9) | graceful (SIGTERM) | crash (kill -9, host and link up); default hard
Needs root and Linux: builds network namespaces, runs two vipd nodes and a client, kills the active node
and prints the outage by phase. Nothing leaves the lab's namespaces.
`;

/** The command line of `npm run demo` (a lab tool, not a vipd subcommand: production servers never see it). */
export async function demoMain(argv: readonly string[], io: DemoIo = defaultIo()): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        provider: { type: 'string', default: 'aws' },
        interval: { type: 'string', default: '100ms' },
        kill: { type: 'string', default: 'hard' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (e) {
    io.err.write(`demo: ${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (values.help === true) {
    io.out.write(USAGE);
    return EXIT_OK;
  }
  return demoCommand({ provider: values.provider ?? 'aws', interval: values.interval ?? '100ms', kill: values.kill ?? 'hard' }, io);
}

if (require.main === module) {
  demoMain(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`demo: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = EXIT_FAILURE;
    },
  );
}
