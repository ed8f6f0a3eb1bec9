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
    if (isReadOnly(file, args, options?.input)) return this.inner.run(file, args, options);
    this.logger.info(
      { dryRun: true, command: [file, ...args], input: options?.input?.split('\n').filter(Boolean) },
      `dry run: would run ${file} ${args.join(' ')}`,
    );
    return { stdout: '', stderr: '', exitCode: 0 };
  }
}

const READ_VERBS = ['show', 'get', 'list'];

function isReadOnly(file: string, args: readonly string[], input: string | undefined): boolean {
  if (args.length === 1 && (args[0] === '-V' || args[0] === '--version')) return true; // tool preflight
  const base = file.split('/').pop();
  if (base !== 'ip') return base === 'which' || base === 'command';
  if (args.includes('-batch')) {
    // A batch only reads when every line does (observation batches: "addr show dev eth0", "rule show", ...).
    const lines = (input ?? '')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    return lines.length > 0 && lines.every((l) => l.split(/\s+/).some((w) => READ_VERBS.includes(w)));
  }
  const verbs = args.filter((a) => !a.startsWith('-'));
  return verbs.some((v) => READ_VERBS.includes(v));
}
