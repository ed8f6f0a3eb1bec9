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
}

export interface CommandRunner {
  /** Resolves with the result even on non-zero exit; throws VIPD_E_COMMAND_TIMEOUT / VIPD_E_TOOL_MISSING. */
  run(file: string, args: readonly string[], options?: RunOptions): Promise<CommandResult>;
}
