import type { DaemonKind } from '../lab/scenario/daemon';
import type { FaultKind } from '../lab/scenario/scenario';
import type { BenchCaseName } from './args';
import { type Summary, summarize } from './stats';

/** The benchmark's results as Markdown, and the marked sections of docs/benchmarks.md they replace (one per case). */
export interface SectionMarkers {
  readonly start: string;
  readonly end: string;
}

export function sectionMarkers(caseName: BenchCaseName): SectionMarkers {
  return { start: `<!-- bench:${caseName}:start -->`, end: `<!-- bench:${caseName}:end -->` };
}

export const SECTION_START = sectionMarkers('l2').start;
export const SECTION_END = sectionMarkers('l2').end;

export interface BenchCell {
  readonly daemon: DaemonKind;
  readonly intervalMs: number;
  readonly kind: FaultKind;
  readonly outagesMs: number[];
  /**
   * The new master's own account. vipd: its vips-ready phases (detection,
   * cloud, OS). keepalived: nothing in L2; with a cloud, the notify
   * script's CLI call (cloudMs) and `ip addr add` (osMs).
   */
  readonly detectionMs: number[];
  readonly cloudMs: number[];
  readonly osMs: number[];
  /** vipd: the takeover reason of each good trial (master-down, peer-resigned, peer-refused): the detection path it took. */
  readonly reasons: string[];
  /** Wall time of each trial (lab build to teardown). */
  readonly trialMs: number[];
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
  readonly caseName: BenchCaseName;
  readonly date: string;
  /** The command line of the run, e.g. "npm run bench -- --l2-runs 8". */
  readonly command: string;
  readonly runs: number;
  readonly machine: MachineInfo;
  readonly keepalived: string | null;
  readonly awsCli: string | null;
  readonly vipdVersion: string;
  readonly cells: readonly BenchCell[];
  readonly intervalsMs: readonly number[];
  readonly kinds: readonly FaultKind[];
  /** aws case: the emulator's delay between the API call and traffic following it. */
  readonly propagationMs: number;
  /** Wall time of this case (all its trials). */
  readonly durationMs: number;
}

export function newCell(daemon: DaemonKind, intervalMs: number, kind: FaultKind): BenchCell {
  return { daemon, intervalMs, kind, outagesMs: [], detectionMs: [], cloudMs: [], osMs: [], reasons: [], trialMs: [], failures: [] };
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

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

function find(cells: readonly BenchCell[], daemon: DaemonKind, intervalMs: number, kind: FaultKind): BenchCell | null {
  return cells.find((c) => c.daemon === daemon && c.intervalMs === intervalMs && c.kind === kind) ?? null;
}

/** vipd median / keepalived median, e.g. "1.07"; "-" when either is missing. */
export function medianRatio(vipd: Summary | null, keepalived: Summary | null): string {
  if (vipd === null || keepalived === null || keepalived.median <= 0) return '-';
  return (vipd.median / keepalived.median).toFixed(2);
}

/** Medians joined with " / ", or "-" when any is missing. */
function medians(...series: ReadonlyArray<readonly number[] | undefined>): string {
  const s = series.map((x) => (x === undefined ? null : summarize(x)));
  return s.every((x) => x !== null) ? s.map((x) => formatMs(x.median)).join(' / ') : '-';
}

const FAULT_LABEL: Record<FaultKind, string> = {
  hard: 'node death (link cut + kill -9)',
  graceful: 'graceful stop (SIGTERM)',
  crash: 'process crash (kill -9, host and link up)',
};

/** How vipd's new master decided, per trial: "peer-refused 7, master-down 1"; "-" when none. */
export function detectionPaths(reasons: readonly string[] | undefined): string {
  if (reasons === undefined || reasons.length === 0) return '-';
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([r, n]) => `${r} ${n}`)
    .join(', ');
}

export function renderTable(report: BenchReport): string {
  const aws = report.caseName === 'aws';
  const cloudCase = report.caseName !== 'l2';
  const baseline = aws ? 'keepalived + AWS CLI notify script' : 'keepalived';
  const header = [
    'heartbeat interval',
    'fault',
    'vipd outage, ms (min / **median** / max)',
    `${baseline} outage, ms (min / **median** / max)`,
    'vipd / keepalived median',
    cloudCase ? "vipd's own phases, median ms (detection / cloud / OS)" : "vipd's own phases, median ms (detection / OS)",
    'vipd detection path (trials)',
    ...(aws ? ['notify script, median ms (AWS CLI / ip addr add)'] : []),
    'failed runs',
  ];
  const rows = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const intervalMs of report.intervalsMs) {
    for (const kind of report.kinds) {
      const v = find(report.cells, 'vipd', intervalMs, kind);
      const k = find(report.cells, 'keepalived', intervalMs, kind);
      const vs = v ? summarize(v.outagesMs) : null;
      const ks = k ? summarize(k.outagesMs) : null;
      const phases = cloudCase ? medians(v?.detectionMs, v?.cloudMs, v?.osMs) : medians(v?.detectionMs, v?.osMs);
      const failed = [v ? `vipd ${v.failures.length}` : null, k ? `keepalived ${k.failures.length}` : null].filter((x) => x !== null).join(', ');
      const cells = [
        formatInterval(intervalMs),
        FAULT_LABEL[kind],
        v ? range(vs) : 'not run',
        k ? range(ks) : 'not run',
        medianRatio(vs, ks),
        phases,
        detectionPaths(v?.reasons),
        ...(aws ? [medians(k?.cloudMs, k?.osMs)] : []),
        failed,
      ];
      rows.push(`| ${cells.join(' | ')} |`);
    }
  }
  return rows.join('\n');
}

