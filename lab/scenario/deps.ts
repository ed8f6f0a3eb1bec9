import { randomBytes } from 'node:crypto';
import { ExecFileRunner } from '../../src/os/exec-runner';
import { processClock } from '../../src/util/clock';
import type { Logger } from '../../src/util/logger';
import { realTimers } from '../../src/util/timers';
import type { ScenarioDeps } from './scenario';
import { ProcProcessControl } from './process';
import { NodeProcessSpawner } from '../netns/spawner';

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
