import { cappedCounts, expectedMoveCalls, parseScaleArgs, renderScaleSection } from '../../bench/scale';
import { scenarioVips, vipdNodeConfig } from '../../lab/scenario/config';

describe('bench:scale', () => {
  it('parses its flags, with defaults 3 runs, 100 ms, 1/8/32 VIPs, none and aws', () => {
    expect(parseScaleArgs(['--no-doc'])).toEqual({ runs: 3, intervalMs: 100, counts: [1, 8, 32], providers: ['none', 'aws'], doc: null, note: null });
    expect(parseScaleArgs(['--runs', '2', '--interval', '1s', '--counts', '1,4', '--providers', 'aws', '--doc', '/tmp/x.md'])).toMatchObject({
      runs: 2,
      intervalMs: 1000,
      counts: [1, 4],
      providers: ['aws'],
      doc: '/tmp/x.md',
    });
    expect(parseScaleArgs(['--providers', 'oci,gcp']).providers).toEqual(['oci', 'gcp']);
    expect(() => parseScaleArgs(['--providers', 'azure'])).toThrow(/not one of/);
    expect(() => parseScaleArgs(['--counts', '0'])).toThrow(/--counts/);
    expect(() => parseScaleArgs(['--bogus'])).toThrow();
  });

  it('renders each count against the 1-VIP median of its provider and flags a ratio over 1.3', () => {
    const section = renderScaleSection(
      [
        { provider: 'aws', vips: 1, outagesMs: [300, 310, 320], failures: [] },
        { provider: 'aws', vips: 8, outagesMs: [330, 340, 350], failures: [] },
        { provider: 'aws', vips: 32, outagesMs: [500, 510], failures: ['run 3: 2 AssignPrivateIpAddresses calls (expected 1)'] },
      ],
      { date: '2026-12-07', command: 'npm run bench:scale', intervalMs: 100, load: [1, 2, 3], note: 'SMOKE' },
    );
    expect(section.startsWith('<!-- bench:scale:start -->')).toBe(true);
    expect(section.endsWith('<!-- bench:scale:end -->')).toBe(true);
    expect(section).toContain('| aws | 8 | 3/3 | 330 | 340 | 350 | 1.10x (within 1.3x) |');
    expect(section).toContain('| aws | 32 | 2/3 | 500 | 505 | 510 | 1.63x (OVER 1.3x) |');
    expect(section).toContain('- aws, 32 VIPs: run 3: 2 AssignPrivateIpAddresses calls (expected 1)');
    expect(section).toContain('SMOKE');
  });

  it("runs a count a NIC of that cloud cannot carry at the cap, and expects each cloud's own number of move calls", () => {
    expect(cappedCounts('aws', [1, 8, 32])).toEqual([1, 8, 32]);
    expect(cappedCounts('gcp', [1, 8, 32])).toEqual([1, 8, 10]);
    expect(cappedCounts('gcp', [1, 10, 32])).toEqual([1, 10]);
    expect(expectedMoveCalls('none', 32)).toBeNull();
    expect(expectedMoveCalls('aws', 32)).toEqual({ action: 'AssignPrivateIpAddresses', count: 1 });
    expect(expectedMoveCalls('oci', 32)).toEqual({ action: 'UpdatePrivateIp', count: 32 });
    expect(expectedMoveCalls('gcp', 10)).toEqual({ action: 'instances.updateNetworkInterface', count: 2 });
  });

  it('puts every VIP of the count in the one group of the scenario config', () => {
    expect(scenarioVips(3)).toEqual(['10.0.1.100', '10.0.1.101', '10.0.1.102']);
    const cfg = vipdNodeConfig({
      self: { id: 'n1', address: '10.0.1.10' },
      peers: [],
      priority: 200,
      intervalMs: 100,
      keyFile: '/k',
      controlSocket: '/s',
      stateDir: '/d',
      provider: { type: 'none' },
      vips: scenarioVips(32),
    });
    expect((cfg.groups as { vips: string[] }[])[0]!.vips).toHaveLength(32);
    expect(() => scenarioVips(0)).toThrow(/VIP count/);
  });
});
