import { runChecked } from '../../src/os/exec-runner';
import type { CommandRunner } from '../../src/os/runner';
import type { Logger } from '../../src/util/logger';
import { ownerPid, parseNetnsList } from './names';

/** SIGKILLs every process inside a namespace (`ip netns pids`), so nothing outlives a test. */
export async function killNamespaceProcesses(runner: CommandRunner, ns: string): Promise<number[]> {
  const r = await runner.run('ip', ['netns', 'pids', ns]);
  if (r.exitCode !== 0) {
    // A namespace that no longer exists has no processes left to kill.
    if (/No such file|does not exist|Invalid netns/i.test(r.stderr)) return [];
    await runChecked(runner, 'ip', ['netns', 'pids', ns]);
  }
  const pids = r.stdout
    .split(/\s+/)
    .filter((p) => /^[0-9]+$/.test(p))
    .map(Number);
  if (pids.length > 0) await runner.run('kill', ['-KILL', ...pids.map(String)]);
  return pids;
}

/** Is a pid alive? process.kill(pid, 0): EPERM means alive but not ours. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes namespaces left by lab runs whose owner process is gone (a
 * killed jest worker never reached teardown). Namespaces of live owners,
 * and anything not named like a lab's, are left alone.
 */
export async function sweepLeftovers(deps: { runner: CommandRunner; logger: Logger; isAlive?: (pid: number) => boolean }): Promise<string[]> {
  const isAlive = deps.isAlive ?? pidAlive;
  const list = await runChecked(deps.runner, 'ip', ['netns', 'list']);
  const stale = parseNetnsList(list.stdout).filter((ns) => {
    const pid = ownerPid(ns);
    return pid !== null && !isAlive(pid);
  });
  for (const ns of stale) await killNamespaceProcesses(deps.runner, ns);
  for (const ns of stale) await runChecked(deps.runner, 'ip', ['netns', 'del', ns]);
  if (stale.length > 0) deps.logger.warn({ namespaces: stale }, 'removed namespaces of dead lab runs');
  return stale;
}
