import { cpuPercent, cpuTargetPercent, sampleTree, statCpuTicks, statusRssKiB } from '../../bench/footprint-measure';
import { type FootprintRow, parseFootprintArgs, renderFootprintTable } from '../../bench/footprint';

const stat = (pid: number, ppid: number, utime: number, stime: number): string =>
  `${pid} (keep alived) S ${ppid} 1 1 0 -1 4194560 100 0 0 0 ${utime} ${stime} 0 0 20 0 1 0 100 1000000 250 18446744073709551615`;

describe('footprint measurement', () => {
  it('reads utime + stime after a command name with spaces and parentheses, and VmRSS', () => {
    expect(statCpuTicks(stat(7, 1, 120, 30))).toBe(150);
    expect(statCpuTicks('7 (a) b) S 1 1 1 0 -1 0 0 0 0 0 5 6 0')).toBe(11);
    expect(statCpuTicks('garbage')).toBeNull();
    expect(statusRssKiB('Name:\tnode\nVmRSS:\t   70712 kB\nThreads:\t11\n')).toBe(70712);
    expect(statusRssKiB('Name:\tkthreadd\n')).toBeNull();
  });

  it("sums a daemon's whole tree (keepalived's VRRP child with its parent) and skips processes that are gone", () => {
    const files: Record<string, string> = {
      '/proc/10/stat': stat(10, 1, 100, 50),
      '/proc/10/status': 'VmRSS:\t 8000 kB\n',
      '/proc/11/stat': stat(11, 10, 40, 10),
      '/proc/11/status': 'VmRSS:\t 5000 kB\n',
      '/proc/99/stat': stat(99, 1, 1000, 1000),
      '/proc/99/status': 'VmRSS:\t 99999 kB\n',
    };
    const read = (p: string): string => {
      const f = files[p];
      if (f === undefined) throw Object.assign(new Error('gone'), { code: 'ENOENT' });
      return f;
    };
    const table = [
      { pid: 10, ppid: 1 },
      { pid: 11, ppid: 10 },
      { pid: 12, ppid: 10 }, // exited before the read
      { pid: 99, ppid: 1 },
    ];
    const s = sampleTree(10, table, read);
    expect(s).toEqual({ cpuTicks: 200, rssKiB: 13000, pids: [11, 10] });
  });

  it('turns ticks over a window into percent of one core', () => {
    const a = { cpuTicks: 100, rssKiB: 0, pids: [] };
    expect(cpuPercent(a, { ...a, cpuTicks: 103 }, 30, 100)).toBeCloseTo(0.1, 10);
    expect(cpuPercent(a, { ...a, cpuTicks: 90 }, 30, 100)).toBe(0); // a pid reused by a younger process
    expect(() => cpuPercent(a, a, 0, 100)).toThrow(RangeError);
    expect([1000, 100, 20, 10].map(cpuTargetPercent)).toEqual([0.3, 1, 3, null]);
  });
});

describe('footprint options and table', () => {
  it('defaults to every case, interval and supported Node line, and rejects bad values by flag', () => {
    expect(parseFootprintArgs(['--footprint'], '/doc.md')).toEqual({
      cases: ['l2', 'aws'],
      intervalsMs: [1000, 100, 20],
      nodeMajors: [20, 22, 24, 26],
      keepalived: true,
      seconds: 30,
      warmupSeconds: 10,
      doc: '/doc.md',
    });
    expect(parseFootprintArgs(['--footprint', '--cases', 'l2', '--nodes', '22', '--seconds', '5', '--no-keepalived', '--no-doc'], '/d')).toMatchObject({
      cases: ['l2'],
      nodeMajors: [22],
      keepalived: false,
      seconds: 5,
      doc: null,
    });
    expect(() => parseFootprintArgs(['--nodes', '18'], '/d')).toThrow(/--nodes/);
    expect(() => parseFootprintArgs(['--cases', 'gcp'], '/d')).toThrow(/--cases/);
    expect(() => parseFootprintArgs(['--intervals', '15ms'], '/d')).toThrow(/--intervals/);
    expect(() => parseFootprintArgs(['--seconds', '1'], '/d')).toThrow(/--seconds/);
    expect(() => parseFootprintArgs(['--warmup', '-1'], '/d')).toThrow();
    expect(() => parseFootprintArgs(['--runs', '3'], '/d')).toThrow(/usage/);
  });

  it('renders one row per cell with targets for vipd and the failure in place of numbers', () => {
    const rows: FootprintRow[] = [
      {
        caseName: 'l2',
        intervalMs: 1000,
        daemon: 'vipd',
        runtime: 'Node 22.23.5',
        master: { cpuPercent: 0.12, rssMiB: 55.4 },
        backup: { cpuPercent: 0.09, rssMiB: 54 },
        readyMs: [310.4, 290],
        failure: null,
      },
      {
        caseName: 'l2',
        intervalMs: 1000,
        daemon: 'keepalived',
        runtime: 'Keepalived v2.2.7',
        master: { cpuPercent: 0.02, rssMiB: 13 },
        backup: { cpuPercent: 0.01, rssMiB: 12.6 },
        readyMs: [],
        failure: null,
      },
      { caseName: 'aws', intervalMs: 100, daemon: 'vipd', runtime: 'Node 26.12.1', master: null, backup: null, readyMs: [], failure: 'no master | timeout' },
    ];
    expect(renderFootprintTable(rows).split('\n').slice(2)).toEqual([
      '| l2 | 1 s | vipd | Node 22.23.5 | 0.12% / 55 MB | 0.09% / 54 MB | 310, 290 | < 0.3% / < 60 MB |',
      '| l2 | 1 s | keepalived | Keepalived v2.2.7 | 0.02% / 13 MB | 0.01% / 13 MB | — |  |',
      '| aws | 100 ms | vipd | Node 26.12.1 | — | — | — (failed: no master / timeout) | < 1% / < 80 MB |',
    ]);
  });
});
