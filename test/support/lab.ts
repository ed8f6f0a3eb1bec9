import { ExecFileRunner } from '../../src/os/exec-runner';
import { Lab, type LabOptions } from '../../lab/netns/lab';
import { NodeProcessSpawner } from '../../lab/netns/spawner';
import { sweepLeftovers } from '../../lab/netns/sweep';
import { silentLogger } from '../../src/util/logger';

/** Real runner and spawner for lab tests; sweeps namespaces of dead earlier runs first. */
export const hostRunner = new ExecFileRunner({ timeoutMs: 30_000 });

export async function newLab(options: LabOptions): Promise<Lab> {
  const deps = { runner: hostRunner, spawner: new NodeProcessSpawner(), logger: silentLogger() };
  await sweepLeftovers(deps);
  return Lab.create(deps, options);
}

/** Polls an async condition until it holds (generous deadline; no timing assertions). */
export async function eventually<T>(probe: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Number(process.hrtime.bigint()) / 1e6 + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const v = await probe();
      if (v !== null && v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Number(process.hrtime.bigint()) / 1e6 > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
