import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type LabCloudHandle, type LabCloudOptions, labCloudEnvOverrides, startLabCloud } from '../../lab/cloud/aws/in-lab';
import type { Lab } from '../../lab/netns/lab';
import { interfaceHasAddress } from '../../lab/scenario/holders';
import { eventually, newLab } from '../support/lab';
import { VIPD_MAIN, VipdProcess, type LogLine } from '../support/vipd-process';

/**
 * Two (or more) real vipd processes in lab node namespaces, the emulated
 * AWS cloud in the fabric, an HTTP service on every node: the AWS lab
 * tests build on this. Node 1 is preferred (priority 200), node 2 100.
 */
export const GROUP = 'web';
export const SERVICE_PORT = 8080;
export const HEARTBEAT_PORT = 9476;
export const METRICS_PORT = 9477;

export interface AwsNodeOptions {
  readonly provider?: 'aws' | 'none';
  readonly osEnabled?: boolean;
  readonly priority?: number;
  /** Overrides of the provider.aws block (e.g. metadataEndpoint null: the real-instance path). */
  readonly aws?: Readonly<Record<string, string | null>>;
}

export interface AwsClusterOptions extends Omit<LabCloudOptions, 'vips' | 'dir'> {
  readonly vips: readonly string[];
  readonly nodes?: number;
  readonly intervalMs?: number;
  readonly verifyIntervalMs?: number;
  readonly acquireDeadlineMs?: number;
}

export class AwsLabCluster {
  readonly keyFile: string;
  private readonly processes = new Map<number, VipdProcess>();

