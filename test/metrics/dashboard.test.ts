import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { VipdMetrics } from '../../src/metrics/metrics';
import { itWithTool, toolAvailable } from '../systemd/require-tool';

const ROOT = join(__dirname, '..', '..');
const DASHBOARD = join(ROOT, 'dashboards', 'vipd.json');
const itPromtool = itWithTool(toolAvailable('promtool'), 'promtool (Debian package prometheus)');

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan', 'e']);

/**
 * The metric names a PromQL expression selects: what is left once strings,
 * label matchers, label lists, range selectors, Grafana variables, numbers
 * and function calls are taken out.
 */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ')
    .replace(/\b\d+(?:\.\d+)?(?:e\d+)?\b/g, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(?=\s*(\()?)/g)) {
    if (m[1] === '(' || KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

interface Panel {
  readonly title?: string;
  readonly type: string;
  readonly targets?: ReadonlyArray<{ readonly expr?: string }>;
  readonly panels?: readonly Panel[];
}

function expressions(): Array<{ panel: string; expr: string }> {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    panels: Panel[];
    templating: { list: Array<{ definition?: string }> };
    annotations: { list: Array<{ expr?: string }> };
  };
  const walk = (panels: readonly Panel[]): Array<{ panel: string; expr: string }> =>
    panels.flatMap((p) => [
      ...(p.targets ?? []).flatMap((t) => (t.expr === undefined ? [] : [{ panel: p.title ?? p.type, expr: t.expr }])),
      ...walk(p.panels ?? []),
    ]);
  const fromVariables = dashboard.templating.list.flatMap((v) => {
    const m = /^label_values\((.*),\s*\w+\)$/.exec(v.definition ?? '');
    return m?.[1] === undefined ? [] : [{ panel: 'variable', expr: m[1] }];
  });
  const fromAnnotations = dashboard.annotations.list.flatMap((a) => (a.expr === undefined ? [] : [{ panel: 'annotation', expr: a.expr }]));
  return [...walk(dashboard.panels), ...fromVariables, ...fromAnnotations];
}

describe('dashboards/vipd.json', () => {
  const metrics = new VipdMetrics({ version: 't', groups: ['g'], rejectReasons: [], provider: 'aws', processMetrics: true });
  const exported = new Set(
    metrics.registry.getMetricsAsArray().flatMap((m) => (String(m.type) === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name])),
  );

  it('reads a PromQL expression the way the check needs', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le, group) (rate(vipd_x_bucket{group=~"$group",a="b{c}"}[$__rate_interval])))')).toEqual([
      'vipd_x_bucket',
    ]);
    expect(metricNames('time() - vipd_a{x="y"} > 0 or vipd_b == 0')).toEqual(['vipd_a', 'vipd_b']);
    expect(metricNames('vipd_a * on (job, instance) group_left (id) max by (id) (vipd_b) / 1e9')).toEqual(['vipd_a', 'vipd_b']);
  });

  it('is valid JSON whose every expression names only metrics vipd exports', () => {
    const all = expressions();
    expect(all.length).toBeGreaterThan(20);
    const unknown = all.flatMap(({ panel, expr }) =>
      metricNames(expr)
        .filter((n) => !exported.has(n))
        .map((n) => `${panel}: ${n}`),
    );
    expect(unknown).toEqual([]);
  });

  it('covers roles, failover latency by phase, heartbeats, rejects, trackers and cloud calls', () => {
    const used = new Set(expressions().flatMap(({ expr }) => metricNames(expr)));
    for (const name of [
      'vipd_state',
      'vipd_failover_detection_seconds_bucket',
      'vipd_failover_cloud_acquire_seconds_bucket',
      'vipd_failover_os_configure_seconds_bucket',
      'vipd_failover_total_seconds_bucket',
      'vipd_adverts_sent_total',
      'vipd_adverts_received_total',
      'vipd_peer_last_seen_timestamp_seconds',
      'vipd_heartbeats_rejected_total',
      'vipd_tracker_up',
      'vipd_cloud_requests_total',
      'vipd_cloud_request_duration_seconds_bucket',
    ]) {
      expect({ name, used: used.has(name) }).toEqual({ name, used: true });
    }
  });

  itPromtool('every expression parses (promtool check rules, with the Grafana variables filled in)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vipd-dashboard-'));
    try {
      const rules = expressions().map(({ expr }, i) => ({
        record: `dashboard:expr_${i}`,
        expr: expr.replace(/\$__rate_interval|\$__range/g, '5m').replace(/\$(instance|group)/g, '.*'),
      }));
      const file = join(dir, 'dashboard.rules.yml');
      writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
      const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8', timeout: 60_000 });
      expect(`${r.stdout}${r.stderr}`).toMatch(/SUCCESS: \d+ rules found/);
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
