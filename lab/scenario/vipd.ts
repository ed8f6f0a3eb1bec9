import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ControlClient } from '../../src/control/client';
import { VipdError } from '../../src/errors';
import { SCENARIO_GROUP, scenarioPriority, vipdNodeConfig } from './config';
import { type DaemonDriver, type DriverContext, type TakeoverReport, lastLines, scenarioNodes } from './daemon';
import { type LogRecord, currentRole, parseLogLines, transitions, vipsReadyLines } from './logs';
import type { PreparedProvider } from './provider';
import { type NodeView, agreedMaster } from './settle';
import type { ExitStatus, LabProcess } from '../netns/spawner';
import { shippedNodeFlags } from './unit-node-flags';

const START_TIMEOUT_MS = 30_000;
const STATUS_TIMEOUT_MS = 2_000;

/** vipd on every node: `node FLAGS dist/src/cli/main.js run --config FILE` (the unit's flags), its NDJSON log read from stdout. */
export class VipdDriver implements DaemonDriver {
  readonly kind = 'vipd' as const;
  readonly keyFile: string;
  private readonly processes = new Map<number, LabProcess>();

  constructor(
    private readonly ctx: DriverContext,
    private readonly provider: PreparedProvider,
    private readonly distDir: string,
    private readonly nodeBinary: string = process.execPath,
  ) {
    this.keyFile = join(ctx.dir, 'heartbeat.key');
    writeFileSync(this.keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  }

  configPath(node: number): string {
    return join(this.ctx.dir, `vipd-${this.ctx.lab.nodeName(node)}.yaml`);
  }

  socketPath(node: number): string {
    return join(this.ctx.dir, `vipd-${this.ctx.lab.nodeName(node)}.sock`);
  }

  stateDir(node: number): string {
    const dir = join(this.ctx.dir, `state-${this.ctx.lab.nodeName(node)}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  writeConfig(node: number): string {
    const all = scenarioNodes(this.ctx.lab, this.ctx.nodes);
    const self = all[node - 1];
    if (!self) throw new VipdError('VIPD_E_INTERNAL', `no node ${node}`);
    const config = vipdNodeConfig({
      self,
      peers: all.filter((n) => n.id !== self.id),
      priority: scenarioPriority(node, this.ctx.nodes),
      intervalMs: this.ctx.intervalMs,
      keyFile: this.keyFile,
      controlSocket: this.socketPath(node),
      stateDir: this.stateDir(node),
      provider: this.provider.providerSection(node),
      vips: this.ctx.vips,
      extraGroupVips: this.ctx.extraGroupVips ?? [],
    });
    const path = this.configPath(node);
    writeFileSync(path, stringify(config));
    return path;
  }

  async start(node: number): Promise<void> {
    const config = this.writeConfig(node);
    const argv = [this.nodeBinary, ...shippedNodeFlags(this.distDir), join(this.distDir, 'src', 'cli', 'main.js'), 'run', '--config', config];
    const p = this.ctx.lab.spawnInNode(node, argv, {
      env: { ...process.env, ...this.provider.env(node) },
    });
    this.processes.set(node, p);
    await p.waitForOutput(/"msg":"vipd started"/, START_TIMEOUT_MS);
  }

  logs(node: number): LogRecord[] {
    const p = this.processes.get(node);
    return p ? parseLogLines(p.stdout()) : [];
  }

  role(node: number): string | null {
    return currentRole(this.logs(node), SCENARIO_GROUP);
  }

  /** Node i as its log shows it: role after the last transition, VIPs configured since, transitions so far. */
  private logView(node: number): NodeView {
    const logs = this.logs(node);
    const t = transitions(logs, SCENARIO_GROUP);
    const last = t[t.length - 1];
    // Master in name only until its VIPs are configured.
    const serving = last?.to === 'MASTER' && vipsReadyLines(logs, SCENARIO_GROUP).some((r) => r.index > last.index);
    return { role: last?.to ?? null, serving, changes: t.length };
  }

  private names(): string[] {
    return Array.from({ length: this.ctx.nodes }, (_, k) => this.ctx.lab.nodeName(k + 1));
  }

  settledMaster(): number | null {
    return agreedMaster(
      Array.from({ length: this.ctx.nodes }, (_, k) => this.logView(k + 1)),
      this.names(),
    );
  }

  loggedRole(node: number): string | null {
    return this.logView(node).role;
  }

  /** The log's view plus the master the daemon believes in, from `status` on its control socket (null when it does not answer). */
  async observe(): Promise<NodeView[]> {
    return Promise.all(
      Array.from({ length: this.ctx.nodes }, async (_, k) => {
        const node = k + 1;
        const view = this.logView(node);
        return { ...view, believes: await this.believedMaster(node) };
      }),
    );
  }

  private async believedMaster(node: number): Promise<string | null> {
    try {
      const status = (await new ControlClient(this.socketPath(node)).call('status', null, STATUS_TIMEOUT_MS)) as {
        groups?: ReadonlyArray<{ name?: unknown; election?: { master?: unknown } }>;
      };
      const master = status.groups?.find((g) => g.name === SCENARIO_GROUP)?.election?.master;
      return typeof master === 'string' ? master : null;
    } catch {
      // Not answering (starting, stopping, killed) is believing nobody for this look.
      return null;
    }
  }

  output(node: number): { stdout: string; stderr: string } {
    const p = this.processes.get(node);
    return { stdout: p?.stdout() ?? '', stderr: p?.stderr() ?? '' };
  }

  rootPid(node: number): number | null {
    return this.processes.get(node)?.pid ?? null;
  }

  waitExited(node: number): Promise<ExitStatus> {
    const p = this.processes.get(node);
    if (!p) throw new VipdError('VIPD_E_INTERNAL', `vipd was never started on node ${node}`);
    return p.wait();
  }

  logMark(node: number): number {
    return this.logs(node).length;
  }

  takeoverReport(node: number, mark: number): TakeoverReport | null {
    const logs = this.logs(node);
    const took = transitions(logs, SCENARIO_GROUP).find((t) => t.index >= mark && t.to === 'MASTER');
    if (!took) return null;
    const ready = vipsReadyLines(logs, SCENARIO_GROUP).find((r) => r.index > took.index);
    if (!ready) return null;
    return { reason: took.reason, phases: ready.phases };
  }

  tail(node: number): string {
    const p = this.processes.get(node);
    if (!p) return `${this.ctx.lab.nodeName(node)}: not started`;
    return `${this.ctx.lab.nodeName(node)} stdout:\n${lastLines(p.stdout(), 8)}\nstderr:\n${lastLines(p.stderr(), 5)}`;
  }
}
