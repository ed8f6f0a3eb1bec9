import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { checkLogLine } from './strict-logs';

export const REPO_ROOT = join(__dirname, '..', '..');
export const VIPD_MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

export interface LogLine {
  readonly level?: string;
  readonly msg?: string;
  readonly [key: string]: unknown;
}

type Waiter = { predicate: (l: LogLine) => boolean; resolve: (l: LogLine) => void };

/**
 * A real `vipd` process (or any argv) with its NDJSON log parsed as it
 * arrives, so tests wait on what the daemon says it did, not on sleeps.
 */
export class VipdProcess {
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly child: ChildProcess;

  constructor(
    readonly name: string,
    argv: readonly string[],
    opts: { env?: NodeJS.ProcessEnv; command?: readonly string[] } = {},
  ) {
    const command = opts.command ?? [process.execPath, VIPD_MAIN];
    const [file, ...prefix] = command;
    this.child = spawn(file as string, [...prefix, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
    // 'close' (not 'exit'): resolves only after stdout and stderr are fully read.
    this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => resolve({ code, signal })));
    const out = this.child.stdout;
    const err = this.child.stderr;
    if (out) createInterface({ input: out }).on('line', (line) => this.onLine(line));
    if (err) createInterface({ input: err }).on('line', (line) => this.stderr.push(line));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  waitFor(predicate: (l: LogLine) => boolean, timeoutMs = 20_000, what = 'log line'): Promise<LogLine> {
    const hit = this.lines.find(predicate);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { predicate, resolve };
      this.waiters.push(waiter);
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`${this.name}: timed out after ${timeoutMs} ms waiting for ${what}; last lines:\n${this.tail()}`));
      }, timeoutMs);
      waiter.resolve = (l) => {
        clearTimeout(timer);
        resolve(l);
      };
    });
  }

  /** Waits for a transition to `to` in `group` that happened after `opts.after` log lines. */
  waitForRole(group: string, to: string, opts: { after?: number; timeoutMs?: number } = {}): Promise<LogLine> {
    const after = opts.after ?? 0;
    return this.waitFor(
      (l) => this.lines.indexOf(l) >= after && l.event === 'transition' && l.group === group && l.to === to,
      opts.timeoutMs,
      `${group} -> ${to}`,
    );
  }

  transitions(group?: string): LogLine[] {
    return this.lines.filter((l) => l.event === 'transition' && (group === undefined || l.group === group));
  }

  /** The role of `group` according to the last logged transition. */
  role(group: string): string | null {
    const t = this.transitions(group);
    const last = t[t.length - 1];
    return last ? String(last.to) : null;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(sig);
  }

  wait(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exited;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  tail(n = 15): string {
    return [...this.lines.slice(-n).map((l) => JSON.stringify(l)), ...this.stderr.slice(-5)].join('\n');
  }

  private onLine(line: string): void {
    let parsed: LogLine;
    try {
      parsed = JSON.parse(line) as LogLine;
      checkLogLine(this.name, line);
    } catch {
      parsed = { msg: line, unparsed: true };
    }
    this.lines.push(parsed);
    for (const w of [...this.waiters]) {
      if (w.predicate(parsed)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(parsed);
      }
    }
  }
}
