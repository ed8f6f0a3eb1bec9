import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROVIDERS } from '../../src/cloud/registry';
import { CLOUD_OUTCOMES } from '../../src/metrics/cloud-outcome';
import { VipdMetrics } from '../../src/metrics/metrics';

const ROOT = join(__dirname, '..', '..');
const OPERATIONS = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');

interface DocumentedMetric {
  readonly type: string;
  readonly labels: readonly string[];
}

/** Rows of the metrics table: | `vipd_x` | type | labels | meaning | */
function documentedMetrics(): Map<string, DocumentedMetric> {
  const rows = new Map<string, DocumentedMetric>();
  for (const m of OPERATIONS.matchAll(/^\| `(vipd_[a-z0-9_]+)` \| (\w+) \| ([^|]*) \|/gm)) {
    const [, name, type, labels] = m;
    if (name === undefined || type === undefined || labels === undefined) continue;
    if (rows.has(name)) throw new Error(`${name} is documented twice`);
    const list = labels.trim() === '(none)' ? [] : labels.split(',').map((l) => l.trim());
    rows.set(name, { type, labels: list.sort() });
  }
  return rows;
}

function labelNamesOf(metric: unknown): string[] {
  const names = (metric as { labelNames?: unknown }).labelNames;
  return Array.isArray(names) ? names.map(String).sort() : [];
}

describe('docs/operations.md metrics table', () => {
  const metrics = new VipdMetrics({ version: 't', groups: ['g'], rejectReasons: [], provider: 'none', processMetrics: false });
  const registered = new Map(metrics.registry.getMetricsAsArray().map((m) => [m.name, m]));
  const documented = documentedMetrics();

  it('documents every registered vipd_ metric', () => {
    const missing = [...registered.keys()].filter((n) => !documented.has(n));
    expect(missing).toEqual([]);
  });

  it('documents no metric that does not exist', () => {
    const stale = [...documented.keys()].filter((n) => !registered.has(n));
    expect(stale).toEqual([]);
  });

  it('gives each metric its real type and label names', () => {
    expect(documented.size).toBeGreaterThan(20);
    for (const [name, doc] of documented) {
      const metric = registered.get(name);
      if (metric === undefined) continue;
      expect({ name, type: doc.type, labels: doc.labels }).toEqual({ name, type: String(metric.type), labels: labelNamesOf(metric) });
    }
  });
});

describe('docs/operations.md cloud label values', () => {
  /** The backquoted words of the "- `label`: ..." item of the label values list. */
  function listed(label: string): string[] {
    const item = new RegExp(`^- \`${label}\`:([\\s\\S]*?)(?=^- |^$)`, 'm').exec(OPERATIONS);
    if (item === null) throw new Error(`no label values item for ${label}`);
    return [...(item[1] ?? '').matchAll(/`([A-Za-z.-]+)`/g)].map((m) => m[1]!);
  }

  it('names every API operation of every registered provider, and none that is not sent', () => {
    const sent = new Set(Object.values(PROVIDERS).flatMap((p) => [...p.operations]));
    // EC2 actions are CamelCase; Compute methods are dotted (instances.get).
    const documented = new Set(listed('operation').filter((w) => /^[A-Z]|^[a-z][A-Za-z]*\.[a-z][A-Za-z]*$/.test(w)));
    expect([...documented].sort()).toEqual([...sent].sort());
  });

  it('names every outcome, and none that does not exist', () => {
    const documented = listed('outcome').filter((w) => /^[a-z]+$/.test(w));
    expect([...new Set(documented)].sort()).toEqual([...CLOUD_OUTCOMES].sort());
  });
});

describe('docs/operations.md alerts table', () => {
  it('lists exactly the alerts of alerts/vipd.rules.yml', () => {
    const rules = readFileSync(join(ROOT, 'alerts', 'vipd.rules.yml'), 'utf8');
    const inRules = [...rules.matchAll(/^\s*- alert: (\w+)$/gm)].map((m) => m[1]).sort();
    const inDocs = [...OPERATIONS.matchAll(/^\| `(Vipd\w+)` \|/gm)].map((m) => m[1]).sort();
    expect(inDocs).toEqual(inRules);
  });
});
