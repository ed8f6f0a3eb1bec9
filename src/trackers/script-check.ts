import { VipdError } from '../errors';
import type { CommandRunner } from '../os/runner';
import type { TrackerCheck } from './tracker-check';

/** Enough of stderr to say why, not enough to flood a log line. */
const MAX_REASON_STDERR = 200;

/**
 * Runs the script (argument array, no shell); exit 0 = up. A timeout
 * (the runner kills the whole process group) or a missing script is a
 * failure with the runner's own error, so the reason names it.
 */
export class ScriptCheck implements TrackerCheck {
  constructor(
    private readonly runner: CommandRunner,
    private readonly command: string,
    private readonly args: readonly string[],
  ) {
    if (command.length === 0) throw new VipdError('VIPD_E_CONFIG', 'script tracker has an empty command');
  }

  async run(timeoutMs: number): Promise<void> {
    const result = await this.runner.run(this.command, this.args, { timeoutMs });
    if (result.exitCode === 0) return;
    const stderr = result.stderr.trim().slice(0, MAX_REASON_STDERR);
    throw new VipdError('VIPD_E_TRACKER', `script ${this.command} exited ${result.exitCode}${stderr ? `: ${stderr}` : ''}`, {
      transient: true,
      details: { command: [this.command, ...this.args], exitCode: result.exitCode, stderr },
    });
  }
}
