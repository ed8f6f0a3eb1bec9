import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { VipdError } from '../errors';
import type { CommandResult, CommandRunner, PreparedCommand, RunOptions } from './runner';

const DEFAULT_TIMEOUT_MS = 10_000;
/** Bounded so a chatty command cannot grow the daemon's heap without limit. */
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
/** How long output may still arrive after the process exited (its pipes normally close at once). */
const PIPE_GRACE_MS = 200;

/**
 * CommandRunner on child_process.spawn with an argument array (no shell).
 * Each command runs in its own process group so a timeout kills the whole
 * tree: a hung tracker script that forked must not outlive its deadline.
 */
export class ExecFileRunner implements CommandRunner {
  constructor(private readonly defaults: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}) {}

  run(file: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const child = new ChildCommand(file, args, options.env ?? this.defaults.env ?? process.env, options.leaveBackground === true);
    return child.run(options.input ?? '', { timeoutMs: options.timeoutMs ?? this.defaults.timeoutMs ?? DEFAULT_TIMEOUT_MS, signal: options.signal });
  }

  prepare(file: string, args: readonly string[]): PreparedCommand {
    const child = new ChildCommand(file, args, this.defaults.env ?? process.env);
    // Idle, it must not keep the daemon (or a test) alive; it exits on its own when our end of stdin closes.
    child.holdLoop(false);
    return {
      get alive() {
        return child.idle;
      },
      run: (input, options = {}) => child.run(input, { timeoutMs: options.timeoutMs ?? this.defaults.timeoutMs ?? DEFAULT_TIMEOUT_MS }),
      dispose: () => child.dispose(),
    };
  }
}

/** One spawned process, from spawn to its exit status; its input may come later than its start. */
class ChildCommand {
  private readonly child: ChildProcessWithoutNullStreams;
  private stdout = '';
  private stderr = '';
  private exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private spawnError: NodeJS.ErrnoException | null = null;
  private used = false;
  private readonly finished: Promise<void>;

  constructor(
    private readonly file: string,
    private readonly args: readonly string[],
    env: NodeJS.ProcessEnv,
    /** Hooks: something started in the background outlives the command. Otherwise it dies with it. */
    private readonly leaveBackground = false,
  ) {
    this.child = spawn(file, [...args], { detached: true, stdio: ['pipe', 'pipe', 'pipe'], env });
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (this.stdout.length < MAX_OUTPUT_BYTES) this.stdout += d;
    });
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (this.stderr.length < MAX_OUTPUT_BYTES) this.stderr += d;
    });
    this.child.stdin.on('error', () => undefined); // a command that exits without reading stdin is not an error
    this.finished = new Promise((resolve) => {
      this.child.on('error', (err: NodeJS.ErrnoException) => {
        this.spawnError = err;
        resolve();
      });
      // Done when the process has exited and its output is read. A background child it started
      // may hold the pipes open for ever: after a short grace the rest of the output is given up
      // and the command counts as finished. That child is then left alone for a hook (`svc &`)
      // and killed otherwise (a tracker script must not leak one process per probe); its group
      // still has a live member holding our pipes, so the group id cannot have been reused.
      this.child.on('close', () => resolve());
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        const grace = setTimeout(() => {
          if (!this.leaveBackground) killGroup(this.child.pid);
          this.child.stdout.destroy();
          this.child.stderr.destroy();
          resolve();
        }, PIPE_GRACE_MS);
        grace.unref();
        this.child.once('close', () => clearTimeout(grace));
      });
    });
  }

  get idle(): boolean {
    return !this.used && this.exit === null && this.spawnError === null;
  }

  holdLoop(hold: boolean): void {
    // With stdio 'pipe' the streams are net.Sockets over pipes, which is what carries ref/unref.
    const pipes = [this.child.stdin, this.child.stdout, this.child.stderr] as unknown[] as Socket[];
    const handles: Array<{ ref(): unknown; unref(): unknown }> = [this.child, ...pipes];
    for (const h of handles) {
      if (hold) h.ref();
      else h.unref();
    }
  }

  dispose(): void {
    if (this.used) return;
    this.used = true;
    this.kill();
  }

  /** Only while it runs: a pid (and so a process group id) that has exited can be reused by anything. */
  private kill(): void {
    if (this.exit !== null || this.spawnError !== null) return;
    killGroup(this.child.pid);
  }

  run(input: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<CommandResult> {
    const command = [this.file, ...this.args];
    if (this.used) return Promise.reject(new VipdError('VIPD_E_INTERNAL', `${command.join(' ')} was already run`));
    this.used = true;
    this.holdLoop(true);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill();
        reject(
          new VipdError('VIPD_E_COMMAND_TIMEOUT', `${command.join(' ')} did not finish within ${options.timeoutMs} ms and was killed`, {
            transient: true,
            details: { command, timeoutMs: options.timeoutMs, stderr: this.stderr },
          }),
        );
      }, options.timeoutMs);
      const { signal } = options;
      const onAbort = (): void => this.kill();
      if (signal) {
        if (signal.aborted) this.kill();
        else signal.addEventListener('abort', onAbort, { once: true });
      }
      void this.finished.then(() => {
        clearTimeout(timer);
        // The signal outlives the command (one per held group, for every announcement): no listener may stay behind.
        signal?.removeEventListener('abort', onAbort);
        const err = this.spawnError;
        if (err) {
          const code = err.code === 'ENOENT' ? 'VIPD_E_TOOL_MISSING' : 'VIPD_E_COMMAND_FAILED';
          reject(new VipdError(code, `cannot run ${this.file}: ${err.message}`, { cause: err, details: { command } }));
          return;
        }
        const exit = this.exit ?? { code: null, signal: null };
        resolve({ stdout: this.stdout, stderr: this.stderr, exitCode: exit.code ?? (exit.signal ? 128 : 1) });
      });
      this.child.stdin.end(input);
    });
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone: nothing to kill.
  }
}

/** Runs a command and throws VIPD_E_COMMAND_FAILED (with exit code and stderr) unless it exits 0. */
export async function runChecked(
  runner: CommandRunner,
  file: string,
  args: readonly string[],
  options?: { timeoutMs?: number; input?: string },
): Promise<CommandResult> {
  const result = await runner.run(file, args, options);
  if (result.exitCode !== 0) {
    throw new VipdError('VIPD_E_COMMAND_FAILED', `${file} ${args.join(' ')} exited ${result.exitCode}: ${result.stderr.trim()}`, {
      details: { command: [file, ...args], exitCode: result.exitCode, stderr: result.stderr.trim() },
    });
  }
  return result;
}
