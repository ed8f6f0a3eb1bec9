import { VipdError } from '../../src/errors';
import { abortableSleep, openCallScope, untilAborted } from '../../src/cloud/call-context';
import { readFact } from '../../src/cloud/fact';
import { FakeTime } from '../support/fake-time';

describe('cloud call context', () => {
  it('a scope aborts at its deadline with VIPD_E_CLOUD_DEADLINE (transient) and on the parent with VIPD_E_CANCELLED', async () => {
    const time = new FakeTime();
    const byDeadline = openCallScope({ clock: time, timers: time }, 1000, 'assign');
    const parent = new AbortController();
    const byParent = openCallScope({ clock: time, timers: time }, 5000, 'assign', parent.signal);
    await time.advance(1000);
    expect(byDeadline.ctx.signal.reason).toMatchObject({ code: 'VIPD_E_CLOUD_DEADLINE', transient: true });
    expect(byParent.ctx.signal.aborted).toBe(false);
    parent.abort();
    expect(byParent.ctx.signal.reason).toMatchObject({ code: 'VIPD_E_CANCELLED' });
    byDeadline.dispose();
    byParent.dispose();
  });

  it('untilAborted: the shared promise outcome for a live caller, the typed abort reason for one that gave up (the promise itself goes on)', async () => {
    let release: (v: string) => void = () => undefined;
    const shared = new Promise<string>((r) => (release = r));
    const live = new AbortController();
    const leaving = new AbortController();
    const a = untilAborted(shared, { signal: live.signal, deadlineAt: 0 });
    const b = untilAborted(shared, { signal: leaving.signal, deadlineAt: 0 });
    leaving.abort(new VipdError('VIPD_E_CANCELLED', 'gone'));
    await expect(b).rejects.toMatchObject({ code: 'VIPD_E_CANCELLED', message: 'gone' });
    release('identity');
    await expect(a).resolves.toBe('identity');
    await expect(untilAborted(Promise.resolve(1), { signal: leaving.signal, deadlineAt: 0 })).rejects.toMatchObject({ code: 'VIPD_E_CANCELLED' });
  });

  it('abortableSleep rejects at once when aborted before or during the sleep', async () => {
    const gone = new AbortController();
    gone.abort(new VipdError('VIPD_E_CLOUD_DEADLINE', 'late', { transient: true }));
    expect(() => abortableSleep(() => new Promise(() => undefined), 10, { signal: gone.signal, deadlineAt: 0 })).toThrow(
      expect.objectContaining({ code: 'VIPD_E_CLOUD_DEADLINE' }),
    );
    const during = new AbortController();
    const sleeping = abortableSleep(() => new Promise(() => undefined), 10, { signal: during.signal, deadlineAt: 0 });
    during.abort(new VipdError('VIPD_E_CANCELLED', 'preempted'));
    await expect(sleeping).rejects.toMatchObject({ code: 'VIPD_E_CANCELLED' });
  });

  it('readFact: a value, or the typed error as a fact; anything else is a bug and is thrown', async () => {
    await expect(readFact(async () => 42)).resolves.toBe(42);
    await expect(readFact(async () => Promise.reject(new VipdError('VIPD_E_CLOUD_PERMISSION', 'no')))).resolves.toEqual({
      error: { code: 'VIPD_E_CLOUD_PERMISSION', message: 'no' },
    });
    await expect(readFact(async () => Promise.reject(new TypeError('bug')))).rejects.toBeInstanceOf(TypeError);
  });
});
