#!/usr/bin/env node
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createRootLogger } from '../src/cli/logger';
import { packageVersion } from '../src/cli/version';
import { asVipdError } from '../src/errors';
import { type FaultKind, runFailover } from '../src/lab/scenario';
import type { DaemonKind } from '../src/lab/scenario-daemon';
import { hostScenarioDeps } from '../src/lab/scenario-deps';
import { currentUid, keepalivedVersion, labUnavailable } from '../src/lab/scenario-preflight';
import { sweepLeftovers } from '../src/lab/sweep';
import { type BenchOptions, parseBenchArgs } from './args';
import { machineInfo } from './machine';
import { type BenchCell, type BenchReport, formatInterval, formatMs, newCell, renderSection, renderTable, replaceMarkedSection } from './report';

/**
 * `npm run bench`: the L2 failover, N trials per (interval, fault), for
 * vipd and, when installed, keepalived (VRRPv3, unicast, same interval,
 * same lab, same probe, same fault). Writes min / median / max into the
 * marked section of docs/benchmarks.md and prints the table.
 */
const REPO = join(__dirname, '..', '..');
const DOC = join(REPO, 'docs', 'benchmarks.md');
const HEADER = '# Benchmarks\n\nFailover measured in the namespace lab (docs/lab.md); regenerate with `sudo npm run bench`.\n';

async function main(argv: readonly string[]): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(argv, DOC);
  } catch (e) {
    process.stderr.write(`bench: ${asVipdError(e).message}\n`);
    return 64;
  }
  const logger = createRootLogger('warn', 2);
  const deps = hostScenarioDeps(logger);
  const unavailable = await labUnavailable(deps.runner, currentUid());
  if (unavailable !== null) {
    process.stderr.write(`bench: ${unavailable.replace('npm run demo', 'npm run bench')}\n`);
    return 77;
  }
  const keepalived = options.daemons.includes('keepalived') ? await keepalivedVersion(deps.runner) : null;
  if (options.daemons.includes('keepalived') && keepalived === null) process.stderr.write('bench: keepalived is not installed: measuring vipd only\n');
  const daemons = options.daemons.filter((d) => d !== 'keepalived' || keepalived !== null);
  const loadBefore = loadavg();
  await sweepLeftovers(deps);

  const cells: BenchCell[] = [];
  const cell = (daemon: DaemonKind, intervalMs: number, kind: FaultKind): BenchCell => {
    let c = cells.find((x) => x.daemon === daemon && x.intervalMs === intervalMs && x.kind === kind);
    if (!c) cells.push((c = newCell(daemon, intervalMs, kind)));
    return c;
  };
  for (const intervalMs of options.intervalsMs) {
    for (const kind of options.kinds) {
      for (let run = 1; run <= options.runs; run++) {
        // Alternating daemons trial by trial spreads the machine's noise over both.
        for (const daemon of daemons) {
          const c = cell(daemon, intervalMs, kind);
          const label = `${daemon} ${formatInterval(intervalMs)} ${kind} #${run}`;
          try {
            const r = await runFailover(deps, { daemon, intervalMs, fault: kind });
            c.outagesMs.push(r.outageMs);
            const phases = r.takeover.phases;
            if (phases && phases.detectionMs !== null) c.detectionMs.push(phases.detectionMs);
            if (phases) c.osMs.push(phases.osMs);
            const problems = r.holders.live.length === 1 ? '' : `  LIVE HOLDERS: ${r.holders.live.join(', ') || 'none'}`;
            process.stdout.write(`${label}: outage ${formatMs(r.outageMs)} ms (${r.oldMaster} -> ${r.newMaster})${problems}\n`);
            if (problems !== '') c.failures.push(`run ${run}: ${problems.trim()}`);
          } catch (e) {
            const message = asVipdError(e).message.split('\n')[0] ?? '';
            c.failures.push(`run ${run}: ${message.slice(0, 300)}`);
            process.stdout.write(`${label}: FAILED ${message}\n`);
          }
        }
      }
    }
  }

  const report: BenchReport = {
    date: new Date().toISOString().slice(0, 10),
    runs: options.runs,
    machine: machineInfo(readFileSync('/proc/cpuinfo', 'utf8'), loadBefore),
    keepalived,
    vipdVersion: packageVersion(),
    cells,
    intervalsMs: options.intervalsMs,
    kinds: options.kinds,
  };
  process.stdout.write(`\n${renderTable(report)}\n`);
  if (options.doc !== null) {
    let doc = HEADER;
    try {
      doc = readFileSync(options.doc, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    writeFileSync(options.doc, replaceMarkedSection(doc, renderSection(report)));
    process.stdout.write(`\nwritten to ${options.doc}\n`);
  }
  return cells.some((c) => c.failures.length > 0) ? 1 : 0;
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
