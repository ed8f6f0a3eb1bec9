import { spawn } from 'node:child_process';

/**
 * Long-lived processes for the lab (daemons, the probe, the HTTP service).
 * The CommandRunner only runs commands to completion; this is its
 * counterpart for processes a test starts, signals and waits for.
 */
export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface LabProcess {
  readonly pid: number;
  readonly argv: readonly string[];
  kill(signal?: NodeJS.Signals): void;
  wait(): Promise<ExitStatus>;
  /** Output so far (bounded). */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout/stderr line matching, rejects on exit or timeout. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<string>;
}

export interface ProcessSpawner {
  spawn(argv: readonly string[], options?: { env?: NodeJS.ProcessEnv; cwd?: string }): LabProcess;
}

const MAX_KEEP = 1024 * 1024;

export class NodeProcessSpawner implements ProcessSpawner {
  spawn(argv: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): LabProcess {
    const [file, ...args] = argv;
    if (file === undefined) throw new Error('spawn: empty argv');
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env, cwd: options.cwd });
    let out = '';
    let err = '';
    const watchers = new Set<() => void>();
    const notify = (): void => watchers.forEach((w) => w());
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out = (out + d).slice(-MAX_KEEP);
      notify();
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err = (err + d).slice(-MAX_KEEP);
      notify();
    });
    const exited = new Promise<ExitStatus>((resolve) => {
      child.on('error', () => resolve({ code: 127, signal: null }));
      child.on('close', (code, signal) => resolve({ code, signal }));
    });
    let done = false;
    void exited.then(() => {
      done = true;
      notify();
    });
    return {
      pid: child.pid ?? -1,
      argv,
      kill: (signal: NodeJS.Signals = 'SIGTERM') => {
        if (!done) child.kill(signal);
      },
      wait: () => exited,
      stdout: () => out,
      stderr: () => err,
      waitForOutput: (pattern, timeoutMs) =>
        new Promise<string>((resolve, reject) => {
          const check = (): void => {
            const line = `${out}\n${err}`.split('\n').find((l) => pattern.test(l));
            if (line !== undefined) finish(() => resolve(line));
            else if (done) finish(() => reject(new Error(`${argv.join(' ')} exited before printing ${pattern}: ${err.slice(-2000)}`)));
          };
          const timer = setTimeout(
            () => finish(() => reject(new Error(`${argv.join(' ')}: no ${pattern} within ${timeoutMs} ms: ${err.slice(-2000)}`))),
            timeoutMs,
          );
          const finish = (fn: () => void): void => {
            clearTimeout(timer);
            watchers.delete(check);
            fn();
          };
          watchers.add(check);
          check();
        }),
    };
  }
}
