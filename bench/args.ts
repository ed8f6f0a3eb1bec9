import { parseArgs } from 'node:util';
import { parseDuration } from '../src/config/duration';
import { VipdError, asVipdError } from '../src/errors';
import { DAEMON_KINDS, type DaemonKind } from '../src/lab/scenario-daemon';
import { FAULT_KINDS, type FaultKind } from '../src/lab/scenario';

export interface BenchOptions {
  readonly runs: number;
  readonly intervalsMs: readonly number[];
  readonly kinds: readonly FaultKind[];
  readonly daemons: readonly DaemonKind[];
  /** Markdown file whose marked section receives the results; null: print only. */
  readonly doc: string | null;
}

export const BENCH_USAGE =
  'usage: npm run bench -- [--runs N] [--intervals 1s,100ms,20ms] [--kinds hard,graceful] [--daemons vipd,keepalived] [--doc docs/benchmarks.md | --no-doc]';

function list<T extends string>(text: string, allowed: readonly T[], flag: string): T[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new VipdError('VIPD_E_CONFIG', `${flag}: empty list`);
  for (const i of items) {
    if (!(allowed as readonly string[]).includes(i)) throw new VipdError('VIPD_E_CONFIG', `${flag}: "${i}" is not one of ${allowed.join(', ')}`);
  }
  return [...new Set(items)] as T[];
}

/** Parses the command line; throws VIPD_E_CONFIG naming the bad flag. */
export function parseBenchArgs(argv: readonly string[], defaultDoc: string): BenchOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        runs: { type: 'string', default: '5' },
        intervals: { type: 'string', default: '1s,100ms,20ms' },
        kinds: { type: 'string', default: FAULT_KINDS.join(',') },
        daemons: { type: 'string', default: DAEMON_KINDS.join(',') },
        doc: { type: 'string' },
        'no-doc': { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw new VipdError('VIPD_E_CONFIG', `${asVipdError(e).message}\n${BENCH_USAGE}`);
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 1000) throw new VipdError('VIPD_E_CONFIG', `--runs: expected an integer 1-1000, got ${String(values.runs)}`);
  const intervalsMs = String(values.intervals)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      let ms: number;
      try {
        ms = parseDuration(s);
      } catch (e) {
        throw new VipdError('VIPD_E_CONFIG', `--intervals: ${asVipdError(e).message}`);
      }
      // VRRPv3 counts in centiseconds: a comparison needs an interval both daemons can run.
      if (ms < 10 || ms > 60_000 || ms % 10 !== 0) throw new VipdError('VIPD_E_CONFIG', `--intervals: ${s} must be a multiple of 10 ms, 10ms-1m`);
      return ms;
    });
  if (intervalsMs.length === 0) throw new VipdError('VIPD_E_CONFIG', '--intervals: empty list');
  if (values['no-doc'] === true && values.doc !== undefined) throw new VipdError('VIPD_E_CONFIG', '--doc and --no-doc exclude each other');
  return {
    runs,
    intervalsMs: [...new Set(intervalsMs)],
    kinds: list(String(values.kinds), FAULT_KINDS, '--kinds'),
    daemons: list(String(values.daemons), DAEMON_KINDS, '--daemons'),
    doc: values['no-doc'] === true ? null : typeof values.doc === 'string' ? values.doc : defaultDoc,
  };
}
