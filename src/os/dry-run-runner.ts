import type { Logger } from '../util/logger';
import type { CommandResult, CommandRunner } from './runner';

/**
 * `vipd run --dry-run`: commands that only read (ip -json ... show, ip route
 * get) run for real so the plan is computed from the host's actual state;
 * anything that would change the host is logged and reported as done.
 */
export class DryRunRunner implements CommandRunner {
  constructor(
    private readonly inner: CommandRunner,
    private readonly logger: Logger,
  ) {}

  async run(file: string, args: readonly string[], options?: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv }): Promise<CommandResult> {
    if (isReadOnly(file, args)) return this.inner.run(file, args, options);
    this.logger.info({ dryRun: true, command: [file, ...args], input: options?.input?.split('\n').filter(Boolean) }, `dry run: would run ${file} ${args.join(' ')}`);
    return { stdout: '', stderr: '', exitCode: 0 };
  }
}

function isReadOnly(file: string, args: readonly string[]): boolean {
  const base = file.split('/').pop();
  if (base !== 'ip') return base === 'which' || base === 'command';
  if (args.includes('-batch')) return false;
  const verbs = args.filter((a) => !a.startsWith('-'));
  return args.includes('-json') || args.includes('-j') || verbs.includes('show') || verbs.includes('get') || verbs.includes('list');
}
