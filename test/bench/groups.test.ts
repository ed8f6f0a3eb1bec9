import { cpuSeconds, parseGroupsArgs, renderGroupsSection } from '../../bench/groups';
import { scenarioVips, vipdNodeConfig } from '../../lab/scenario/config';

describe('bench:groups', () => {
  it('parses its flags; aws stops below 50 addresses per ENI', () => {
    expect(parseGroupsArgs(['--no-doc'])).toEqual({ runs: 3, intervalMs: 100, counts: [1, 64], awsCounts: [1, 48], doc: null, note: null });
    expect(() => parseGroupsArgs(['--aws-counts', '64'])).toThrow(/--aws-counts/);
    expect(() => parseGroupsArgs(['--counts', '65'])).toThrow(/--counts/);
  });

  it('reads utime + stime from /proc/PID/stat, whatever the command name holds', () => {
    // Fields after the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
    const line = '4242 (node (vipd) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0';
    expect(cpuSeconds(line)).toBe(3);
    expect(() => cpuSeconds('garbage')).toThrow(/utime/);
  });

  it('renders one row per provider and group count', () => {
    const trial = { lastReadyMs: 400, outageMs: 350, takeoverCpuS: 0.12, steadyCpuShare: 0.034, problems: [] };
    const section = renderGroupsSection([{ provider: 'none', groups: 64, trials: [trial], failures: ['run 2: 3 VIPs not on the survivor'] }], {
      date: '2026-12-07',
      command: 'npm run bench:groups',
      intervalMs: 100,
      load: [1, 1, 1],
      note: null,
    });
    expect(section).toContain('| none | 64 | 1/2 | 400 / **400** / 400 | 350 / **350** / 350 | 120 | 3.4 |');
    expect(section).toContain('- none, 64 groups: run 2: 3 VIPs not on the survivor');
  });

  it('the scenario config carries one more group per extra VIP, ids and names distinct', () => {
    const vips = scenarioVips(64);
    const cfg = vipdNodeConfig({
      self: { id: 'n1', address: '10.0.1.10' },
      peers: [{ id: 'n2', address: '10.0.1.11' }],
      priority: 200,
      intervalMs: 100,
      keyFile: '/k',
      controlSocket: '/s',
      stateDir: '/d',
      provider: { type: 'none' },
      vips: vips.slice(0, 1),
      extraGroupVips: vips.slice(1),
    });
    const groups = cfg.groups as { name: string; id: number; vips: string[] }[];
    expect(groups).toHaveLength(64);
    expect(new Set(groups.map((g) => g.id)).size).toBe(64);
    expect(new Set(groups.map((g) => g.name)).size).toBe(64);
    expect(groups[63]).toMatchObject({ name: 'g64', id: 64, vips: ['10.0.1.163'] });
  });
});
