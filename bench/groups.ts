#!/usr/bin/env node
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../src/config/duration';
import { VipdError, asVipdError } from '../src/errors';
import { createRootLogger } from '../src/util/root-logger';
import { sleep } from '../src/util/timers';
import type { LabCloudHandle } from '../lab/cloud/aws/in-lab';
import { awsScenarioProvider } from '../lab/scenario/aws-provider';
import { interruptibleScenarioDeps } from '../lab/scenario/deps';
import { parseLogLines } from '../lab/scenario/logs';
import { currentUid, labUnavailable } from '../lab/scenario/preflight';
import { noneProvider } from '../lab/scenario/provider';
import { FailoverScenario, type ScenarioDeps } from '../lab/scenario/scenario';
import { waitUntil } from '../lab/scenario/wait';
import { sweepLeftovers } from '../lab/netns/sweep';
import { formatInterval, formatMs, replaceMarkedSection } from './report';
import { summarize } from './stats';

/**
 * `npm run bench:groups`: N groups on one pair (one VIP each, all preferring
 * node 1), node 1 dies (kill -9 + link cut) and every group moves at once.
 * Measured: fault -> the LAST group's `vips-ready` on the survivor (its log's
 * wall-clock time against the fault's), the client's outage on the last
 * group's VIP, the survivor's CPU (user+system) from the fault to the last
 * group ready, and its CPU share over 5 s of steady state before the fault.
 * A trial counts only when every group's VIP ends on the survivor (and, on
 * aws, every VIP is routed there).
 */
type ProviderName = 'none' | 'aws';
const MARKERS = { start: '<!-- bench:groups:start -->', end: '<!-- bench:groups:end -->' };
const DOC = join(__dirname, '..', '..', 'docs', 'benchmarks.md');
const USAGE = 'usage: npm run bench:groups -- [--runs N] [--interval 100ms] [--counts 1,64] [--aws-counts 1,48] [--doc FILE | --no-doc] [--note TEXT]';
const STEADY_SAMPLE_MS = 5_000;
/** /proc/PID/stat ticks per second (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;

interface GroupsOptions {
  readonly runs: number;
  readonly intervalMs: number;
  readonly counts: readonly number[];
  readonly awsCounts: readonly number[];
  readonly doc: string | null;
  readonly note: string | null;
}

function counts(text: string, flag: string, max: number): number[] {
  const out = text
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((s) => Number(s.trim()));
  if (out.some((n) => !Number.isInteger(n) || n < 1 || n > max)) throw new VipdError('VIPD_E_CONFIG', `${flag}: integers 1-${max}, got ${text}`);
  return out;
}

export function parseGroupsArgs(argv: readonly string[]): GroupsOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      runs: { type: 'string' },
      interval: { type: 'string' },
      counts: { type: 'string' },
      'aws-counts': { type: 'string' },
      doc: { type: 'string' },
      'no-doc': { type: 'boolean' },
      note: { type: 'string' },
    },
    strict: true,
  });
  const runs = Number(values.runs ?? '3');
  if (!Number.isInteger(runs) || runs < 1 || runs > 100) throw new VipdError('VIPD_E_CONFIG', `--runs: 1-100, got ${values.runs}`);
  return {
    runs,
    intervalMs: parseDuration(values.interval ?? '100ms'),
    counts: counts(values.counts ?? '1,64', '--counts', 64),
    // EC2 caps an ENI at 50 private addresses (the primary included) on the largest types: 64 groups on one ENI cannot exist there.
    awsCounts: counts(values['aws-counts'] ?? '1,48', '--aws-counts', 49),
    doc: values['no-doc'] === true ? null : (values.doc ?? DOC),
    note: values.note ?? null,
  };
}

/** utime + stime of a process, in seconds. */
export function cpuSeconds(statLine: string): number {
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const rest = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime))
    throw new VipdError('VIPD_E_INTERNAL', `cannot read utime/stime from /proc stat: ${statLine.slice(0, 120)}`);
  return (utime + stime) / TICKS_PER_S;
}

