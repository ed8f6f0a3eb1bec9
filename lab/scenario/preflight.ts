import { isVipdError } from '../../src/errors';
import type { CommandResult, CommandRunner } from '../../src/os/runner';

/**
 * Can the namespace lab run here? The demo and the benchmark say why not
 * in one line instead of failing half-way through building it.
 */
export const NEEDS_ROOT = 'needs root for network namespaces: run it with sudo (e.g. `sudo npm run demo`); see docs/lab.md';

async function runOrMissing(runner: CommandRunner, file: string, args: readonly string[]): Promise<CommandResult | null> {
  try {
    return await runner.run(file, args, { timeoutMs: 10_000 });
  } catch (e) {
    if (isVipdError(e) && e.code === 'VIPD_E_TOOL_MISSING') return null;
    throw e;
  }
}

/** null when the lab can run, else the reason in one line. */
export async function labUnavailable(runner: CommandRunner, uid: number | null): Promise<string | null> {
  if (uid !== null && uid !== 0) return NEEDS_ROOT;
  const r = await runOrMissing(runner, 'ip', ['netns', 'list']);
  if (r === null) return '`ip` is not installed: install iproute2 (sudo bash scripts/setup.sh)';
  if (r.exitCode !== 0) return `\`ip netns list\` failed (${r.stderr.trim()}): ${NEEDS_ROOT}`;
  return null;
}

/** The keepalived version line, or null when it is not installed (the benchmark then skips the baseline). */
export async function keepalivedVersion(runner: CommandRunner): Promise<string | null> {
  const r = await runOrMissing(runner, 'keepalived', ['--version']);
  if (r === null || r.exitCode !== 0) return null;
  return (
    `${r.stdout}\n${r.stderr}`
      .split('\n')
      .find((l) => /keepalived v/i.test(l))
      ?.trim() ?? 'keepalived (version unknown)'
  );
}

export function currentUid(): number | null {
  return typeof process.getuid === 'function' ? process.getuid() : null;
}