  private constructor(
    readonly lab: Lab,
    readonly cloud: LabCloudHandle,
    readonly dir: string,
    readonly opts: AwsClusterOptions,
  ) {
    this.keyFile = join(dir, 'heartbeat.key');
    writeFileSync(this.keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  }

  static async create(opts: AwsClusterOptions): Promise<AwsLabCluster> {
    const lab = await newLab({ nodes: opts.nodes ?? 2 });
    const dir = mkdtempSync(join(tmpdir(), 'vipd-awslab-'));
    try {
      const cloud = await startLabCloud(lab, { ...opts, dir });
      for (let i = 1; i <= (opts.nodes ?? 2); i++) await lab.startService(i, SERVICE_PORT);
      return new AwsLabCluster(lab, cloud, dir, opts);
    } catch (e) {
      await lab.teardown().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  get nodes(): number {
    return this.opts.nodes ?? 2;
  }

  priority(i: number): number {
    return i === 1 ? 200 : 200 - Math.round((100 * (i - 1)) / Math.max(1, this.nodes - 1));
  }

  stateDir(i: number): string {
    const dir = join(this.dir, `n${i}-state`);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  config(i: number, node: AwsNodeOptions = {}): Record<string, unknown> {
    const provider = node.provider ?? 'aws';
    return {
      node: { id: this.lab.nodeName(i), stateDir: this.stateDir(i) },
      heartbeat: { bind: this.lab.nodeIp(i), port: HEARTBEAT_PORT, keyFile: this.keyFile },
      provider: {
        type: provider,
        acquireDeadlineMs: `${this.opts.acquireDeadlineMs ?? 20_000}ms`,
        verifyIntervalMs: `${this.opts.verifyIntervalMs ?? 1000}ms`,
        ...(provider === 'aws' ? { aws: { ...this.cloud.vipdProviderConfig(), ...node.aws } } : {}),
      },
      os: { enabled: node.osEnabled ?? true, policyRouting: true, reconcileIntervalMs: '1s' },
      metrics: { enabled: true, listen: this.lab.nodeIp(i), port: METRICS_PORT },
      control: { socket: join(this.dir, `n${i}.sock`) },
      log: { level: 'info' },
      groups: [
        {
          name: GROUP,
          id: 1,
          priority: node.priority ?? this.priority(i),
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

  /** Starts vipd in node i (environment: only the emulator is reachable as "AWS"). */
  start(i: number, node: AwsNodeOptions = {}): VipdProcess {
    const file = join(this.dir, `n${i}.yaml`);
    writeFileSync(file, stringify(this.config(i, node)));
    const p = new VipdProcess(this.lab.nodeName(i), ['run', '--config', file], {
      command: ['ip', 'netns', 'exec', this.lab.nodeNs(i), process.execPath, VIPD_MAIN],
      env: labCloudEnvOverrides(process.env, this.cloud.region),
    });
    this.processes.set(i, p);
    return p;
  }

  vipd(i: number): VipdProcess {
    const p = this.processes.get(i);
    if (!p) throw new Error(`vipd not started on node ${i}`);
    return p;
  }

  /** Node death: vipd killed -9 (nothing released) and the node's fabric link cut. */
  async hardKill(i: number): Promise<void> {
    const p = this.vipd(i);
    p.signal('SIGKILL');
    await this.lab.cutNode(i);
    await p.wait();
  }

  /**
   * n1 first, MASTER with its VIPs ready, then the others: a deterministic
   * start. (Started together, a node that starts a little earlier claims
   * first and is preempted, which is a different scenario.)
   */
  async startInOrder(node: AwsNodeOptions | ((i: number) => AwsNodeOptions) = {}): Promise<void> {
    const opts = (i: number): AwsNodeOptions => (typeof node === 'function' ? node(i) : node);
    this.start(1, opts(1));
    await this.waitReady(1);
    for (let i = 2; i <= this.nodes; i++) {
      const p = this.start(i, opts(i));
      await p.waitFor((l) => l.msg === 'vipd started', 30_000, 'vipd started');
      // Settled only once it has heard the master: a fault before that is a different scenario.
      await eventually(async () => (metricValue(await this.metrics(i), 'vipd_adverts_received_total', { group: GROUP }) ?? 0) >= 3, `n${i} to hear the master`);
    }
  }

  /** Waits until node i is MASTER with its VIPs ready (after log line `after`); returns the vips-ready line. */
  async waitReady(i: number, after = 0, timeoutMs = 30_000): Promise<LogLine> {
    const p = this.vipd(i);
    await p.waitForRole(GROUP, 'MASTER', { after, timeoutMs });
    return p.waitFor((l) => p.lines.indexOf(l) >= after && l.event === 'vips-ready', timeoutMs, 'vips-ready');
  }

  /** One HTTP GET from the client namespace: the answering node's name, or null (no answer within the timeout). */
  async clientGet(vip: string, timeoutS = 1): Promise<string | null> {
    const r = await this.lab.run(this.lab.clientNs, ['curl', '-s', '--max-time', String(timeoutS), `http://${vip}:${SERVICE_PORT}/`], {
      timeoutMs: (timeoutS + 5) * 1000,
    });
    return r.exitCode === 0 ? r.stdout.trim() : null;
  }

  /** Prometheus text of node i's /metrics, scraped from inside its namespace. */
  async metrics(i: number): Promise<string> {
    const r = await this.lab.run(this.lab.nodeNs(i), ['curl', '-sf', '--max-time', '5', `http://${this.lab.nodeIp(i)}:${METRICS_PORT}/metrics`], {
      timeoutMs: 15_000,
    });
    if (r.exitCode !== 0) throw new Error(`scraping n${i} /metrics failed (${r.exitCode}): ${r.stderr}`);
    return r.stdout;
  }

  async vipOnNode(i: number, vip: string): Promise<boolean> {
    return interfaceHasAddress(await this.lab.ipJson(this.lab.nodeNs(i), ['-4', 'addr', 'show', 'dev', 'eth0']), vip);
  }

  /** Waits until the control plane shows every VIP on node i (the emulator's state, not vipd's word). */
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

/** A metric's value from Prometheus text (first series whose labels include every given pair); null when absent. */
export function metricValue(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = new Map<string, string>();
    for (const pair of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) have.set(pair[1]!, pair[2]!);
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) return Number(m[4]);
  }
  return null;
}
