import { randomBytes } from 'node:crypto';
import { ExecFileRunner } from '../../src/os/exec-runner';
import { processClock } from '../../src/util/clock';
import type { Logger } from '../../src/util/logger';
import { realTimers } from '../../src/util/timers';
import type { ScenarioDeps } from './scenario';
import { ProcProcessControl } from './process';
import { NodeProcessSpawner } from '../netns/spawner';
import { LiveScenarios } from './live-scenarios';

/** The real machine: for the demo, the benchmark and lab tests (unit tests build their own). */
export function hostScenarioDeps(logger: Logger): ScenarioDeps {
  return {
    runner: new ExecFileRunner({ timeoutMs: 30_000 }),
    spawner: new NodeProcessSpawner(),
    logger,
    clock: processClock,
    timers: realTimers,
    random: () => randomBytes(6).readUIntBE(0, 6) / 2 ** 48,
    processes: new ProcProcessControl(),
  };
}

/**
 * hostScenarioDeps for an entry point (bench, demo): SIGINT, SIGTERM and
 * SIGHUP tear down every live scenario before the process exits.
 */
export function interruptibleScenarioDeps(logger: Logger, say: (line: string) => void): ScenarioDeps {
  const live = new LiveScenarios();
  live.exitOnInterrupt(
    process,
    (code) => process.exit(code),
    (e) => logger.error({ err: String(e) }, 'teardown after an interrupt failed'),
    say,
  );
  return { ...hostScenarioDeps(logger), live };
}
