import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { VipdError } from '../errors';
import { SCENARIO_GROUP, scenarioPriority, vipdNodeConfig } from './scenario-config';
import { type DaemonDriver, type DriverContext, type TakeoverReport, lastLines, scenarioNodes } from './scenario-daemon';
import { type LogRecord, currentRole, parseLogLines, transitions, vipsReadyLines } from './scenario-logs';
import type { PreparedProvider } from './scenario-provider';
import type { ExitStatus, LabProcess } from './spawner';

const START_TIMEOUT_MS = 30_000;

/** vipd on every node: `node dist/src/cli/main.js run --config FILE`, its NDJSON log read from stdout. */
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
      vip: this.ctx.vip,
    });
    const path = this.configPath(node);
    writeFileSync(path, stringify(config));
    return path;
  }

  async start(node: number): Promise<void> {
    const config = this.writeConfig(node);
    const p = this.ctx.lab.spawnInNode(node, [this.nodeBinary, join(this.distDir, 'src', 'cli', 'main.js'), 'run', '--config', config], {
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

  settledMaster(): number | null {
    const masters: number[] = [];
    for (let i = 1; i <= this.ctx.nodes; i++) {
      const logs = this.logs(i);
      const t = transitions(logs, SCENARIO_GROUP);
      const last = t[t.length - 1];
      if (!last) return null;
      if (last.to === 'MASTER') {
        // Master in name only until its VIPs are configured.
        if (!vipsReadyLines(logs, SCENARIO_GROUP).some((r) => r.index > last.index)) return null;
        masters.push(i);
      } else if (last.to !== 'BACKUP') {
        return null;
      }
    }
    return masters.length === 1 ? (masters[0] ?? null) : null;
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
