import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VipdError } from '../../src/errors';
import { SCENARIO_GROUP, SCENARIO_INTERFACE, SCENARIO_VIP_PREFIX, keepalivedConfig, scenarioPriority } from './config';
import { type DaemonDriver, type DriverContext, type TakeoverReport, lastLines, scenarioNodes } from './daemon';
import {
  type KeepalivedCloudRecipe,
  type NotifyEvent,
  finishedNotifyState,
  keepalivedNotifyScript,
  keepalivedScriptProblems,
  notifyMasterRun,
  parseNotifyLog,
} from './keepalived-notify';
import type { ExitStatus, LabProcess } from '../netns/spawner';
import { type NodeView, agreedMaster } from './settle';

const START_TIMEOUT_MS = 30_000;
/** keepalived -l logs "(INSTANCE) Entering MASTER STATE" and the like on the console. */
const STATE_RE = /\((\S+)\) Entering (MASTER|BACKUP|FAULT) STATE/;

/** The last state keepalived logged for the instance, or null before the first. */
export function keepalivedState(output: string, instance: string): string | null {
  const states = keepalivedStates(output, instance);
  return states[states.length - 1] ?? null;
}

/** Every state the instance entered, in order. */
export function keepalivedStates(output: string, instance: string): string[] {
  const states: string[] = [];
  for (const line of output.split('\n')) {
    const m = STATE_RE.exec(line);
    if (m && m[1] === instance && m[2] !== undefined) states.push(m[2]);
  }
  return states;
}

/**
 * The keepalived baseline: one keepalived (VRRP subsystem only, no fork,
 * console logging) per node namespace, with its own pid files so
 * instances never collide. A crash must kill all its processes (the
 * scenario does that); killing the parent alone is a graceful handover.
 *
 * With a cloud recipe (the provider's keepalivedRecipe), keepalived also
 * runs the guides' notify script (keepalived-notify.ts), and a
 * takeover is done once that script has made the cloud call and its
 * `ip addr add`.
 */
export class KeepalivedDriver implements DaemonDriver {
  readonly kind = 'keepalived' as const;
  private readonly processes = new Map<number, LabProcess>();

  constructor(
    private readonly ctx: DriverContext,
    private readonly recipe: ((node: number) => KeepalivedCloudRecipe) | null = null,
  ) {}

  /** The notify script's step log on node i (cloud variant only). */
  notifyLogPath(node: number): string {
    return join(this.ctx.dir, `keepalived-notify-${this.ctx.lab.nodeName(node)}.log`);
  }

