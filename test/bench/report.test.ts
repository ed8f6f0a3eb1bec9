import { parseBenchArgs } from '../../bench/args';
import { cpuModel } from '../../bench/machine';
import { type BenchReport, SECTION_END, SECTION_START, medianRatio, newCell, renderSection, replaceMarkedSection } from '../../bench/report';
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
  it('defaults to 5 runs at 1 s, 100 ms and 20 ms, both faults, both daemons', () => {
    expect(parseBenchArgs([], '/doc.md')).toEqual({
      runs: 5,
      intervalsMs: [1000, 100, 20],
      kinds: ['hard', 'graceful'],
      daemons: ['vipd', 'keepalived'],
      doc: '/doc.md',
    });
  });

  it('parses lists and rejects what neither daemon can run', () => {
    expect(parseBenchArgs(['--runs', '8', '--intervals', '50ms, 2s', '--kinds', 'hard', '--daemons', 'vipd', '--no-doc'], '/d')).toEqual({
      runs: 8,
      intervalsMs: [50, 2000],
      kinds: ['hard'],
      daemons: ['vipd'],
      doc: null,
    });
    expect(() => parseBenchArgs(['--runs', '0'], '/d')).toThrow(/--runs/);
    expect(() => parseBenchArgs(['--intervals', '15ms'], '/d')).toThrow(/multiple of 10 ms/);
    expect(() => parseBenchArgs(['--intervals', 'soon'], '/d')).toThrow(/--intervals/);
    expect(() => parseBenchArgs(['--kinds', 'hard,soft'], '/d')).toThrow(/"soft" is not one of hard, graceful/);
    expect(() => parseBenchArgs(['--frobnicate'], '/d')).toThrow(/usage/);
    expect(() => parseBenchArgs(['--doc', 'x.md', '--no-doc'], '/d')).toThrow(/exclude/);
  });
});

describe('bench report', () => {
  const vipd = { ...newCell('vipd', 100, 'hard'), outagesMs: [300, 320, 340], detectionMs: [361, 362, 363], osMs: [10, 12, 14] };
  const keepalived = { ...newCell('keepalived', 100, 'hard'), outagesMs: [290, 310, 330] };
  const report: BenchReport = {
    date: '2026-01-02',
    runs: 3,
    machine: { kernel: '6.1.0', nproc: 2, cpu: 'Test CPU', loadBefore: [1, 2, 3], loadAfter: [1.5, 2, 3] },
    keepalived: 'Keepalived v2.2.7',
    vipdVersion: '0.1.0',
    cells: [vipd, keepalived],
    intervalsMs: [100],
    kinds: ['hard'],
  };

  it('renders the machine, the noise warning and one row per interval and fault', () => {
    const s = renderSection(report);
    expect(s.startsWith(SECTION_START)).toBe(true);
    expect(s.endsWith(SECTION_END)).toBe(true);
    expect(s).toContain('Linux 6.1.0, 2 vCPU, Test CPU');
    expect(s).toMatch(/shared, noisy/);
    expect(s).toContain('| 100 ms | node death (link cut + kill -9) | 300 / **320** / 340 | 290 / **310** / 330 | 1.03 | 362 / 12.0 | vipd 0, keepalived 0 |');
  });

  it('replaces only the marked section and keeps what others wrote around it', () => {
    const doc = `# Benchmarks\n\nintro\n\n${SECTION_START}\nold numbers\n${SECTION_END}\n\n## AWS\n\naws numbers\n`;
    const out = replaceMarkedSection(doc, `${SECTION_START}\nnew\n${SECTION_END}`);
    expect(out).toBe(`# Benchmarks\n\nintro\n\n${SECTION_START}\nnew\n${SECTION_END}\n\n## AWS\n\naws numbers\n`);
    expect(replaceMarkedSection('# B\n', 'S')).toBe('# B\n\nS\n');
    expect(() => replaceMarkedSection(`${SECTION_END}\n${SECTION_START}`, 'S')).toThrow(/out of order/);
    expect(() => replaceMarkedSection(`${SECTION_START} only`, 'S')).toThrow(/missing/);
  });

  it('reads the CPU model from /proc/cpuinfo', () => {
    expect(cpuModel('processor\t: 0\nvendor_id\t: X\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t: a\n')).toBe('Intel(R) Xeon(R) Processor');
    expect(cpuModel('processor: 0\n')).toBeNull();
  });
});
