import { parseArgs } from 'node:util';
import { parseDuration } from '../src/config/duration';
import { VipdError, asVipdError } from '../src/errors';
import { DAEMON_KINDS, type DaemonKind } from '../lab/scenario/daemon';
import { FAULT_KINDS, type FaultKind } from '../lab/scenario/scenario';

/**
 * The benchmark's cases: `l2` (plain L2: the OS and gratuitous ARP move
 * the VIP) and `aws` (the emulated AWS cloud: the API call moves it;
 * keepalived runs the guides' notify script with the AWS CLI).
 */
export type BenchCaseName = 'l2' | 'aws' | 'gcp' | 'oci';
export const BENCH_CASES: readonly BenchCaseName[] = ['l2', 'aws', 'gcp', 'oci'];
/**
 * `gcp` (the emulated GCP cloud: the two-step alias move; vipd only, no
 * keepalived notify recipe) and `oci` (the emulated OCI cloud: one
 * UpdatePrivateIp, signed by the instance principal; keepalived's notify
 * script runs a stand-in for the OCI CLI, which is not installable here)
 * run when asked for.
 */
export const DEFAULT_CASES: readonly BenchCaseName[] = ['l2', 'aws'];

export interface BenchCaseOptions {
  readonly name: BenchCaseName;
  readonly runs: number;
  readonly intervalsMs: readonly number[];
}

export interface BenchOptions {
  readonly cases: readonly BenchCaseOptions[];
  readonly kinds: readonly FaultKind[];
  readonly daemons: readonly DaemonKind[];
  /** aws case: delay between the API call and traffic following it (0: at once). */
  readonly awsPropagationMs: number;
  /** Markdown file whose marked sections receive the results; null: print only. */
  readonly doc: string | null;
  /** Every trial keeps its evidence (daemon logs, probe records), not only a failed one. */
  readonly keepEvidence?: boolean;
}

/** Defaults: modest, so a plain `npm run bench` takes minutes, not an hour. */
export const DEFAULT_RUNS = 5;
export const DEFAULT_INTERVALS: Readonly<Record<BenchCaseName, string>> = { l2: '1s,100ms,20ms', aws: '1s,100ms', gcp: '1s,100ms', oci: '1s,100ms' };

export const BENCH_USAGE = [
  'usage: npm run bench -- [--cases l2,aws,gcp,oci] [--runs N] [--intervals 1s,100ms] [--kinds hard,graceful] [--daemons vipd,keepalived]',
  '                        [--l2-runs N] [--l2-intervals 1s,100ms,20ms] [--aws-runs N] [--aws-intervals 1s,100ms]',
  '                        [--gcp-runs N] [--gcp-intervals 1s,100ms] [--oci-runs N] [--oci-intervals 1s,100ms]',
  '                        [--aws-propagation-ms N] [--doc docs/benchmarks.md | --no-doc] [--keep-evidence]',
  `defaults: cases ${DEFAULT_CASES.join(',')}, ${DEFAULT_RUNS} runs, l2 at ${DEFAULT_INTERVALS.l2}, aws at ${DEFAULT_INTERVALS.aws}; --runs/--intervals apply to every case, --CASE-runs/--CASE-intervals override them for one`,
].join('\n');

function list<T extends string>(text: string, allowed: readonly T[], flag: string): T[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) throw new VipdError('VIPD_E_CONFIG', `${flag}: empty list`);
  for (const i of items) {
    if (!(allowed as readonly string[]).includes(i)) throw new VipdError('VIPD_E_CONFIG', `${flag}: "${i}" is not one of ${allowed.join(', ')}`);
  }
  return [...new Set(items)] as T[];
}

function integer(text: string, flag: string, min: number, max: number): number {
  const n = /^[0-9]+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new VipdError('VIPD_E_CONFIG', `${flag}: expected an integer ${min}-${max}, got ${text}`);
  return n;
}

function intervals(text: string, flag: string): number[] {
  const out = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      let ms: number;
      try {
        ms = parseDuration(s);
      } catch (e) {
        throw new VipdError('VIPD_E_CONFIG', `${flag}: ${asVipdError(e).message}`);
      }
      // VRRPv3 counts in centiseconds: a comparison needs an interval both daemons can run.
      if (ms < 10 || ms > 60_000 || ms % 10 !== 0) throw new VipdError('VIPD_E_CONFIG', `${flag}: ${s} must be a multiple of 10 ms, 10ms-1m`);
      return ms;
    });
  if (out.length === 0) throw new VipdError('VIPD_E_CONFIG', `${flag}: empty list`);
  return [...new Set(out)];
}

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/** Parses the command line; throws VIPD_E_CONFIG naming the bad flag. */
export function parseBenchArgs(argv: readonly string[], defaultDoc: string): BenchOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        cases: { type: 'string', default: DEFAULT_CASES.join(',') },
        runs: { type: 'string' },
        intervals: { type: 'string' },
        'l2-runs': { type: 'string' },
        'l2-intervals': { type: 'string' },
        'aws-runs': { type: 'string' },
        'aws-intervals': { type: 'string' },
        'aws-propagation-ms': { type: 'string', default: '0' },
        'gcp-runs': { type: 'string' },
        'gcp-intervals': { type: 'string' },
        'oci-runs': { type: 'string' },
        'oci-intervals': { type: 'string' },
        kinds: { type: 'string', default: FAULT_KINDS.join(',') },
        daemons: { type: 'string', default: DAEMON_KINDS.join(',') },
        doc: { type: 'string' },
        'no-doc': { type: 'boolean', default: false },
        'keep-evidence': { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw new VipdError('VIPD_E_CONFIG', `${asVipdError(e).message}\n${BENCH_USAGE}`);
  }
  const names = list(String(values.cases), BENCH_CASES, '--cases');
  const sharedRuns = str(values.runs);
  const sharedIntervals = str(values.intervals);
  const cases = names.map((name): BenchCaseOptions => {
    const ownRuns = str(values[`${name}-runs`]);
    const ownIntervals = str(values[`${name}-intervals`]);
    return {
      name,
      runs: integer(ownRuns ?? sharedRuns ?? String(DEFAULT_RUNS), ownRuns !== undefined ? `--${name}-runs` : '--runs', 1, 1000),
      intervalsMs: intervals(ownIntervals ?? sharedIntervals ?? DEFAULT_INTERVALS[name], ownIntervals !== undefined ? `--${name}-intervals` : '--intervals'),
    };
  });
  for (const name of BENCH_CASES) {
    if (names.includes(name)) continue;
    for (const flag of [`${name}-runs`, `${name}-intervals`]) {
      if (values[flag] !== undefined) throw new VipdError('VIPD_E_CONFIG', `--${flag}: the ${name} case is not in --cases ${names.join(',')}`);
    }
  }
  if (values['no-doc'] === true && values.doc !== undefined) throw new VipdError('VIPD_E_CONFIG', '--doc and --no-doc exclude each other');
  return {
    cases,
    kinds: list(String(values.kinds), FAULT_KINDS, '--kinds'),
    daemons: list(String(values.daemons), DAEMON_KINDS, '--daemons'),
    awsPropagationMs: integer(String(values['aws-propagation-ms']), '--aws-propagation-ms', 0, 600_000),
    doc: values['no-doc'] === true ? null : typeof values.doc === 'string' ? values.doc : defaultDoc,
    keepEvidence: values['keep-evidence'] === true,
  };
}