  notifyEvents(node: number): NotifyEvent[] {
    try {
      return parseNotifyLog(readFileSync(this.notifyLogPath(node), 'utf8'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }

  private writeNotifyScript(node: number, recipe: KeepalivedCloudRecipe): string {
    const path = join(this.ctx.dir, `keepalived-notify-${this.ctx.lab.nodeName(node)}.sh`);
    const text = keepalivedNotifyScript({
      recipe,
      vip: this.ctx.vip,
      prefix: SCENARIO_VIP_PREFIX,
      iface: SCENARIO_INTERFACE,
      logFile: this.notifyLogPath(node),
    });
    // enable_script_security refuses scripts that anyone but root could change.
    writeFileSync(path, text, { mode: 0o700 });
    return path;
  }

  async start(node: number): Promise<void> {
    const name = this.ctx.lab.nodeName(node);
    const all = scenarioNodes(this.ctx.lab, this.ctx.nodes);
    const self = all[node - 1];
    if (!self) throw new VipdError('VIPD_E_INTERNAL', `no node ${node}`);
    const conf = join(this.ctx.dir, `keepalived-${name}.conf`);
    const notifyScript = this.recipe === null ? undefined : this.writeNotifyScript(node, this.recipe(node));
    writeFileSync(
      conf,
      keepalivedConfig({
        self,
        peers: all.filter((n) => n.id !== self.id),
        priority: scenarioPriority(node, this.ctx.nodes),
        intervalMs: this.ctx.intervalMs,
        vip: this.ctx.vip,
        ...(notifyScript === undefined ? {} : { notifyScript }),
      }),
    );
    const pid = (kind: string): string => join(this.ctx.dir, `keepalived-${name}.${kind}.pid`);
    const p = this.ctx.lab.spawnInNode(node, [
      'keepalived',
      '-n',
      '-l',
      '-D',
      '-P',
      '-G',
      '-f',
      conf,
      '-p',
      pid('main'),
      '-r',
      pid('vrrp'),
      '-c',
      pid('checkers'),
      '-b',
      pid('bfd'),
    ]);
    this.processes.set(node, p);
    await p.waitForOutput(STATE_RE, START_TIMEOUT_MS);
  }

  /**
   * keepalived says nothing about whom it believes is master: the window of looks alone decides.
   * With a cloud recipe, a master serves once its notify_master has run to the end (the cloud call,
   * the address, the ARP) and no other run of the script is still going.
   */
  private view(node: number): NodeView {
    const p = this.processes.get(node);
    const states = p ? keepalivedStates(`${p.stdout()}\n${p.stderr()}`, SCENARIO_GROUP) : [];
    const role = states[states.length - 1] ?? null;
    const scriptDone = this.recipe === null || finishedNotifyState(this.notifyEvents(node)) === 'master';
    return { role, serving: role === 'MASTER' && scriptDone, changes: states.length };
  }

  settledMaster(): number | null {
    return agreedMaster(
      Array.from({ length: this.ctx.nodes }, (_, k) => this.view(k + 1)),
      Array.from({ length: this.ctx.nodes }, (_, k) => this.ctx.lab.nodeName(k + 1)),
    );
  }

  observe(): Promise<NodeView[]> {
    return Promise.resolve(Array.from({ length: this.ctx.nodes }, (_, k) => this.view(k + 1)));
  }

  loggedRole(node: number): string | null {
    return this.view(node).role;
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
    if (!p) throw new VipdError('VIPD_E_INTERNAL', `keepalived was never started on node ${node}`);
    return p.wait();
  }

  /** Plain: a position in keepalived's output; cloud variant: the number of notify-script steps logged. */
  logMark(node: number): number {
    if (this.recipe !== null) return this.notifyEvents(node).length;
    const p = this.processes.get(node);
    return p ? p.stderr().length + p.stdout().length : 0;
  }

  /**
   * keepalived measures nothing itself: the takeover is done once it logged
   * MASTER; in the cloud variant, once the notify script has also made the
   * CLI call and added the address (its phases: CLI call / OS step).
   */
  takeoverReport(node: number, mark: number): TakeoverReport | null {
    const p = this.processes.get(node);
    if (!p) return null;
    if (keepalivedState(`${p.stdout()}\n${p.stderr()}`, SCENARIO_GROUP) !== 'MASTER') return null;
    if (this.recipe === null) return { reason: null, phases: null };
    const run = notifyMasterRun(this.notifyEvents(node), mark);
    if (run === null) return null;
    // ip addr add's exit is not checked: the address is normally there already (virtual_ipaddress); the scenario checks the interface.
    const problems = [
      ...keepalivedScriptProblems(`${p.stdout()}\n${p.stderr()}`),
      ...(run.cloudExit === 0 ? [] : [`notify script: the cloud CLI exited ${run.cloudExit}`]),
    ];
    return { reason: problems.length === 0 ? null : problems.join('; '), phases: run.phases };
  }

  tail(node: number): string {
    const p = this.processes.get(node);
    if (!p) return `${this.ctx.lab.nodeName(node)}: not started`;
    const own = `${this.ctx.lab.nodeName(node)} keepalived:\n${lastLines(`${p.stdout()}\n${p.stderr()}`, 8)}`;
    if (this.recipe === null) return own;
    const read = (path: string): string => {
      try {
        return readFileSync(path, 'utf8');
      } catch (e) {
        return `(${(e as NodeJS.ErrnoException).code ?? String(e)})`;
      }
    };
    const problems = keepalivedScriptProblems(`${p.stdout()}\n${p.stderr()}`);
    const complaints = problems.length === 0 ? '' : `\nkeepalived about its scripts:\n${problems.join('\n')}`;
    return `${own}${complaints}\nnotify script log:\n${lastLines(read(this.notifyLogPath(node)), 6)}\nnotify script stderr:\n${lastLines(read(`${this.notifyLogPath(node)}.err`), 4)}`;
  }
}
