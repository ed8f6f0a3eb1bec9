import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../src/config/duration';
import { VipdError, asVipdError } from '../src/errors';
import { awsScenarioProvider } from '../lab/scenario/aws-provider';
import { FailoverScenario, type ScenarioDeps } from '../lab/scenario/scenario';
import type { DaemonKind } from '../lab/scenario/daemon';
import { noneProvider } from '../lab/scenario/provider';
import { VipdDriver } from '../lab/scenario/vipd';
import type { BenchCaseName } from './args';
import { cpuPercent, cpuTargetPercent, rssTargetMiB, sampleTree, type TreeSample } from './footprint-measure';
import { machineInfo } from './machine';
import { formatDuration, formatInterval, replaceMarkedSection } from './report';

/**
 * `npm run bench -- --footprint`: what a steady pair costs. For each case
 * (l2: provider none; aws: the emulated cloud, so the SDK is loaded), each
 * heartbeat interval and each Node line (vipd) or keepalived: a fresh lab,
 * both daemons started and settled (one master, the probe answered), then
 * CPU (percent of one core, from /proc utime + stime of the daemon's whole
 * process tree) over a quiet window and resident memory at its end, master
 * and backup apart; for vipd, process start to READY=1 from its `ready`
 * log line. No fault: this is the idle cost, not a failover.
 */
export interface FootprintOptions {
  readonly cases: readonly BenchCaseName[];
  readonly intervalsMs: readonly number[];
  /** Node majors for vipd (each fetched by scripts/fetch-node.sh unless it is this process's). */
  readonly nodeMajors: readonly number[];
  readonly keepalived: boolean;
  readonly seconds: number;
  /** Wait after the pair settled, before the window: start-up's tail (lazy compilation, the first full GCs) is not the idle cost. */
  readonly warmupSeconds: number;
  readonly doc: string | null;
}

export const FOOTPRINT_USAGE =
  'usage: npm run bench -- --footprint [--cases l2,aws] [--intervals 1s,100ms,20ms] [--nodes 20,22,24,26] [--seconds 30] [--warmup 10] [--no-keepalived] [--doc FILE | --no-doc]';