export function renderSection(report: BenchReport): string {
  const m = report.machine;
  const { start, end } = sectionMarkers(report.caseName);
  const load = (l: readonly number[]): string => l.map((x) => x.toFixed(2)).join(' ');
  const failures = report.cells.flatMap((c) => c.failures.map((f) => `- ${c.daemon}, ${formatInterval(c.intervalMs)}, ${c.kind}: ${f}`));
  const trials = report.cells.reduce((n, c) => n + c.trialMs.length, 0);
  const versions = [`vipd ${report.vipdVersion}`, report.keepalived ?? 'keepalived not installed (baseline not run)'];
  if (report.caseName === 'aws') versions.push(report.awsCli ?? 'AWS CLI not found');
  const cloud =
    report.caseName === 'aws'
      ? [
          `Emulated AWS cloud in the lab, propagation delay ${report.propagationMs} ms (the API call moves the traffic at once${report.propagationMs > 0 ? ' after that delay' : ''}).`,
        ]
      : report.caseName === 'gcp'
        ? [
            "Emulated GCP cloud in the lab: the two-step alias move (remove from the old VM, operation, add to the new one, operation; 300 ms per operation, waited for with zoneOperations.wait). keepalived's notify script runs a STAND-IN for the guides' two `gcloud compute instances network-interfaces update` commands (the peer's aliases cleared, then the VIP set here; the Cloud SDK is not installable here): lab/cloud/gcp/alias-cli.ts, a one-shot Node process over the REST API with the VM's metadata token, which starts faster than the Python CLI would.",
          ]
        : report.caseName === 'oci'
          ? [
              "Emulated OCI cloud in the lab: vipd makes one signed UpdatePrivateIp per VIP (instance principals), confirmed with ListPrivateIps on the VNIC. keepalived's notify script runs a STAND-IN for `oci network vnic assign-private-ip --unassign-if-already-assigned` (the OCI CLI is not installable here): lab/cloud/oci/assign-cli.ts, a one-shot Node process on the same oci-core SDK with the node's API key (GetVnic, ListPrivateIps, UpdatePrivateIp), which starts faster than the Python CLI would.",
            ]
          : [];
  return [
    start,
    `Run on ${report.date} with \`${report.command}\` (${report.runs} trials per cell; vipd and keepalived alternate trial by trial, each trial in a freshly built lab; ${trials} trials in ${formatDuration(report.durationMs)}).`,
    '',
    `Machine: Linux ${m.kernel}, ${m.nproc} vCPU, ${m.cpu}; load average ${load(m.loadBefore)} before the run and ${load(m.loadAfter)} after this case.`,
    'The machine is a shared, noisy VM: treat differences of a few ms as noise.',
    `${versions.join('; ')}.`,
    ...cloud,
    '',
    renderTable(report),
    ...(failures.length > 0 ? ['', 'Failed runs:', '', ...failures] : []),
    end,
  ].join('\n');
}

/** Replaces the marked section, or appends it when the document has none yet; text outside it (other sections too) is kept. */
export function replaceMarkedSection(doc: string, section: string, markers: SectionMarkers = sectionMarkers('l2')): string {
  const start = doc.indexOf(markers.start);
  const end = doc.indexOf(markers.end);
  if (start < 0 && end < 0) return `${doc.replace(/\n*$/, '\n\n')}${section}\n`;
  if (start < 0 || end < 0 || end < start) throw new RangeError(`${markers.start} / ${markers.end}: markers missing or out of order`);
  if (doc.indexOf(markers.start, start + 1) >= 0 || doc.indexOf(markers.end, end + 1) >= 0)
    throw new RangeError(`${markers.start} / ${markers.end}: markers appear more than once`);
  if (!section.startsWith(markers.start) || !section.endsWith(markers.end))
    throw new RangeError(`the new section must begin with ${markers.start} and end with ${markers.end}`);
  return doc.slice(0, start) + section + doc.slice(end + markers.end.length);
}