function cpuOf(pid: number): number {
  return cpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

interface GroupsTrial {
  readonly lastReadyMs: number;
  readonly outageMs: number;
  readonly takeoverCpuS: number;
  readonly steadyCpuShare: number;
  readonly problems: string[];
}

async function groupsTrial(deps: ScenarioDeps, provider: ProviderName, groups: number, intervalMs: number): Promise<GroupsTrial> {
  let cloud: LabCloudHandle | null = null;
  const scenario = await FailoverScenario.create(deps, {
    daemon: 'vipd',
    intervalMs,
    groupCount: groups,
    provider: provider === 'aws' ? awsScenarioProvider({ onReady: (c) => (cloud = c) }) : noneProvider,
  });
  try {
    await scenario.start();
    const master = await scenario.waitForSteadyState();
    const survivor = master === 1 ? 2 : 1;
    const pid = scenario.driver.rootPid(survivor);
    if (pid === null) throw new VipdError('VIPD_E_INTERNAL', `no vipd on node ${survivor}`);
    const groupNames = ['web', ...Array.from({ length: groups - 1 }, (_, k) => `g${k + 2}`)];
    // Every group settled on the master before the clock starts.
    await waitUntil(
      deps,
      () =>
        scenario.driver
          .output(master)
          .stdout.split('\n')
          .filter((l) => l.includes('"vips-ready"')).length >= groups
          ? true
          : null,
      `all ${groups} groups ready on the master`,
      { timeoutMs: 60_000, everyMs: 100 },
    );
    const steadyStart = cpuOf(pid);
    await sleep(deps.timers, STEADY_SAMPLE_MS);
    const steadyCpuShare = (cpuOf(pid) - steadyStart) / (STEADY_SAMPLE_MS / 1000);
    const mark = scenario.driver.output(survivor).stdout.length;
    const cpuBefore = cpuOf(pid);
    const fault = await scenario.injectFault('hard', master);
    const faultWallMs = Date.now() - (deps.clock.nowMs() - fault.atMs);
    const readyAt = await waitUntil(
      deps,
      () => {
        const ready = parseLogLines(scenario.driver.output(survivor).stdout.slice(mark)).filter((r) => r.event === 'vips-ready' && typeof r.group === 'string');
        const seen = new Map<string, number>();
        for (const r of ready) seen.set(r.group as string, Date.parse(String(r.time)));
        return groupNames.every((g) => seen.has(g)) ? Math.max(...seen.values()) : null;
      },
      `all ${groups} groups ready on node ${survivor}`,
      { timeoutMs: 60_000, everyMs: 20 },
    );
    const takeoverCpuS = cpuOf(pid) - cpuBefore;
    const result = await scenario.awaitRecovery(fault);
    const problems: string[] = [];
    const json = (await scenario.lab.ipJson(scenario.lab.nodeNs(survivor), ['-4', 'addr', 'show', 'dev', 'eth0'])) as { addr_info?: { local?: string }[] }[];
    const held = new Set(json.flatMap((l) => (l.addr_info ?? []).map((a) => a.local)));
    const missing = scenario.vips.filter((v) => !held.has(v));
    if (missing.length > 0) problems.push(`${missing.length} VIPs not on the survivor`);
    const c = cloud as LabCloudHandle | null;
    if (c !== null) {
      const elsewhere = [...(await c.holders(scenario.vips))].filter(([, h]) => h !== survivor);
      if (elsewhere.length > 0) problems.push(`the cloud does not route ${elsewhere.length} VIPs to the survivor`);
    }
    return { lastReadyMs: readyAt - faultWallMs, outageMs: result.outageMs, takeoverCpuS, steadyCpuShare, problems };
  } finally {
    await scenario.teardown();
  }
}

interface GroupsCell {
  readonly provider: ProviderName;
  readonly groups: number;
  readonly trials: GroupsTrial[];
  readonly failures: string[];
}

export function renderGroupsSection(
  cells: readonly GroupsCell[],
  meta: { date: string; command: string; intervalMs: number; load: readonly number[]; note: string | null },
): string {
  const med = (xs: number[]): string => {
    const s = summarize(xs);
    return s === null ? '–' : `${formatMs(s.min)} / **${formatMs(s.median)}** / ${formatMs(s.max)}`;
  };
  const rows = cells.map((c) => {
    const t = c.trials;
    const cpu = summarize(t.map((x) => x.takeoverCpuS * 1000));
    const steady = summarize(t.map((x) => x.steadyCpuShare * 100));
    return `| ${c.provider} | ${c.groups} | ${t.length}/${t.length + c.failures.length} | ${med(t.map((x) => x.lastReadyMs))} | ${med(t.map((x) => x.outageMs))} | ${cpu === null ? '–' : formatMs(cpu.median)} | ${steady === null ? '–' : steady.median.toFixed(1)} |`;
  });
  const failures = cells.flatMap((c) => c.failures.map((f) => `- ${c.provider}, ${c.groups} groups: ${f}`));
  return [
    MARKERS.start,
    `Run ${meta.date} with \`${meta.command}\`: vipd only, node death (kill -9 + link cut) of the node every group prefers, ${formatInterval(meta.intervalMs)} adverts. Load average before: ${meta.load.map((x) => x.toFixed(2)).join(' ')}.${meta.note === null ? '' : ` ${meta.note}`}`,
    '',
    "| provider | groups | good runs | fault → last group ready, ms (min / **median** / max) | client outage on the last group's VIP, ms | survivor CPU during the takeover, ms (median) | survivor CPU in steady state, % of one core (median) |",
    '|---|---|---|---|---|---|---|',
    ...rows,
    ...(failures.length > 0 ? ['', 'Failed trials:', ...failures] : []),
    MARKERS.end,
  ].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  let options: GroupsOptions;
  try {
    options = parseGroupsArgs(argv);
  } catch (e) {
    process.stderr.write(`bench:groups: ${asVipdError(e).message}\n${USAGE}\n`);
    return 64;
  }
  const deps = interruptibleScenarioDeps(createRootLogger('warn', 2), (line) => void process.stderr.write(`bench:groups: ${line}\n`));
  const unavailable = await labUnavailable(deps.runner, currentUid());
  if (unavailable !== null) {
    process.stderr.write(`bench:groups: ${unavailable}\n`);
    return 77;
  }
  const load = loadavg();
  await sweepLeftovers(deps);
  const cells: GroupsCell[] = [];
  const plan: [ProviderName, readonly number[]][] = [
    ['none', options.counts],
    ['aws', options.awsCounts],
  ];
  for (const [provider, list] of plan) {
    for (const groups of list) {
      const cell: GroupsCell = { provider, groups, trials: [], failures: [] };
      cells.push(cell);
      for (let run = 1; run <= options.runs; run++) {
        const label = `${provider} ${groups} groups #${run}`;
        try {
          const t = await groupsTrial(deps, provider, groups, options.intervalMs);
          if (t.problems.length > 0) {
            cell.failures.push(`run ${run}: ${t.problems.join('; ')}`);
            process.stdout.write(`${label}: FAILED ${t.problems.join('; ')}\n`);
            continue;
          }
          cell.trials.push(t);
          process.stdout.write(
            `${label}: last group ready ${formatMs(t.lastReadyMs)} ms, outage ${formatMs(t.outageMs)} ms, takeover CPU ${formatMs(t.takeoverCpuS * 1000)} ms, steady ${(t.steadyCpuShare * 100).toFixed(1)}%\n`,
          );
        } catch (e) {
          const message = (asVipdError(e).message.split('\n')[0] ?? '').slice(0, 300);
          cell.failures.push(`run ${run}: ${message}`);
          process.stdout.write(`${label}: FAILED ${message}\n`);
        }
      }
    }
  }
  const shown = argv.filter((a, i) => a !== '--note' && argv[i - 1] !== '--note');
  const command = `npm run bench:groups${shown.length > 0 ? ` -- ${shown.join(' ')}` : ''}`;
  const section = renderGroupsSection(cells, {
    date: new Date().toISOString().slice(0, 10),
    command,
    intervalMs: options.intervalMs,
    load,
    note: options.note,
  });
  process.stdout.write(`\n${section}\n`);
  if (options.doc !== null) {
    writeFileSync(options.doc, replaceMarkedSection(readFileSync(options.doc, 'utf8'), section, MARKERS));
    process.stdout.write(`written to ${options.doc} (${MARKERS.start})\n`);
  }
  return cells.some((c) => c.failures.length > 0) ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`bench:groups: ${asVipdError(e).message}\n`);
      process.exitCode = 1;
    },
  );
}
