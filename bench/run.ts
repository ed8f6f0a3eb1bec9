#!/usr/bin/env node
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRootLogger } from '../src/util/root-logger';
import { packageVersion } from '../src/cli/version';
import { asVipdError } from '../src/errors';
import { AWS_CLI } from '../lab/cloud/aws/in-lab';
import type { FaultKind, ScenarioDeps } from '../lab/scenario/scenario';
import type { DaemonKind } from '../lab/scenario/daemon';
import { interruptibleScenarioDeps } from '../lab/scenario/deps';
import { currentUid, keepalivedVersion, labUnavailable } from '../lab/scenario/preflight';
import { sweepLeftovers } from '../lab/netns/sweep';
import { type BenchCaseOptions, type BenchOptions, parseBenchArgs } from './args';
import { type FootprintOptions, parseFootprintArgs, runFootprint } from './footprint';
import { machineInfo } from './machine';
import {
  type BenchCell,
  type BenchReport,
  formatDuration,
  formatInterval,
  formatMs,
  newCell,
  renderSection,
  renderTable,
  replaceMarkedSection,
  sectionMarkers,
} from './report';
import { runTrial } from './trial';

/**
 * `npm run bench`: failover trials per case (l2, aws), interval and fault,
 * for vipd and, when installed, keepalived (VRRPv3, unicast, same
 * interval, same lab, same probe, same fault; in the aws case with the
 * guides' notify script calling the AWS CLI). Writes min / median / max
 * into each case's marked section of docs/benchmarks.md and prints the tables.
 * With --footprint, the idle cost instead (bench/footprint.ts).
 */
const REPO = join(__dirname, '..', '..');
const DOC = join(REPO, 'docs', 'benchmarks.md');
const HEADER = '# Benchmarks\n\nFailover measured in the namespace lab (docs/lab.md); regenerate with `sudo npm run bench`.\n';

interface Tools {
  readonly keepalived: string | null;
  readonly awsCli: string | null;
}

async function awsCliVersion(deps: ScenarioDeps): Promise<string | null> {
  const r = await deps.runner.run(AWS_CLI, ['--version'], { timeoutMs: 30_000 });
  if (r.exitCode !== 0) return null;
  return `${r.stdout}${r.stderr}`.trim().split(/\s+/)[0] ?? null;
}

async function runCase(
  deps: ScenarioDeps,
  options: BenchOptions,
  c: BenchCaseOptions,
  daemons: readonly DaemonKind[],
  evidenceRoot: string,
): Promise<{ cells: BenchCell[]; durationMs: number }> {
  const begin = deps.clock.nowMs();
  const cells: BenchCell[] = [];
  const cell = (daemon: DaemonKind, intervalMs: number, kind: FaultKind): BenchCell => {
    let found = cells.find((x) => x.daemon === daemon && x.intervalMs === intervalMs && x.kind === kind);
    if (!found) cells.push((found = newCell(daemon, intervalMs, kind)));
    return found;
  };
  for (const intervalMs of c.intervalsMs) {
    for (const kind of options.kinds) {
      for (let run = 1; run <= c.runs; run++) {
        // Alternating daemons trial by trial spreads the machine's noise over both.
        for (const daemon of daemons) {
          const into = cell(daemon, intervalMs, kind);
          const label = `${c.name} ${daemon} ${formatInterval(intervalMs)} ${kind} #${run}`;
          try {
            const evidenceDir = join(evidenceRoot, label.replace(/[^A-Za-z0-9]+/g, '-'));
            const t = await runTrial(deps, {
              caseName: c.name,
              daemon,
              intervalMs,
              kind,
              awsPropagationMs: options.awsPropagationMs,
              evidenceDir,
              keepEvidence: options.keepEvidence === true,
            });
            const r = t.result;
            into.trialMs.push(t.wallMs);
            if (t.problems.length > 0) {
              const where = t.evidence === null ? '' : ` (evidence in ${t.evidence})`;
              into.failures.push(`run ${run}: ${t.problems.join('; ')}${where}`);
              process.stdout.write(`${label}: FAILED (outage ${formatMs(r.outageMs)} ms): ${t.problems.join('; ')}${where}\n`);
              continue;
            }
            into.outagesMs.push(r.outageMs);
            if (daemon === 'vipd' && r.takeover.reason !== null) into.reasons.push(r.takeover.reason);
            const p = r.takeover.phases;
            if (p) {
              if (p.detectionMs !== null) into.detectionMs.push(p.detectionMs);
              into.cloudMs.push(p.cloudMs);
              into.osMs.push(p.osMs);
            }
            const phases = p
              ? ` [${p.detectionMs === null ? '' : `detection ${formatMs(p.detectionMs)}, `}cloud ${formatMs(p.cloudMs)}, OS ${formatMs(p.osMs)}]`
              : '';
            const assigns =
              t.cloud && t.cloud.assigns.length !== 1
                ? ` (${t.cloud.assigns.length} assign calls: ${t.cloud.assigns.map((a) => `n${a.node ?? '?'} ${a.result}`).join(', ')})`
                : '';
            const path = daemon === 'vipd' ? ` via ${r.takeover.reason ?? '?'}` : '';
            process.stdout.write(
              `${label}: outage ${formatMs(r.outageMs)} ms (${r.oldMaster} -> ${r.newMaster}${path})${phases}${assigns}; trial ${formatDuration(t.wallMs)}${t.evidence === null ? '' : ` (evidence in ${t.evidence})`}\n`,
            );
          } catch (e) {
            const message = asVipdError(e).message.split('\n')[0] ?? '';
            into.failures.push(`run ${run}: ${message.slice(0, 300)}`);
            process.stdout.write(`${label}: FAILED ${asVipdError(e).message}\n`);
          }
        }
      }
    }
  }
  return { cells, durationMs: deps.clock.nowMs() - begin };
}

