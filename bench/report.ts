import type { DaemonKind } from '../src/lab/scenario-daemon';
import type { FaultKind } from '../src/lab/scenario';
import { type Summary, summarize } from './stats';

/** The benchmark's results as Markdown, and the marked section of docs/benchmarks.md it replaces. */
export const SECTION_START = '<!-- bench:l2:start -->';
export const SECTION_END = '<!-- bench:l2:end -->';

export interface BenchCell {
  readonly daemon: DaemonKind;
  readonly intervalMs: number;
  readonly kind: FaultKind;
  readonly outagesMs: number[];
  /** vipd's own phases from its vips-ready line (empty for keepalived). */
  readonly detectionMs: number[];
  readonly osMs: number[];
  readonly failures: string[];
}

export interface MachineInfo {
  readonly kernel: string;
  readonly nproc: number;
  readonly cpu: string;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
}

export interface BenchReport {
  readonly date: string;
  readonly runs: number;
  readonly machine: MachineInfo;
  readonly keepalived: string | null;
  readonly vipdVersion: string;
  readonly cells: readonly BenchCell[];
  readonly intervalsMs: readonly number[];
  readonly kinds: readonly FaultKind[];
}

export function newCell(daemon: DaemonKind, intervalMs: number, kind: FaultKind): BenchCell {
  return { daemon, intervalMs, kind, outagesMs: [], detectionMs: [], osMs: [], failures: [] };
}

export function formatMs(v: number): string {
  return v < 100 ? v.toFixed(1) : v.toFixed(0);
}

function range(s: Summary | null): string {
  return s === null ? '-' : `${formatMs(s.min)} / **${formatMs(s.median)}** / ${formatMs(s.max)}`;
}

export function formatInterval(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function find(cells: readonly BenchCell[], daemon: DaemonKind, intervalMs: number, kind: FaultKind): BenchCell | null {
  return cells.find((c) => c.daemon === daemon && c.intervalMs === intervalMs && c.kind === kind) ?? null;
}

/** vipd median / keepalived median, e.g. "1.07"; "-" when either is missing. */
export function medianRatio(vipd: Summary | null, keepalived: Summary | null): string {
  if (vipd === null || keepalived === null || keepalived.median <= 0) return '-';
  return (vipd.median / keepalived.median).toFixed(2);
}

const FAULT_LABEL: Record<FaultKind, string> = { hard: 'node death (link cut + kill -9)', graceful: 'graceful stop (SIGTERM)' };

export function renderTable(report: BenchReport): string {
  const rows = [
    '| heartbeat interval | fault | vipd outage, ms (min / **median** / max) | keepalived outage, ms (min / **median** / max) | vipd / keepalived median | vipd\'s own phases, median ms (detection / OS) | failed runs |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const intervalMs of report.intervalsMs) {
    for (const kind of report.kinds) {
      const v = find(report.cells, 'vipd', intervalMs, kind);
      const k = find(report.cells, 'keepalived', intervalMs, kind);
      const vs = v ? summarize(v.outagesMs) : null;
      const ks = k ? summarize(k.outagesMs) : null;
      const det = v ? summarize(v.detectionMs) : null;
      const os = v ? summarize(v.osMs) : null;
      const phases = det && os ? `${formatMs(det.median)} / ${formatMs(os.median)}` : '-';
      const failed = [v ? `vipd ${v.failures.length}` : null, k ? `keepalived ${k.failures.length}` : null].filter((x) => x !== null).join(', ');
      rows.push(`| ${formatInterval(intervalMs)} | ${FAULT_LABEL[kind]} | ${range(vs)} | ${k ? range(ks) : 'not run'} | ${medianRatio(vs, ks)} | ${phases} | ${failed} |`);
    }
  }
  return rows.join('\n');
}

export function renderSection(report: BenchReport): string {
  const m = report.machine;
  const load = (l: readonly number[]): string => l.map((x) => x.toFixed(2)).join(' ');
  const failures = report.cells.flatMap((c) => c.failures.map((f) => `- ${c.daemon}, ${formatInterval(c.intervalMs)}, ${c.kind}: ${f}`));
  return [
    SECTION_START,
    `Run on ${report.date} with \`npm run bench -- --runs ${report.runs}\` (${report.runs} trials per cell; vipd and keepalived alternate trial by trial, each trial in a freshly built lab).`,
    '',
    `Machine: Linux ${m.kernel}, ${m.nproc} vCPU, ${m.cpu}; load average ${load(m.loadBefore)} before and ${load(m.loadAfter)} after.`,
    'The machine is a shared, noisy VM (other jobs ran during the benchmark): treat differences of a few ms as noise.',
    `vipd ${report.vipdVersion}; ${report.keepalived ?? 'keepalived not installed (baseline not run)'}.`,
    '',
    renderTable(report),
    ...(failures.length > 0 ? ['', 'Failed runs:', '', ...failures] : []),
    SECTION_END,
  ].join('\n');
}

/** Replaces the marked section, or appends it when the document has none yet; text outside it is kept. */
export function replaceMarkedSection(doc: string, section: string): string {
  const start = doc.indexOf(SECTION_START);
  const end = doc.indexOf(SECTION_END);
  if (start < 0 && end < 0) return `${doc.replace(/\n*$/, '\n\n')}${section}\n`;
  if (start < 0 || end < 0 || end < start) throw new RangeError(`${SECTION_START} / ${SECTION_END}: markers missing or out of order`);
  return doc.slice(0, start) + section + doc.slice(end + SECTION_END.length);
}
