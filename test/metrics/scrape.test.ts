import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { parse, stringify } from 'yaml';
import { ControlClient } from '../../src/control/client';
import { AWS_OPERATIONS } from '../../src/cloud/aws/operations';
import { VipdMetrics } from '../../src/metrics/metrics';
import { ensureBuilt } from '../support/build';
import { LoopbackCluster } from '../support/loopback-cluster';
import { VipdProcess } from '../support/vipd-process';
import { itWithTool, toolAvailable } from '../systemd/require-tool';

jest.setTimeout(120_000);
beforeAll(() => ensureBuilt());

const WEB = { name: 'web', id: 1, vip: '127.0.0.101' };
const itPromtool = itWithTool(toolAvailable('promtool'), 'promtool (Debian package prometheus)');

function scrape(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** promtool's verdict on an exposition: the lint problems it prints, or [] when it accepts it. */
function promtoolProblems(exposition: string): string[] {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  if (r.error) throw r.error;
  const problems = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim() !== '');
  if (r.status !== 0 && problems.length === 0) throw new Error(`promtool exited ${String(r.status)} without saying why`);
  return problems;
}

/** The value of one sample, by its exact series text (`name{labels}`), or null when absent. */
function sample(exposition: string, series: string): number | null {
  const line = exposition.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

async function freeTcpPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('the /metrics scrape of a running vipd', () => {
  let cluster: LoopbackCluster;
  afterEach(async () => cluster?.destroy());

  itPromtool('passes promtool check metrics, shows maintenance as priority 0 and reports each reload', async () => {
    cluster = await LoopbackCluster.pair([WEB]);
    const port = await freeTcpPort();
    const writeConfig = (edit: (doc: { groups: Array<Record<string, unknown>> }) => void = () => undefined): void => {
      const path = cluster.writeConfig(cluster.node('n1'));
      const doc = parse(readFileSync(path, 'utf8')) as { metrics: unknown; groups: Array<Record<string, unknown>> };
      doc.metrics = { enabled: true, listen: '127.0.0.1', port };
      edit(doc);
      writeFileSync(path, stringify(doc));
    };
    writeConfig();
    const n1 = new VipdProcess('n1', ['run', '--config', cluster.configPath('n1')]);
    cluster.processes.set('n1', n1);
    await n1.waitForRole('web', 'MASTER');

    const first = await scrape(port);
    expect(promtoolProblems(first)).toEqual([]);
    expect(first).not.toMatch(/^vipd_(cloud_|failover_cloud_)/m); // provider none: no cloud series at all
    expect(first).not.toMatch(/^nodejs_active_\w+_total/m);
    expect(sample(first, 'vipd_vip_info{group="web",id="1",interface="lo",vip="127.0.0.101"}')).toBe(1);
    expect(sample(first, 'vipd_maintenance')).toBe(0);
    expect(sample(first, 'vipd_effective_priority{group="web"}')).toBe(200);
    expect(sample(first, 'vipd_config_last_reload_successful')).toBe(1);
    const loadedAt = sample(first, 'vipd_config_last_reload_success_timestamp_seconds') ?? 0;
    expect(Math.abs(loadedAt - Date.now() / 1000)).toBeLessThan(600);

    await new ControlClient(cluster.socketPath('n1')).call('maintenance', { on: true }, 5000);
    const inMaintenance = await scrape(port);
    expect(sample(inMaintenance, 'vipd_maintenance')).toBe(1);
    expect(sample(inMaintenance, 'vipd_effective_priority{group="web"}')).toBe(0);
    expect(sample(inMaintenance, 'vipd_priority{group="web"}')).toBe(200);
    expect(promtoolProblems(inMaintenance)).toEqual([]);

    writeConfig((doc) => {
      (doc.groups[0] as Record<string, unknown>).priority = 300;
    });
    let mark = n1.lines.length;
    n1.signal('SIGHUP');
    await n1.waitFor((l) => n1.lines.indexOf(l) >= mark && String(l.msg).startsWith('reload rejected'), 20_000, 'rejected reload');
    const rejected = await scrape(port);
    expect(sample(rejected, 'vipd_config_last_reload_successful')).toBe(0);
    expect(sample(rejected, 'vipd_config_last_reload_success_timestamp_seconds')).toBe(loadedAt);

    await new Promise((r) => setTimeout(r, 20)); // the timestamp has millisecond resolution
    writeConfig();
    mark = n1.lines.length;
    n1.signal('SIGHUP');
    await n1.waitFor((l) => n1.lines.indexOf(l) >= mark && l.msg === 'configuration reloaded', 20_000, 'good reload');
    const reloaded = await scrape(port);
    expect(sample(reloaded, 'vipd_config_last_reload_successful')).toBe(1);
    expect(sample(reloaded, 'vipd_config_last_reload_success_timestamp_seconds')).toBeGreaterThan(loadedAt);
  });
});

describe('promtool check metrics on a cloud registry', () => {
  itPromtool('accepts every series of a provider with cloud calls, observations and all groups', async () => {
    const m = new VipdMetrics({
      version: '1.2.3',
      groups: ['web', 'db'],
      rejectReasons: ['bad-tag', 'replay'],
      provider: 'aws',
      cloudOperations: AWS_OPERATIONS,
      peers: { web: ['n2'] },
    });
    m.transition('web', 'BACKUP', 'MASTER');
    m.failover('web', { detectionMs: 800, cloudMs: 400, osMs: 20, totalMs: 1300 }, 'master-down');
    m.cloudRequest('AssignPrivateIpAddresses', 'ok', 0.2);
    m.setTrackers('web', [{ name: 'nginx', up: true }]);
    m.heartbeatRejected('nonsense');
    expect(promtoolProblems(await m.exposition())).toEqual([]);
  });
});