async function footprintMain(argv: readonly string[]): Promise<number> {
  let options: FootprintOptions;
  try {
    options = parseFootprintArgs(argv, DOC);
  } catch (e) {
    process.stderr.write(`bench: ${asVipdError(e).message}\n`);
    return 64;
  }
  const deps = interruptibleScenarioDeps(createRootLogger('warn', 2), (line) => void process.stderr.write(`bench: ${line}\n`));
  const unavailable = await labUnavailable(deps.runner, currentUid());
  if (unavailable !== null) {
    process.stderr.write(`bench: ${unavailable.replace('npm run demo', 'npm run bench')}\n`);
    return 77;
  }
  const keepalived = options.keepalived ? await keepalivedVersion(deps.runner) : null;
  if (options.keepalived && keepalived === null) process.stderr.write('bench: keepalived is not installed: measuring vipd only\n');
  await sweepLeftovers(deps);
  return runFootprint(deps, options, { repo: REPO, command: `npm run bench -- ${argv.join(' ')}`, keepalived, vipdVersion: packageVersion() });
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--footprint')) return footprintMain(argv);
  let options: BenchOptions;
  try {
    options = parseBenchArgs(argv, DOC);
  } catch (e) {
    process.stderr.write(`bench: ${asVipdError(e).message}\n`);
    return 64;
  }
  const logger = createRootLogger('warn', 2);
  const deps = interruptibleScenarioDeps(logger, (line) => void process.stderr.write(`bench: ${line}\n`));
  const unavailable = await labUnavailable(deps.runner, currentUid());
  if (unavailable !== null) {
    process.stderr.write(`bench: ${unavailable.replace('npm run demo', 'npm run bench')}\n`);
    return 77;
  }
  const wantKeepalived = options.daemons.includes('keepalived');
  const tools: Tools = {
    keepalived: wantKeepalived ? await keepalivedVersion(deps.runner) : null,
    awsCli: wantKeepalived && options.cases.some((c) => c.name === 'aws') ? await awsCliVersion(deps) : null,
  };
  if (wantKeepalived && tools.keepalived === null) process.stderr.write('bench: keepalived is not installed: measuring vipd only\n');
  const loadBefore = loadavg();
  const command = `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`;
  const date = new Date().toISOString().slice(0, 10);
  await sweepLeftovers(deps);
  // A failed trial's daemon logs and probe records go under here (one directory per failed trial, named in its failure).
  const evidenceRoot = join(tmpdir(), `vipd-bench-${new Date().toISOString().replace(/[:.]/g, '-')}`);

  const reports: BenchReport[] = [];
  for (const c of options.cases) {
    let daemons = options.daemons.filter((d) => d !== 'keepalived' || tools.keepalived !== null);
    if (c.name === 'aws' && daemons.includes('keepalived') && tools.awsCli === null) {
      process.stderr.write(`bench: ${AWS_CLI} not found: the aws case measures vipd only\n`);
      daemons = daemons.filter((d) => d !== 'keepalived');
    }
    process.stdout.write(
      `\n== case ${c.name}: ${c.runs} runs at ${c.intervalsMs.map(formatInterval).join(', ')}, ${options.kinds.join(', ')}, ${daemons.join(' vs ')}\n`,
    );
    const { cells, durationMs } = await runCase(deps, options, c, daemons, evidenceRoot);
    const report: BenchReport = {
      caseName: c.name,
      date,
      command,
      runs: c.runs,
      machine: machineInfo(readFileSync('/proc/cpuinfo', 'utf8'), loadBefore),
      keepalived: daemons.includes('keepalived') ? tools.keepalived : null,
      awsCli: tools.awsCli,
      vipdVersion: packageVersion(),
      cells,
      intervalsMs: c.intervalsMs,
      kinds: options.kinds,
      propagationMs: options.awsPropagationMs,
      durationMs,
    };
    reports.push(report);
    process.stdout.write(`\ncase ${c.name} took ${formatDuration(durationMs)}\n${renderTable(report)}\n`);
    if (options.doc !== null) {
      // Written after each case, so an interrupted run keeps what finished.
      let doc = HEADER;
      try {
        doc = readFileSync(options.doc, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      writeFileSync(options.doc, replaceMarkedSection(doc, renderSection(report), sectionMarkers(c.name)));
      process.stdout.write(`written to ${options.doc} (${sectionMarkers(c.name).start})\n`);
    }
  }
  return reports.some((r) => r.cells.some((c) => c.failures.length > 0)) ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench: ${asVipdError(e).message}\n`);
    process.exitCode = 1;
  },
);