export function parseFootprintArgs(argv: readonly string[], defaultDoc: string): FootprintOptions {
  let v: Record<string, string | boolean | undefined>;
  try {
    v = parseArgs({
      args: [...argv],
      options: {
        footprint: { type: 'boolean' },
        cases: { type: 'string', default: 'l2,aws' },
        intervals: { type: 'string', default: '1s,100ms,20ms' },
        nodes: { type: 'string', default: '20,22,24,26' },
        seconds: { type: 'string', default: '30' },
        warmup: { type: 'string', default: '10' },
        'no-keepalived': { type: 'boolean', default: false },
        doc: { type: 'string' },
        'no-doc': { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw new VipdError('VIPD_E_CONFIG', `${asVipdError(e).message}\n${FOOTPRINT_USAGE}`);
  }
  const items = (s: unknown): string[] =>
    String(s)
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x !== '');
  const cases = items(v.cases);
  for (const c of cases) if (c !== 'l2' && c !== 'aws') throw new VipdError('VIPD_E_CONFIG', `--cases: "${c}" is not l2 or aws`);
  const intervalsMs = items(v.intervals).map((s) => {
    const ms = parseDuration(s);
    if (ms < 10 || ms > 60_000 || ms % 10 !== 0) throw new VipdError('VIPD_E_CONFIG', `--intervals: ${s} must be a multiple of 10 ms, 10ms-1m`);
    return ms;
  });
  const nodeMajors = items(v.nodes).map((s) => {
    if (!/^\d+$/.test(s) || Number(s) < 20) throw new VipdError('VIPD_E_CONFIG', `--nodes: "${s}" is not a Node major >= 20`);
    return Number(s);
  });
  const seconds = Number(v.seconds);
  if (!Number.isInteger(seconds) || seconds < 2 || seconds > 3600)
    throw new VipdError('VIPD_E_CONFIG', `--seconds: expected an integer 2-3600, got ${String(v.seconds)}`);
  const warmupSeconds = Number(v.warmup);
  if (!Number.isInteger(warmupSeconds) || warmupSeconds < 0 || warmupSeconds > 600)
    throw new VipdError('VIPD_E_CONFIG', `--warmup: expected an integer 0-600, got ${String(v.warmup)}`);
  if (cases.length === 0 || intervalsMs.length === 0 || nodeMajors.length === 0) throw new VipdError('VIPD_E_CONFIG', `empty list\n${FOOTPRINT_USAGE}`);
  return {
    cases: [...new Set(cases)] as BenchCaseName[],
    intervalsMs: [...new Set(intervalsMs)],
    nodeMajors: [...new Set(nodeMajors)],
    keepalived: v['no-keepalived'] !== true,
    seconds,
    warmupSeconds,
    doc: v['no-doc'] === true ? null : typeof v.doc === 'string' ? v.doc : defaultDoc,
  };
}

export interface FootprintRow {
  readonly caseName: BenchCaseName;
  readonly intervalMs: number;
  readonly daemon: DaemonKind;
  /** "20.20.2" for vipd, keepalived's version line for keepalived. */
  readonly runtime: string;
  readonly master: { readonly cpuPercent: number; readonly rssMiB: number } | null;
  readonly backup: { readonly cpuPercent: number; readonly rssMiB: number } | null;
  /** vipd: process start to READY=1 per node, ms. */
  readonly readyMs: readonly number[];
  readonly failure: string | null;
}

/** The node binary for a major: this process's when it is that line, else a registry build (scripts/fetch-node.sh). */
export function nodeBinaryFor(major: number, repo: string): string {
  if (Number(process.versions.node.split('.')[0]) === major) return process.execPath;
  const out = execFileSync('bash', [join(repo, 'scripts', 'fetch-node.sh'), String(major)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const bin = out.trim().split('\n').pop() ?? '';
  if (bin === '') throw new VipdError('VIPD_E_TOOL_MISSING', `scripts/fetch-node.sh ${major} printed no node binary`);
  return bin;
}

function nodeVersion(bin: string): string {
  return execFileSync(bin, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
}

async function measureOne(
  deps: ScenarioDeps,
  spec: { caseName: BenchCaseName; intervalMs: number; daemon: DaemonKind; nodeBinary: string | null; seconds: number; warmupSeconds: number },
): Promise<Omit<FootprintRow, 'caseName' | 'intervalMs' | 'daemon' | 'runtime'>> {
  const scenario = await FailoverScenario.create(deps, {
    daemon: spec.daemon,
    intervalMs: spec.intervalMs,
    provider: spec.caseName === 'aws' ? awsScenarioProvider({ propagationMs: 0, onReady: () => undefined }) : noneProvider,
    ...(spec.nodeBinary === null ? {} : { nodeBinary: spec.nodeBinary }),
  });
  try {
    await scenario.start();
    const master = await scenario.waitForSteadyState();
    const backup = master === 1 ? 2 : 1;
    const roots = [master, backup].map((n) => {
      const pid = scenario.driver.rootPid(n);
      if (pid === null) throw new VipdError('VIPD_E_INTERNAL', `no daemon pid on node ${n}`);
      return pid;
    });
    const take = (): TreeSample[] => {
      const table = deps.processes.list();
      return roots.map((pid) => sampleTree(pid, table));
    };
    await new Promise<void>((resolve) => deps.timers.setTimeout(resolve, spec.warmupSeconds * 1000));
    const before = take();
    const t0 = deps.clock.nowMs();
    await new Promise<void>((resolve) => deps.timers.setTimeout(resolve, spec.seconds * 1000));
    const after = take();
    const seconds = (deps.clock.nowMs() - t0) / 1000;
    const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const at = (k: number): { cpuPercent: number; rssMiB: number } => ({
      cpuPercent: cpuPercent(before[k] as TreeSample, after[k] as TreeSample, seconds, hz),
      rssMiB: (after[k] as TreeSample).rssKiB / 1024,
    });
    const driver = scenario.driver;
    const readyMs =
      driver instanceof VipdDriver
        ? [master, backup].flatMap((n) =>
            driver
              .logs(n)
              .filter((l) => l.event === 'ready' && typeof l.startMs === 'number')
              .map((l) => l.startMs as number),
          )
        : [];
    return { master: at(0), backup: at(1), readyMs, failure: null };
  } finally {
    await scenario.teardown();
  }
}

const f1 = (n: number): string => n.toFixed(n < 10 ? 2 : 1);

function cell(r: FootprintRow, which: 'master' | 'backup'): string {
  const m = r[which];
  return m === null ? '—' : `${f1(m.cpuPercent)}% / ${m.rssMiB.toFixed(0)} MB`;
}

export function renderFootprintTable(rows: readonly FootprintRow[]): string {
  const lines = [
    '| case | interval | daemon | runtime | master CPU / RSS | backup CPU / RSS | start to READY, ms | targets (CPU / RSS) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const cpuT = cpuTargetPercent(r.intervalMs);
    const target = r.daemon === 'vipd' ? `< ${cpuT === null ? '—' : `${cpuT}%`} / < ${rssTargetMiB(r.caseName)} MB` : '';
    const ready = r.readyMs.length > 0 ? r.readyMs.map((ms) => String(Math.round(ms))).join(', ') : '—';
    const failed = r.failure === null ? '' : ` (failed: ${r.failure.replace(/\|/g, '/').slice(0, 120)})`;
    lines.push(
      `| ${r.caseName} | ${formatInterval(r.intervalMs)} | ${r.daemon} | ${r.runtime} | ${cell(r, 'master')} | ${cell(r, 'backup')} | ${ready}${failed} | ${target} |`,
    );
  }
  return lines.join('\n');
}

export const FOOTPRINT_MARKERS = { start: '<!-- bench:footprint:start -->', end: '<!-- bench:footprint:end -->' };

export async function runFootprint(
  deps: ScenarioDeps,
  options: FootprintOptions,
  env: { repo: string; command: string; keepalived: string | null; vipdVersion: string },
): Promise<number> {
  const begin = deps.clock.nowMs();
  const loadBefore = loadavg();
  const runtimes: Array<{ daemon: DaemonKind; bin: string | null; runtime: string }> = [];
  for (const major of options.nodeMajors) {
    const bin = nodeBinaryFor(major, env.repo);
    runtimes.push({ daemon: 'vipd', bin, runtime: `Node ${nodeVersion(bin)}` });
  }
  if (options.keepalived && env.keepalived !== null) runtimes.push({ daemon: 'keepalived', bin: null, runtime: env.keepalived });
  const rows: FootprintRow[] = [];
  for (const caseName of options.cases) {
    for (const intervalMs of options.intervalsMs) {
      for (const rt of runtimes) {
        // keepalived in the aws case would need its notify script: its footprint is the l2 one.
        if (rt.daemon === 'keepalived' && caseName === 'aws') continue;
        const base = { caseName, intervalMs, daemon: rt.daemon, runtime: rt.runtime };
        let row: FootprintRow;
        try {
          row = {
            ...base,
            ...(await measureOne(deps, {
              caseName,
              intervalMs,
              daemon: rt.daemon,
              nodeBinary: rt.bin,
              seconds: options.seconds,
              warmupSeconds: options.warmupSeconds,
            })),
          };
        } catch (e) {
          row = { ...base, master: null, backup: null, readyMs: [], failure: asVipdError(e).message.split('\n')[0] ?? 'failed' };
        }
        rows.push(row);
        process.stdout.write(
          `${caseName} ${formatInterval(intervalMs)} ${rt.daemon} ${rt.runtime}: master ${cell(row, 'master')}, backup ${cell(row, 'backup')}${row.readyMs.length > 0 ? `, READY after ${row.readyMs.map(Math.round).join(' / ')} ms` : ''}${row.failure ? ` FAILED: ${row.failure}` : ''}\n`,
        );
      }
    }
  }
  const machine = machineInfo(readFileSync('/proc/cpuinfo', 'utf8'), loadBefore);
  const table = renderFootprintTable(rows);
  const section = [
    FOOTPRINT_MARKERS.start,
    `Run on ${new Date().toISOString().slice(0, 10)} with \`${env.command}\` (per cell: the pair settled, ${options.warmupSeconds} s more, then a ${options.seconds} s window; ${rows.length} cells in ${formatDuration(deps.clock.nowMs() - begin)}).`,
    '',
    `Machine: Linux ${machine.kernel}, ${machine.nproc} vCPU, ${machine.cpu}; load average ${machine.loadBefore.map((l) => l.toFixed(2)).join(' ')} before and ${machine.loadAfter.map((l) => l.toFixed(2)).join(' ')} after.`,
    `vipd ${env.vipdVersion}${env.keepalived ? `; ${env.keepalived}` : ''}. CPU is percent of one core (user + system of the daemon's process tree), RSS the tree's resident memory at the end of the window.`,
    '',
    table,
    FOOTPRINT_MARKERS.end,
  ].join('\n');
  process.stdout.write(`\n${table}\n`);
  if (options.doc !== null) {
    writeFileSync(options.doc, replaceMarkedSection(readFileSync(options.doc, 'utf8'), section, FOOTPRINT_MARKERS));
    process.stdout.write(`written to ${options.doc} (${FOOTPRINT_MARKERS.start})\n`);
  }
  return rows.some((r) => r.failure !== null) ? 1 : 0;
}
