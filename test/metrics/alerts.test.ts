import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VipdMetrics } from '../../src/metrics/metrics';
import { itWithTool, toolAvailable } from '../systemd/require-tool';

const ROOT = join(__dirname, '..', '..');
const RULES = join(ROOT, 'alerts', 'vipd.rules.yml');
const RULE_TESTS = join(ROOT, 'alerts', 'vipd.rules.test.yml');
const itPromtool = itWithTool(toolAvailable('promtool'), 'promtool (Debian package prometheus)');

function promtool(args: string[]): { status: number | null; out: string } {
  const r = spawnSync('promtool', args, { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('alerts/vipd.rules.yml', () => {
  itPromtool('passes promtool check rules', () => {
    const r = promtool(['check', 'rules', RULES]);
    expect(r.out).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.status).toBe(0);
  });

  itPromtool('fires (and stays quiet) as specified in the rule unit tests', () => {
    const r = promtool(['test', 'rules', RULE_TESTS]);
    expect(r.out).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('covers the alerts operators expect', () => {
    const text = readFileSync(RULES, 'utf8');
    const names = [...text.matchAll(/^\s*- alert: (\w+)$/gm)].map((m) => m[1]);
    expect(names).toEqual(
      expect.arrayContaining([
        'VipdMultipleMasters',
        'VipdNoMaster',
        'VipdFlapping',
        'VipdFault',
        'VipdCloudAssignmentMismatch',
        'VipdPeerSilent',
        'VipdHeartbeatsRejected',
      ]),
    );
  });

  it('only uses metrics vipd registers', () => {
    const metrics = new VipdMetrics({ version: 't', groups: [], rejectReasons: [], provider: 'none', processMetrics: false });
    const registered = new Set(metrics.registry.getMetricsAsArray().map((m) => m.name));
    const used = new Set([...readFileSync(RULES, 'utf8').matchAll(/\bvipd_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, '')));
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) expect(registered).toContain(name);
  });
});

describe('alerts/keepalived-exporter.rules.yml (keepalived dashboards on vipd metrics)', () => {
  const COMPAT = join(ROOT, 'alerts', 'keepalived-exporter.rules.yml');

  itPromtool('passes promtool check rules', () => {
    const r = promtool(['check', 'rules', COMPAT]);
    expect(r.out).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.status).toBe(0);
  });

  itPromtool("records the exporters' series from vipd's, as the rule unit tests specify", () => {
    const r = promtool(['test', 'rules', join(ROOT, 'alerts', 'keepalived-exporter.rules.test.yml')]);
    expect(r.out).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it("records the main panels' series of both exporters from metrics vipd registers", () => {
    const text = readFileSync(COMPAT, 'utf8');
    const recorded = [...text.matchAll(/^\s*- record: (\w+)$/gm)].map((m) => m[1]);
    expect(recorded).toEqual(
      expect.arrayContaining([
        'keepalived_vrrp_state',
        'keepalived_become_master_total',
        'keepalived_advertisements_sent_total',
        'keepalived_script_status',
        'keepalived_vrrp_become_master',
        'keepalived_vrrp_advert_rcvd',
      ]),
    );
    const metrics = new VipdMetrics({ version: 't', groups: [], rejectReasons: [], provider: 'none', processMetrics: false });
    const registered = new Set(metrics.registry.getMetricsAsArray().map((m) => m.name));
    const used = new Set([...text.replace(/^\s*#.*$/gm, '').matchAll(/\bvipd_[a-z0-9_]+/g)].map((m) => m[0]));
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) expect(registered).toContain(name);
  });
});
