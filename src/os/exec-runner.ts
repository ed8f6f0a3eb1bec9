import { spawn } from 'node:child_process';
import { VipdError } from '../errors';
import type { CommandResult, CommandRunner, RunOptions } from './runner';

const DEFAULT_TIMEOUT_MS = 10_000;
/** Bounded so a chatty command cannot grow the daemon's heap without limit. */
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

/**
 * CommandRunner on child_process.spawn with an argument array (no shell).
 * Each command runs in its own process group so a timeout kills the whole
 * tree: a hung tracker script that forked must not outlive its deadline.
 */
export class ExecFileRunner implements CommandRunner {
  constructor(private readonly defaults: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}) {}

  run(file: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const timeoutMs = options.timeoutMs ?? this.defaults.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const child = spawn(file, [...args], {
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
        env: options.env ?? this.defaults.env ?? process.env,
      });
      let stdout = '';
      let stderr = '';
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      const timer = setTimeout(() => {
        killGroup(child.pid);
        settle(() =>
          reject(
            new VipdError('VIPD_E_COMMAND_TIMEOUT', `${file} ${args.join(' ')} did not finish within ${timeoutMs} ms and was killed`, {
              transient: true,
              details: { command: [file, ...args], timeoutMs, stderr },
            }),
          ),
        );
      }, timeoutMs);
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        if (stdout.length < MAX_OUTPUT_BYTES) stdout += d;
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        if (stderr.length < MAX_OUTPUT_BYTES) stderr += d;
      });
      child.on('error', (err: NodeJS.ErrnoException) => {
        const code = err.code === 'ENOENT' ? 'VIPD_E_TOOL_MISSING' : 'VIPD_E_COMMAND_FAILED';
        settle(() =>
          reject(new VipdError(code, `cannot run ${file}: ${err.message}`, { cause: err, details: { command: [file, ...args] } })),
        );
      });
      child.on('close', (exitCode, signal) => {
        settle(() => resolve({ stdout, stderr, exitCode: exitCode ?? (signal ? 128 : 1) }));
      });
      if (options.signal) {
        if (options.signal.aborted) killGroup(child.pid);
        else options.signal.addEventListener('abort', () => killGroup(child.pid), { once: true });
      }
      child.stdin.on('error', () => undefined); // a command that exits without reading stdin is not an error
      child.stdin.end(options.input ?? '');
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
export async function runChecked(runner: CommandRunner, file: string, args: readonly string[], options?: { timeoutMs?: number; input?: string }): Promise<CommandResult> {
  const result = await runner.run(file, args, options);
  if (result.exitCode !== 0) {
    throw new VipdError('VIPD_E_COMMAND_FAILED', `${file} ${args.join(' ')} exited ${result.exitCode}: ${result.stderr.trim()}`, {
      details: { command: [file, ...args], exitCode: result.exitCode, stderr: result.stderr.trim() },
    });
  }
  return result;
}
