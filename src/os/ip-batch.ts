import { VipdError } from '../errors';
import type { CommandResult, CommandRunner, PreparedCommand } from './runner';
import type { Family } from '../util/ip';

/**
 * Runs many iproute2 commands in one process (`ip -batch -`, commands on
 * stdin): an acquire of N VIPs with their rules and routes costs one spawn.
 */
export interface BatchOptions {
  readonly family: Family | null;
  /** -force: go on after a failing line (release removes as much as it can). */
  readonly force: boolean;
  /** -N -json: numeric tables/protocols, JSON output (observation). */
  readonly json: boolean;
  readonly timeoutMs: number;
}

export function batchArgs(options: Pick<BatchOptions, 'family' | 'force' | 'json'>): string[] {
  const args: string[] = [];
  if (options.family !== null) args.push(`-${options.family}`);
  if (options.json) args.push('-N', '-json');
  if (options.force) args.push('-force');
  args.push('-batch', '-');
  return args;
}

/** iproute2 reports "Command failed -:LINE" for the batch line that failed. */
export function failedBatchLines(stderr: string): number[] {
  const out: number[] = [];
  for (const m of stderr.matchAll(/Command failed -:(\d+)/g)) out.push(Number(m[1]));
  return out;
}

export function batchError(lines: readonly string[], args: readonly string[], result: CommandResult): VipdError {
  const failed = failedBatchLines(result.stderr).map((n) => lines[n - 1] ?? `line ${n}`);
  const stderr = result.stderr.trim();
  const deviceMissing = /Device "([^"]+)" does not exist|Cannot find device "([^"]+)"/.exec(stderr);
  if (deviceMissing) {
    const dev = deviceMissing[1] ?? deviceMissing[2] ?? '?';
    return new VipdError('VIPD_E_INTERFACE', `interface ${dev} does not exist`, {
      details: { command: ['ip', ...args], failed, exitCode: result.exitCode, stderr },
    });
  }
  const first = failed[0] ?? lines.join('; ');
  return new VipdError('VIPD_E_COMMAND_FAILED', `ip ${args.join(' ')} failed on "${first}" (exit ${result.exitCode}): ${stderr}`, {
    details: { command: ['ip', ...args], input: lines, failed, exitCode: result.exitCode, stderr },
  });
}

/** `prepared`: an `ip` with these very args started earlier (standby), fed instead of spawning one now. */
export async function runIpBatch(
  runner: CommandRunner,
  lines: readonly string[],
  options: BatchOptions,
  prepared: PreparedCommand | null = null,
): Promise<CommandResult> {
  const args = batchArgs(options);
  const input = `${lines.join('\n')}\n`;
  const result =
    prepared?.alive === true
      ? await prepared.run(input, { timeoutMs: options.timeoutMs })
      : await runner.run('ip', args, { input, timeoutMs: options.timeoutMs });
  if (result.exitCode !== 0) throw batchError(lines, args, result);
  return result;
}
