import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startOciLabCloud, type OciLabCloudHandle, type OciLabCloudOptions } from '../../../../lab/cloud/oci/in-lab';
import type { Lab } from '../../../../lab/netns/lab';
import { eventually, newLab } from '../../../support/lab';
import { VIPD_MAIN, VipdProcess, type LogLine } from '../../../support/vipd-process';
import { GROUP, HEARTBEAT_PORT, METRICS_PORT, SERVICE_PORT, metricValue } from '../../aws-support';

export interface OciClusterOptions extends Omit<OciLabCloudOptions, 'dir'> {
  /** How the nodes sign (default: instance principals). */
  readonly auth?: 'instance_principal' | 'api_key';
  readonly nodes?: number;
  readonly intervalMs?: number;
  readonly verifyIntervalMs?: number;
  readonly acquireDeadlineMs?: number;
}

/**
 * Real vipd processes in lab node namespaces with provider oci, the
 * emulated OCI cloud in the fabric, an HTTP service on every node. Node 1
 * is preferred (priority 200), node 2 100. Each node signs with its own
 * API key, so the call log says which node made each call.
 */
export class OciLabCluster {
  readonly keyFile: string;
  private readonly processes = new Map<number, VipdProcess>();

  private constructor(
    readonly lab: Lab,
    readonly cloud: OciLabCloudHandle,
    readonly dir: string,
    readonly opts: OciClusterOptions,
  ) {
    this.keyFile = join(dir, 'heartbeat.key');
    writeFileSync(this.keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  }

  static async create(opts: OciClusterOptions): Promise<OciLabCluster> {
    const lab = await newLab({ nodes: opts.nodes ?? 2 });
    const dir = mkdtempSync(join(tmpdir(), 'vipd-ocilab-'));
    try {
      const cloud = await startOciLabCloud(lab, { ...opts, dir });
      for (let i = 1; i <= (opts.nodes ?? 2); i++) await lab.startService(i, SERVICE_PORT);
      return new OciLabCluster(lab, cloud, dir, opts);
    } catch (e) {
      await lab.teardown().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  get nodes(): number {
    return this.opts.nodes ?? 2;
  }

  config(i: number): Record<string, unknown> {
    const stateDir = join(this.dir, `n${i}-state`);
    mkdirSync(stateDir, { recursive: true });
    return {
      node: { id: this.lab.nodeName(i), stateDir },
      heartbeat: { bind: this.lab.nodeIp(i), port: HEARTBEAT_PORT, keyFile: this.keyFile },
      provider: {
        type: 'oci',
        acquireDeadlineMs: `${this.opts.acquireDeadlineMs ?? 20_000}ms`,
        verifyIntervalMs: `${this.opts.verifyIntervalMs ?? 1000}ms`,
        oci: this.cloud.vipdProviderConfig(i, this.opts.auth),
      },
      os: { enabled: true, policyRouting: true, reconcileIntervalMs: '1s' },
      metrics: { enabled: true, listen: this.lab.nodeIp(i), port: METRICS_PORT },
      control: { socket: join(this.dir, `n${i}.sock`) },
      log: { level: 'info' },
      groups: [
        {
          name: GROUP,
          id: 1,
          priority: i === 1 ? 200 : 100,
          intervalMs: `${this.opts.intervalMs ?? 100}ms`,
          interface: 'eth0',
          vips: [...this.opts.vips],
          peers: Array.from({ length: this.nodes }, (_, k) => k + 1)
            .filter((k) => k !== i)
            .map((k) => ({ id: this.lab.nodeName(k), address: this.lab.nodeIp(k) })),
        },
      ],
    };
  }

  /** `patch` changes node i's config before it is written (a broken endpoint, say). */
  start(i: number, patch: (config: Record<string, unknown>) => void = () => undefined): VipdProcess {
    const file = join(this.dir, `n${i}.yaml`);
    const config = this.config(i);
    patch(config);
    writeFileSync(file, stringify(config));
    const env: Record<string, string> = {};
    // No host OCI setting may leak into the lab: the SDK reads some OCI_* variables.
    for (const k of Object.keys(process.env)) if (k.startsWith('OCI_')) env[k] = '';
    const p = new VipdProcess(this.lab.nodeName(i), ['run', '--config', file], {
      command: ['ip', 'netns', 'exec', this.lab.nodeNs(i), process.execPath, VIPD_MAIN],
      env,
    });
    this.processes.set(i, p);
    return p;
  }

  vipd(i: number): VipdProcess {
    const p = this.processes.get(i);
    if (!p) throw new Error(`vipd not started on node ${i}`);
    return p;
  }

  async hardKill(i: number): Promise<void> {
    const p = this.vipd(i);
    p.signal('SIGKILL');
    await this.lab.cutNode(i);
    await p.wait();
  }

  async startInOrder(): Promise<void> {
    this.start(1);
    await this.waitReady(1);
    for (let i = 2; i <= this.nodes; i++) {
      const p = this.start(i);
      await p.waitFor((l) => l.msg === 'vipd started', 30_000, 'vipd started');
      await eventually(async () => (metricValue(await this.metrics(i), 'vipd_adverts_received_total', { group: GROUP }) ?? 0) >= 3, `n${i} to hear the master`);
    }
  }

  async waitReady(i: number, after = 0, timeoutMs = 30_000): Promise<LogLine> {
    const p = this.vipd(i);
    await p.waitForRole(GROUP, 'MASTER', { after, timeoutMs });
    return p.waitFor((l) => p.lines.indexOf(l) >= after && l.event === 'vips-ready', timeoutMs, 'vips-ready');
  }

  async clientGet(vip: string, timeoutS = 1): Promise<string | null> {
    const r = await this.lab.run(this.lab.clientNs, ['curl', '-s', '--max-time', String(timeoutS), `http://${vip}:${SERVICE_PORT}/`], {
      timeoutMs: (timeoutS + 5) * 1000,
    });
    return r.exitCode === 0 ? r.stdout.trim() : null;
  }

  async metrics(i: number): Promise<string> {
    const r = await this.lab.run(this.lab.nodeNs(i), ['curl', '-sf', '--max-time', '5', `http://${this.lab.nodeIp(i)}:${METRICS_PORT}/metrics`], {
      timeoutMs: 15_000,
    });
    if (r.exitCode !== 0) throw new Error(`scraping n${i} /metrics failed (${r.exitCode}): ${r.stderr}`);
    return r.stdout;
  }

  async waitCloudHolder(i: number | null, timeoutMs = 30_000): Promise<void> {
    await eventually(
      async () => [...(await this.cloud.holders(this.opts.vips)).values()].every((h) => h === i),
      `the cloud to show n${i ?? 'obody'} holding ${this.opts.vips.join(', ')}`,
      timeoutMs,
    );
  }

  async destroy(): Promise<void> {
    await Promise.all([...this.processes.values()].map((p) => p.stop()));
    await this.cloud.stop().catch(() => undefined);
    await this.lab.teardown();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
