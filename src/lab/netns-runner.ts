import type { CommandResult, CommandRunner } from '../os/runner';

/**
 * Runs every command inside a network namespace (`ip netns exec NS ...`):
 * hand it to an OsConfigurator and the configurator manages that
 * namespace's interfaces exactly as it would the host's.
 */
export class NetnsRunner implements CommandRunner {
  constructor(
    private readonly inner: CommandRunner,
    readonly namespace: string,
  ) {}

  run(file: string, args: readonly string[], options?: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv }): Promise<CommandResult> {
    return this.inner.run('ip', ['netns', 'exec', this.namespace, file, ...args], options);
  }
}
