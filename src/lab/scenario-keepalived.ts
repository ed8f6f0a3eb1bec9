import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VipdError } from '../errors';
import { SCENARIO_GROUP, keepalivedConfig, scenarioPriority } from './scenario-config';
import { type DaemonDriver, type DriverContext, type TakeoverReport, lastLines, scenarioNodes } from './scenario-daemon';
import type { ExitStatus, LabProcess } from './spawner';

const START_TIMEOUT_MS = 30_000;
/** keepalived -l logs "(INSTANCE) Entering MASTER STATE" and the like on the console. */
const STATE_RE = /\((\S+)\) Entering (MASTER|BACKUP|FAULT) STATE/;

/** The last state keepalived logged for the instance, or null before the first. */
export function keepalivedState(output: string, instance: string): string | null {
  let state: string | null = null;
  for (const line of output.split('\n')) {
    const m = STATE_RE.exec(line);
    if (m && m[1] === instance && m[2] !== undefined) state = m[2];
  }
  return state;
}

/**
 * The keepalived baseline: one keepalived (VRRP subsystem only, no fork,
 * console logging) per node namespace, with its own pid files so
 * instances never collide. A crash must kill all its processes (the
 * scenario does that); killing the parent alone is a graceful handover.
 */
export class KeepalivedDriver implements DaemonDriver {
  readonly kind = 'keepalived' as const;
  private readonly processes = new Map<number, LabProcess>();

  constructor(private readonly ctx: DriverContext) {}

  async start(node: number): Promise<void> {
    const name = this.ctx.lab.nodeName(node);
    const all = scenarioNodes(this.ctx.lab, this.ctx.nodes);
    const self = all[node - 1];
    if (!self) throw new VipdError('VIPD_E_INTERNAL', `no node ${node}`);
    const conf = join(this.ctx.dir, `keepalived-${name}.conf`);
    writeFileSync(
      conf,
      keepalivedConfig({ self, peers: all.filter((n) => n.id !== self.id), priority: scenarioPriority(node, this.ctx.nodes), intervalMs: this.ctx.intervalMs, vip: this.ctx.vip }),
    );
    const pid = (kind: string): string => join(this.ctx.dir, `keepalived-${name}.${kind}.pid`);
    const p = this.ctx.lab.spawnInNode(node, ['keepalived', '-n', '-l', '-D', '-P', '-G', '-f', conf, '-p', pid('main'), '-r', pid('vrrp'), '-c', pid('checkers'), '-b', pid('bfd')]);
    this.processes.set(node, p);
    await p.waitForOutput(STATE_RE, START_TIMEOUT_MS);
  }

  settledMaster(): number | null {
    const masters: number[] = [];
    for (let i = 1; i <= this.ctx.nodes; i++) {
      const p = this.processes.get(i);
      if (!p) return null;
      const state = keepalivedState(`${p.stdout()}\n${p.stderr()}`, SCENARIO_GROUP);
      if (state === 'MASTER') masters.push(i);
      else if (state !== 'BACKUP') return null;
    }
    return masters.length === 1 ? (masters[0] ?? null) : null;
  }

  rootPid(node: number): number | null {
    return this.processes.get(node)?.pid ?? null;
  }

  waitExited(node: number): Promise<ExitStatus> {
    const p = this.processes.get(node);
    if (!p) throw new VipdError('VIPD_E_INTERNAL', `keepalived was never started on node ${node}`);
    return p.wait();
  }

  logMark(node: number): number {
    const p = this.processes.get(node);
    return p ? p.stderr().length + p.stdout().length : 0;
  }

  /** keepalived measures nothing itself: the takeover is done once it logged MASTER. */
  takeoverReport(node: number): TakeoverReport | null {
    const p = this.processes.get(node);
    if (!p) return null;
    return keepalivedState(`${p.stdout()}\n${p.stderr()}`, SCENARIO_GROUP) === 'MASTER' ? { reason: null, phases: null } : null;
  }

  tail(node: number): string {
    const p = this.processes.get(node);
    if (!p) return `${this.ctx.lab.nodeName(node)}: not started`;
    return `${this.ctx.lab.nodeName(node)} keepalived:\n${lastLines(`${p.stdout()}\n${p.stderr()}`, 8)}`;
  }
}
