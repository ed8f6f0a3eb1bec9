import { VipdError } from '../../../src/errors';
import { waitUntil } from '../../../lab/scenario/wait';
import type { TimerHandle, Timers } from '../../../src/util/timers';

/** A clock that advances only when the code under test sleeps. */
function fakeTime(): { clock: { nowMs(): number }; timers: Timers } {
  let now = 0;
  return {
    clock: { nowMs: () => now },
    timers: {
      setTimeout: (fn: () => void, ms: number): TimerHandle => {
        now += ms;
        queueMicrotask(fn);
        return {};
      },
      clearTimeout: () => undefined,
    },
  };
}

describe('waitUntil', () => {
  it('returns the first non-null value', async () => {
    let n = 0;
    expect(await waitUntil(fakeTime(), () => (++n >= 3 ? n : null), 'three', { timeoutMs: 1000 })).toBe(3);
  });

  it('times out naming what it waited for, the last error and the context', async () => {
    let calls = 0;
    const check = (): null => {
      calls++;
      if (calls % 2 === 0) throw new Error('socket not there');
      return null;
    };
    const p = waitUntil(fakeTime(), check, 'a master', { timeoutMs: 100, everyMs: 10, context: () => 'n1: BACKUP' });
    await expect(p).rejects.toThrow(VipdError);
    await expect(p).rejects.toThrow(/timed out after 100 ms waiting for a master.*n1: BACKUP/);
  });

  it('reports the error the check threw on its last try', async () => {
    const p = waitUntil(fakeTime(), () => Promise.reject(new Error('socket not there')), 'status', { timeoutMs: 50 });
    await expect(p).rejects.toThrow(/last error: socket not there/);
  });
});
