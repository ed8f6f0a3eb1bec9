import fc from 'fast-check';
import { fullJitterDelayMs, withRetries } from '../../src/cloud/retry';
import { VipdError } from '../../src/errors';

/** A monotonic clock that only moves when something sleeps (or an op takes time). */
class FakeTime {
  now = 10_000;
  readonly sleeps: number[] = [];
  readonly clock = { nowMs: () => this.now };
  readonly sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.now += ms;
  };
}

const throttled = () => new VipdError('VIPD_E_CLOUD_THROTTLED', 'slow down', { transient: true });
const unavailable = () => new VipdError('VIPD_E_CLOUD_UNAVAILABLE', '503', { transient: true });
const denied = () => new VipdError('VIPD_E_CLOUD_PERMISSION', 'no', { transient: false });

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('withRetries', () => {
  it('retries transient errors with growing full-jitter backoff and returns the success', async () => {
    const t = new FakeTime();
    const failures = [throttled(), unavailable(), throttled()];
    const attempts: number[] = [];
    const retried: [string, number, number][] = [];
    const result = await withRetries(
      async (attempt) => {
        attempts.push(attempt);
        const f = failures.shift();
        if (f !== undefined) throw f;
        return 'ok';
      },
      {
        deadlineAt: t.now + 60_000,
        clock: t.clock,
        sleep: t.sleep,
        random: () => 0.5,
        baseDelayMs: 100,
        maxDelayMs: 10_000,
        onRetry: (e, a, d) => retried.push([e.code, a, d]),
      },
    );
    expect(result).toBe('ok');
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(t.sleeps).toEqual([50, 100, 200]);
    expect(retried).toEqual([
      ['VIPD_E_CLOUD_THROTTLED', 1, 50],
      ['VIPD_E_CLOUD_UNAVAILABLE', 2, 100],
      ['VIPD_E_CLOUD_THROTTLED', 3, 200],
    ]);
  });

  it.each([
    ['a permanent VipdError', denied()],
    ['a foreign error (a bug)', new TypeError('boom')],
  ])('rethrows %s at once, after exactly one call', async (_what, err) => {
    const t = new FakeTime();
    let calls = 0;
    const e = await rejection(
      withRetries(
        async () => {
          calls++;
          throw err;
        },
        { deadlineAt: t.now + 60_000, clock: t.clock, sleep: t.sleep, random: () => 0.5 },
      ),
    );
    expect(e).toBe(err);
    expect(calls).toBe(1);
    expect(t.sleeps).toEqual([]);
  });

  it('gives up at the deadline with VIPD_E_CLOUD_DEADLINE carrying the last error', async () => {
    const t = new FakeTime();
    const start = t.now;
    let calls = 0;
    const last = unavailable();
    const e = (await rejection(
      withRetries(
        async () => {
          calls++;
          throw calls < 100 ? throttled() : last;
        },
        { deadlineAt: start + 1_000, clock: t.clock, sleep: t.sleep, random: () => 0.99, baseDelayMs: 100, maxDelayMs: 400 },
      ),
    )) as VipdError;
    expect(e).toBeInstanceOf(VipdError);
    expect(e.code).toBe('VIPD_E_CLOUD_DEADLINE');
    expect(e.transient).toBe(true);
    expect((e.cause as VipdError).code).toBe('VIPD_E_CLOUD_THROTTLED');
    expect(e.details).toMatchObject({ attempts: calls, lastCode: 'VIPD_E_CLOUD_THROTTLED' });
    // Never slept past the deadline.
    expect(t.now).toBeLessThan(start + 1_000);
  });

  it('an attempt cut at the deadline (its context aborted) does not hide the failure before it', async () => {
    const t = new FakeTime();
    const results = [unavailable(), new VipdError('VIPD_E_CLOUD_DEADLINE', 'cut in flight', { transient: true })];
    const e = (await rejection(
      withRetries(
        async () => {
          const next = results.shift()!;
          if (results.length === 0) t.now = 20_000;
          throw next;
        },
        { deadlineAt: 20_000, clock: t.clock, sleep: t.sleep, random: () => 0.5 },
      ),
    )) as VipdError;
    expect(e.code).toBe('VIPD_E_CLOUD_DEADLINE');
    expect((e.cause as VipdError).code).toBe('VIPD_E_CLOUD_UNAVAILABLE');
    expect(e.details.attempts).toBe(2);
  });

  it('makes no attempt when the deadline has already passed', async () => {
    const t = new FakeTime();
    let calls = 0;
    const e = (await rejection(
      withRetries(
        async () => {
          calls++;
          return 1;
        },
        { deadlineAt: t.now, clock: t.clock, sleep: t.sleep, random: () => 0 },
      ),
    )) as VipdError;
    expect(e.code).toBe('VIPD_E_CLOUD_DEADLINE');
    expect(calls).toBe(0);
  });

  it('property: whatever the failure pattern, calls stop at the first permanent error or success, and time never passes the deadline', async () => {
    const outcome = fc.constantFrom('transient', 'permanent', 'ok');
    await fc.assert(
      fc.asyncProperty(
        fc.array(outcome, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 5_000 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 1, max: 3_000 }),
        fc.constantFrom(0, 0.5, 0.999),
        async (script, budget, opMs, base, max, r) => {
          const t = new FakeTime();
          const start = t.now;
          const deadlineAt = start + budget;
          let calls = 0;
          let outcomeOrError: unknown;
          try {
            outcomeOrError = await withRetries(
              async () => {
                const step = script[Math.min(calls, script.length - 1)]!;
                calls++;
                if (calls > 100_000) throw new Error('runaway retry loop');
                t.now += opMs;
                if (step === 'transient') throw throttled();
                if (step === 'permanent') throw denied();
                return 'ok';
              },
              { deadlineAt, clock: t.clock, sleep: t.sleep, random: () => r, baseDelayMs: base, maxDelayMs: max },
            );
          } catch (e) {
            outcomeOrError = e;
          }
          const firstStop = script.findIndex((s) => s !== 'transient');
          // No call starts at or after the deadline; no sleep ends past it.
          expect(start + t.sleeps.reduce((a, b) => a + b, 0)).toBeLessThan(Math.max(deadlineAt, start + 1));
          if (budget === 0) {
            expect(calls).toBe(0);
            return;
          }
          if (firstStop >= 0 && calls === firstStop + 1) {
            expect(outcomeOrError === 'ok' || (outcomeOrError as VipdError).code === 'VIPD_E_CLOUD_PERMISSION').toBe(true);
          } else {
            expect((outcomeOrError as VipdError).code).toBe('VIPD_E_CLOUD_DEADLINE');
          }
          expect(calls).toBeLessThanOrEqual(firstStop >= 0 ? firstStop + 1 : Number.MAX_SAFE_INTEGER);
          for (const s of t.sleeps) {
            expect(s).toBeGreaterThanOrEqual(1);
            expect(s).toBeLessThanOrEqual(Math.max(max - 1, 1));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('fullJitterDelayMs', () => {
  it('is uniform below min(max, base * 2^(attempt-1)), never below 1 ms', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, base, max, r) => {
          const d = fullJitterDelayMs(attempt, base, max, () => r);
          const ceiling = Math.min(max, base * 2 ** (attempt - 1));
          expect(d).toBeGreaterThanOrEqual(1);
          expect(d).toBeLessThanOrEqual(Math.max(ceiling - 1, 1));
          expect(Number.isInteger(d)).toBe(true);
        },
      ),
    );
  });
});
