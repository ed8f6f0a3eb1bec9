import type { CommandResult, CommandRunner, PreparedCommand } from '../../src/os/runner';

/**
 * Runs every command inside a network namespace (`ip netns exec NS ...`):
 * hand it to an OsConfigurator and the configurator manages that
 * namespace's interfaces exactly as it would the host's.
 */
export class NetnsRunner implements CommandRunner {
  /** Present when the inner runner can prepare: the command is started inside the namespace ahead of its input. */
  readonly prepare?: (file: string, args: readonly string[]) => PreparedCommand;

  constructor(
    private readonly inner: CommandRunner,
    readonly namespace: string,
  ) {
    const prepare = inner.prepare?.bind(inner);
    if (prepare) this.prepare = (file, args) => prepare('ip', ['netns', 'exec', namespace, file, ...args]);
  }

  run(file: string, args: readonly string[], options?: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv }): Promise<CommandResult> {
    return this.inner.run('ip', ['netns', 'exec', this.namespace, file, ...args], options);
  }
}
