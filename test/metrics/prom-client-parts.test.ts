import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as promClient from 'prom-client';
import Counter from 'prom-client/lib/counter';
import collectDefaultMetrics from 'prom-client/lib/defaultMetrics';
import Gauge from 'prom-client/lib/gauge';
import Histogram from 'prom-client/lib/histogram';
import Registry from 'prom-client/lib/registry';
import { ensureBuilt } from '../support/build';

/*
 * metrics.ts loads prom-client's classes from their own files, not from the
 * package index (which also loads the Pushgateway, the cluster aggregator,
 * Summary and the default process metrics with @opentelemetry/api): every
 * module loaded at start stays resident in the daemon (docs/benchmarks.md, Footprint).
 */
const ROOT = join(__dirname, '..', '..');

const CHILD = `
const { VipdMetrics } = require(${JSON.stringify(join(ROOT, 'dist/src/metrics/metrics.js'))});
const m = new VipdMetrics({ version: '1', groups: ['web'], rejectReasons: ['replay'], provider: 'none', processMetrics: process.env.PROCESS_METRICS === '1' });
m.registry.metrics().then((text) => {
  const modules = Object.keys(require.cache).map((k) => k.replace(/\\\\/g, '/')).filter((k) => k.includes('/node_modules/'))
    .map((k) => k.split('/node_modules/').pop());
  const natives = process.moduleLoadList.filter((l) => l.startsWith('NativeModule ')).map((l) => l.slice('NativeModule '.length));
  process.stdout.write(JSON.stringify({ modules, natives, text }));
  process.exit(0);
});
`;

interface Loaded {
  readonly modules: string[];
  readonly natives: string[];
  readonly text: string;
}

async function metricsInChild(processMetrics: boolean): Promise<Loaded> {
  const out = await promisify(execFile)(process.execPath, ['-e', CHILD], {
    env: { ...process.env, PROCESS_METRICS: processMetrics ? '1' : '0' },
    timeout: 60_000,
  });
  return JSON.parse(out.stdout) as Loaded;
}

describe("prom-client's parts", () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it('each file metrics.ts loads is the very export of the package index (so the declared types hold)', () => {
    expect(Counter).toBe(promClient.Counter);
    expect(Gauge).toBe(promClient.Gauge);
    expect(Histogram).toBe(promClient.Histogram);
    expect(Registry).toBe(promClient.Registry);
    expect(collectDefaultMetrics).toBe(promClient.collectDefaultMetrics);
  });

  it('with process metrics off (metrics.enabled: false) vipd loads neither the default metrics nor the index, the Pushgateway, Summary or OpenTelemetry', async () => {
    const loaded = await metricsInChild(false);
    expect(loaded.text).toContain('vipd_build_info');
    expect(loaded.text).not.toContain('process_cpu_user_seconds_total');
    const unwanted = loaded.modules.filter((m) =>
      /^prom-client\/(index\.js|lib\/(defaultMetrics|pushgateway|cluster|summary)\.js)$|^@opentelemetry\/|^tdigest\/|^bintrees\//.test(m),
    );
    expect(unwanted).toEqual([]);
    expect(loaded.natives.filter((n) => ['zlib', 'https', 'tls', 'cluster'].includes(n))).toEqual([]);
  });

  it('with process metrics on, the default metrics are loaded and collected on the same registry', async () => {
    const loaded = await metricsInChild(true);
    expect(loaded.modules).toContain('prom-client/lib/defaultMetrics.js');
    expect(loaded.text).toContain('process_cpu_user_seconds_total');
    expect(loaded.text).toContain('nodejs_eventloop_lag_seconds');
    expect(loaded.text).not.toContain('nodejs_active_handles_total ');
  });
});
