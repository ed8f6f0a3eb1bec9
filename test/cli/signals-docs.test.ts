import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SIGNAL_ACTIONS, handledSignals } from '../../src/cli/process-signals';
import { ensureBuilt } from '../support/build';
import { VIPD_MAIN } from '../support/vipd-process';

const OPERATIONS = readFileSync(join(__dirname, '..', '..', 'docs', 'operations.md'), 'utf8');
const SIGNALS_SECTION = OPERATIONS.slice(OPERATIONS.indexOf('## Signals'), OPERATIONS.indexOf('## Crash behaviour'));

describe('the handled signals are the documented ones', () => {
  it.each(SIGNAL_ACTIONS.map(([s, a]) => [s, a]))('%s (%s) is in docs/operations.md "Signals" and in `vipd help run`', (signal) => {
    ensureBuilt();
    expect(SIGNALS_SECTION).toContain(`\`${signal}\``);
    const help = execFileSync(process.execPath, [VIPD_MAIN, 'help', 'run'], { encoding: 'utf8' });
    expect(help).toMatch(new RegExp(`\\b${signal.slice(3)}\\b`));
  });

  it('leaves SIGPROF to V8 under a profiler flag, and handles it otherwise', () => {
    expect(handledSignals([]).some(([s]) => s === 'SIGPROF')).toBe(true);
    expect(handledSignals(['--cpu-prof']).some(([s]) => s === 'SIGPROF')).toBe(false);
    expect(handledSignals(['--prof']).some(([s]) => s === 'SIGPROF')).toBe(false);
    expect(handledSignals(['--cpu-prof-dir=/tmp']).some(([s]) => s === 'SIGPROF')).toBe(false);
  });
});
