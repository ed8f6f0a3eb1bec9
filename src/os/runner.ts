/**
 * The one place that spawns processes. Everything else builds argument
 * arrays and passes them here; never a shell string.
 */
export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface RunOptions {
  readonly timeoutMs?: number;
  readonly input?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Kills the command (and its process group) when aborted; the promise then resolves with its exit status. */
  readonly signal?: AbortSignal;
  /**
   * The command is done at its own exit either way; true leaves what it started in the background
   * running (notify hooks: `svc &`), false (default) kills that process group after a short grace.
   */
  readonly leaveBackground?: boolean;
}

/**
 * A command started ahead of need, idle on its open stdin (`ip -batch -`):
 * the fork and exec are paid while nothing is urgent, and feeding it later
 * costs only its own work. Used once.
 */
export interface PreparedCommand {
  /** False once it has exited (killed while idle) or been used: take a fresh one. */
  readonly alive: boolean;
  /** Writes the input, closes stdin, resolves like CommandRunner.run. */
  run(input: string, options?: { timeoutMs?: number }): Promise<CommandResult>;
  /** Kills it if still idle. */
  dispose(): void;
}

export interface CommandRunner {
  /** Resolves with the result even on non-zero exit; throws VIPD_E_COMMAND_TIMEOUT / VIPD_E_TOOL_MISSING. */
  run(file: string, args: readonly string[], options?: RunOptions): Promise<CommandResult>;
  /**
   * Starts a command now and holds its stdin open until run(). Optional:
   * runners that cannot (dry run, namespaced test runners) leave it out and
   * callers spawn at the time of need.
   */
  prepare?(file: string, args: readonly string[]): PreparedCommand;
}
