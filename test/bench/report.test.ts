import { parseBenchArgs } from '../../bench/args';
import { cpuModel } from '../../bench/machine';
import {
  type BenchReport,
  SECTION_END,
  SECTION_START,
  formatDuration,
  medianRatio,
  newCell,
  renderSection,
  renderTable,
  replaceMarkedSection,
  sectionMarkers,
} from '../../bench/report';
import { summarize } from '../../bench/stats';

describe('bench statistics', () => {
  it('gives min, median and max; the median of an even count is the mean of the middle two', () => {
    expect(summarize([30, 10, 20])).toEqual({ n: 3, min: 10, median: 20, max: 30 });
    expect(summarize([4, 1, 3, 2])).toEqual({ n: 4, min: 1, median: 2.5, max: 4 });
    expect(summarize([])).toBeNull();
    expect(() => summarize([1, NaN])).toThrow(RangeError);
  });

  it('reports the vipd / keepalived median ratio, or "-" when a side is missing', () => {
    expect(medianRatio(summarize([110]), summarize([100]))).toBe('1.10');
    expect(medianRatio(summarize([110]), null)).toBe('-');
    expect(medianRatio(null, summarize([100]))).toBe('-');
  });
});

describe('bench arguments', () => {
  it('defaults to both cases, 5 runs, l2 at 1 s, 100 ms and 20 ms, aws at 1 s and 100 ms, the three faults, both daemons, propagation 0', () => {
    expect(parseBenchArgs([], '/doc.md')).toEqual({
      cases: [
        { name: 'l2', runs: 5, intervalsMs: [1000, 100, 20] },
        { name: 'aws', runs: 5, intervalsMs: [1000, 100] },
      ],
      kinds: ['hard', 'graceful', 'crash'],
      daemons: ['vipd', 'keepalived'],
      awsPropagationMs: 0,
      doc: '/doc.md',
      keepEvidence: false,
    });
    expect(parseBenchArgs(['--keep-evidence'], '/doc.md').keepEvidence).toBe(true);
  });

  it('applies --runs and --intervals to every case; --CASE-runs and --CASE-intervals override them for one', () => {
    expect(parseBenchArgs(['--runs', '8', '--intervals', '50ms, 2s', '--kinds', 'hard', '--daemons', 'vipd', '--no-doc'], '/d')).toMatchObject({
      cases: [
        { name: 'l2', runs: 8, intervalsMs: [50, 2000] },
        { name: 'aws', runs: 8, intervalsMs: [50, 2000] },
      ],
      kinds: ['hard'],
      daemons: ['vipd'],
      doc: null,
    });
    // The final run of the lead's brief: one command, both cases, their own counts.
    expect(parseBenchArgs(['--l2-runs', '8', '--aws-runs', '10'], '/d').cases).toEqual([
      { name: 'l2', runs: 8, intervalsMs: [1000, 100, 20] },
      { name: 'aws', runs: 10, intervalsMs: [1000, 100] },
    ]);
    expect(parseBenchArgs(['--cases', 'aws', '--runs', '3', '--aws-intervals', '100ms', '--aws-propagation-ms', '1500'], '/d')).toMatchObject({
      cases: [{ name: 'aws', runs: 3, intervalsMs: [100] }],
      awsPropagationMs: 1500,
    });
  });

  it('rejects what neither daemon can run, unknown cases and flags for a case that is not run', () => {
    expect(() => parseBenchArgs(['--runs', '0'], '/d')).toThrow(/--runs/);
    expect(() => parseBenchArgs(['--aws-runs', '2x'], '/d')).toThrow(/--aws-runs: expected an integer/);
    expect(() => parseBenchArgs(['--intervals', '15ms'], '/d')).toThrow(/multiple of 10 ms/);
    expect(() => parseBenchArgs(['--l2-intervals', 'soon'], '/d')).toThrow(/--l2-intervals/);
    expect(() => parseBenchArgs(['--kinds', 'hard,soft'], '/d')).toThrow(/"soft" is not one of hard, graceful, crash/);
    expect(() => parseBenchArgs(['--cases', 'l2,azure'], '/d')).toThrow(/"azure" is not one of l2, aws, gcp, oci/);
    expect(() => parseBenchArgs(['--oci-runs', '2'], '/d')).toThrow(/--oci-runs/);
    expect(parseBenchArgs(['--cases', 'oci', '--oci-runs', '2'], '/d').cases).toEqual([{ name: 'oci', runs: 2, intervalsMs: [1000, 100] }]);
    // gcp runs when asked for (not by default); its own flags need it in --cases.
    expect(parseBenchArgs(['--cases', 'gcp', '--gcp-runs', '2'], '/d').cases).toEqual([{ name: 'gcp', runs: 2, intervalsMs: [1000, 100] }]);
    expect(parseBenchArgs([], '/d').cases.map((c) => c.name)).toEqual(['l2', 'aws']);
    expect(() => parseBenchArgs(['--cases', 'l2', '--gcp-runs', '3'], '/d')).toThrow(/--gcp-runs: the gcp case is not in --cases l2/);
    expect(() => parseBenchArgs(['--cases', 'l2', '--aws-runs', '3'], '/d')).toThrow(/--aws-runs: the aws case is not in --cases l2/);
    expect(() => parseBenchArgs(['--aws-propagation-ms', '-1'], '/d')).toThrow(/--aws-propagation-ms/);
    expect(() => parseBenchArgs(['--frobnicate'], '/d')).toThrow(/usage/);
    expect(() => parseBenchArgs(['--doc', 'x.md', '--no-doc'], '/d')).toThrow(/exclude/);
  });
});

