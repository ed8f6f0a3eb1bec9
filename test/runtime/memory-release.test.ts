import { MemoryRelease, type MemoryTools } from '../../src/runtime/memory-release';
import { recordingLogger } from '../support/recording-logger';
import { FakeTime } from '../support/fake-time';

const MB = 1024 * 1024;

function setup(tools: Partial<MemoryTools> = {}) {
  const time = new FakeTime();
  const calls: string[] = [];
  let resident = 100 * MB;
  // The steps' durations on a clock of their own: the timers' fake time moves only between tests' steps.
  let stepClock = 0;
  const logger = recordingLogger();
  const release = new MemoryRelease({
    tools: {
      // Each step takes time on the fake clock and gives memory back, so the report's figures are checkable.
      collectGarbage: () => {
        calls.push('gc');
        stepClock += 20;
        resident -= 30 * MB;
      },
      trimCHeap: () => {
        calls.push('trim');
        stepClock += 3;
        resident -= 20 * MB;
        return true;
      },
      residentBytes: () => resident,
      ...tools,
    },
    clock: { nowMs: () => stepClock },
    timers: time,
    logger,
    quietMs: 10_000,
  });
  return { time, calls, entries: logger.entries, release };
}

describe('MemoryRelease', () => {
  it('collects garbage first, then trims the C heap (the collection frees what the trim returns), and reports both', () => {
    const { calls, entries, release } = setup();
    const report = release.releaseNow('start');
    expect(calls).toEqual(['gc', 'trim']);
    expect(report).toEqual({ reason: 'start', gcMs: 20, trimMs: 3, trimmed: true, residentBeforeMB: 100, residentAfterMB: 50 });
    expect(entries).toEqual([{ level: 'debug', fields: { event: 'memory-released', ...report }, msg: 'unused memory returned to the system' }]);
  });

  it('skips a tool the process does not have (no addon, musl, no gc) and still reports', () => {
    const { calls, release } = setup({ collectGarbage: null, trimCHeap: null });
    expect(release.releaseNow('start')).toMatchObject({ gcMs: null, trimMs: null, trimmed: null });
    expect(calls).toEqual([]);
  });

  it('never throws: a failing step is logged as a warning and the other step still runs', () => {
    const { calls, entries, release } = setup({
      collectGarbage: () => {
        throw new Error('boom');
      },
    });
    expect(release.releaseNow('start')).toMatchObject({ gcMs: null, trimmed: true });
    expect(calls).toEqual(['trim']);
    expect(entries.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual(['memory release: could not collect garbage; the daemon goes on without it']);
  });

  it('after activity, releases once nothing more happened for quietMs (each activity re-arms the wait)', async () => {
    const { time, calls, entries, release } = setup();
    release.noteActivity();
    await time.advance(9_000);
    release.noteActivity();
    await time.advance(9_999);
    expect(calls).toEqual([]);
    await time.advance(1);
    expect(calls).toEqual(['gc', 'trim']);
    expect(entries.map((e) => e.fields.reason)).toEqual(['quiet after activity']);
    await time.advance(60_000);
    // Never periodically: an idle daemon does not pay a full collection for nothing.
    expect(calls).toEqual(['gc', 'trim']);
  });

  it('stop cancels a pending release, and later activity arms nothing', async () => {
    const { time, calls, release } = setup();
    release.noteActivity();
    release.stop();
    release.noteActivity();
    await time.advance(60_000);
    expect(calls).toEqual([]);
    expect(time.pendingTimers()).toBe(0);
  });
});