describe('bench report', () => {
  const machine = { kernel: '6.1.0', nproc: 2, cpu: 'Test CPU', loadBefore: [1, 2, 3], loadAfter: [1.5, 2, 3] };
  const base = {
    date: '2026-01-02',
    command: 'npm run bench -- --runs 3',
    runs: 3,
    machine,
    keepalived: 'Keepalived v2.2.7',
    awsCli: 'aws-cli/2.9.19',
    vipdVersion: '0.1.0',
    intervalsMs: [100],
    kinds: ['hard'] as const,
    propagationMs: 0,
    durationMs: 125_000,
  };
  const vipd = {
    ...newCell('vipd', 100, 'hard'),
    outagesMs: [300, 320, 340],
    detectionMs: [361, 362, 363],
    cloudMs: [0, 0, 0],
    osMs: [10, 12, 14],
    reasons: ['master-down', 'peer-refused', 'master-down'],
    trialMs: [2000, 2000, 2000],
  };
  const keepalived = { ...newCell('keepalived', 100, 'hard'), outagesMs: [290, 310, 330], trialMs: [1000, 1000, 1000] };
  const report: BenchReport = { ...base, caseName: 'l2', cells: [vipd, keepalived] };

  it('renders the machine, the command, the run time, the noise warning and one row per interval and fault', () => {
    const s = renderSection(report);
    expect(s.startsWith(SECTION_START)).toBe(true);
    expect(s.endsWith(SECTION_END)).toBe(true);
    expect(s).toContain('Linux 6.1.0, 2 vCPU, Test CPU');
    expect(s).toContain('`npm run bench -- --runs 3`');
    expect(s).toContain('6 trials in 2 min 05 s');
    expect(s).toMatch(/shared, noisy/);
    expect(s).not.toContain('aws-cli');
    expect(s).toContain(
      '| 100 ms | node death (link cut + kill -9) | 300 / **320** / 340 | 290 / **310** / 330 | 1.03 | 362 / 12.0 | master-down 2, peer-refused 1 | vipd 0, keepalived 0 |',
    );
  });

  it("the aws section has its own markers, the CLI version, the propagation delay, the cloud phase and the notify script's split", () => {
    const ka = {
      ...keepalived,
      outagesMs: [600, 640, 700],
      cloudMs: [500, 520, 560],
      osMs: [1.5, 2, 2.5],
      failures: ['run 2: the cloud routes the VIP to nobody, not to n2'],
    };
    const v = { ...vipd, cloudMs: [30, 31, 40] };
    const s = renderSection({ ...base, caseName: 'aws', cells: [v, ka] });
    const m = sectionMarkers('aws');
    expect(s.startsWith(m.start)).toBe(true);
    expect(s.endsWith(m.end)).toBe(true);
    expect(s).toContain('aws-cli/2.9.19');
    expect(s).toContain('propagation delay 0 ms');
    expect(s).toContain('keepalived + AWS CLI notify script outage');
    expect(s).toContain(
      '| 100 ms | node death (link cut + kill -9) | 300 / **320** / 340 | 600 / **640** / 700 | 0.50 | 362 / 31.0 / 12.0 | master-down 2, peer-refused 1 | 520 / 2.0 | vipd 0, keepalived 1 |',
    );
    expect(s).toContain('- keepalived, 100 ms, hard: run 2: the cloud routes the VIP to nobody, not to n2');
  });

  it('says "not run" and "-" for a daemon that did not run', () => {
    expect(renderTable({ ...base, caseName: 'aws', cells: [vipd] })).toContain(
      '| 300 / **320** / 340 | not run | - | 362 / 0.0 / 12.0 | master-down 2, peer-refused 1 | - | vipd 0 |',
    );
  });

  it("replaces only its own marked section and keeps what others wrote around it, the other case's section included", () => {
    const aws = sectionMarkers('aws');
    const doc = `# Benchmarks\n\nintro\n\n${SECTION_START}\nold numbers\n${SECTION_END}\n\n## AWS\n\n${aws.start}\naws numbers\n${aws.end}\n\nprose\n`;
    const out = replaceMarkedSection(doc, `${SECTION_START}\nnew\n${SECTION_END}`);
    expect(out).toBe(`# Benchmarks\n\nintro\n\n${SECTION_START}\nnew\n${SECTION_END}\n\n## AWS\n\n${aws.start}\naws numbers\n${aws.end}\n\nprose\n`);
    const out2 = replaceMarkedSection(out, `${aws.start}\nnew aws\n${aws.end}`, aws);
    expect(out2).toBe(`# Benchmarks\n\nintro\n\n${SECTION_START}\nnew\n${SECTION_END}\n\n## AWS\n\n${aws.start}\nnew aws\n${aws.end}\n\nprose\n`);
    expect(replaceMarkedSection('# B\n', `${aws.start}\nS\n${aws.end}`, aws)).toBe(`# B\n\n${aws.start}\nS\n${aws.end}\n`);
    expect(() => replaceMarkedSection(`${SECTION_END}\n${SECTION_START}`, `${SECTION_START}${SECTION_END}`)).toThrow(/out of order/);
    expect(() => replaceMarkedSection(`${SECTION_START} only`, `${SECTION_START}${SECTION_END}`)).toThrow(/missing/);
    expect(() => replaceMarkedSection(`${SECTION_START}${SECTION_END}${SECTION_START}${SECTION_END}`, `${SECTION_START}${SECTION_END}`)).toThrow(
      /more than once/,
    );
    // A section without its markers would make the next run append instead of replace.
    expect(() => replaceMarkedSection(doc, 'new numbers')).toThrow(/must begin with/);
    expect(() => replaceMarkedSection(doc, `${SECTION_START}\nnew\n${SECTION_END}`, aws)).toThrow(/must begin with/);
  });

  it('formats durations and reads the CPU model from /proc/cpuinfo', () => {
    expect(formatDuration(4_400)).toBe('4 s');
    expect(formatDuration(3_723_000)).toBe('62 min 03 s');
    expect(cpuModel('processor\t: 0\nvendor_id\t: X\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t: a\n')).toBe('Intel(R) Xeon(R) Processor');
    expect(cpuModel('processor: 0\n')).toBeNull();
  });
});
