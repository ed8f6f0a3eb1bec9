import fc from 'fast-check';
import { INITIAL_RISE_FALL, recordResult, type RiseFallState } from '../../src/trackers/rise-fall';

function fold(results: readonly boolean[], rise: number, fall: number, from: RiseFallState = INITIAL_RISE_FALL): RiseFallState[] {
  const states: RiseFallState[] = [];
  let s = from;
  for (const ok of results) {
    s = recordResult(s, ok, rise, fall);
    states.push(s);
  }
  return states;
}

const S = true;
const F = false;

describe('recordResult (rise/fall hysteresis)', () => {
  it.each([
    // [results, rise, fall, expected up after each result]
    [[S], 1, 1, [true]],
    [[S, S, S], 3, 2, [false, false, true]],
    [[S, F, S, S, S], 3, 2, [false, false, false, false, true]],
    [[S, S, F, F], 2, 2, [false, true, true, false]],
    [[S, S, F, S, F, F, F], 2, 3, [false, true, true, true, true, true, false]],
    [[F, F, F, S], 1, 5, [false, false, false, true]],
    [[S, F], 1, 1, [true, false]],
  ] as const)('%j with rise=%i fall=%i', (results, rise, fall, expected) => {
    expect(fold(results, rise, fall).map((s) => s.up)).toEqual(expected);
  });

  it('counts the current streak and remembers the last result', () => {
    const states = fold([S, S, F, F, F, S], 2, 2);
    expect(states.map((s) => [s.consecutive, s.lastOk])).toEqual([
      [1, true],
      [2, true],
      [1, false],
      [2, false],
      [3, false],
      [1, true],
    ]);
  });

  it('starts down and unprobed', () => {
    expect(INITIAL_RISE_FALL).toEqual({ up: false, consecutive: 0, lastOk: null });
  });

  it('treats counts below 1 as 1', () => {
    expect(fold([S, F], 0, 0).map((s) => s.up)).toEqual([true, false]);
  });

  it('flips only at exactly rise successes / fall failures in a row (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 60 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), (results, rise, fall) => {
        let prev = INITIAL_RISE_FALL;
        let streak = 0;
        let last: boolean | null = null;
        for (const ok of results) {
          const next = recordResult(prev, ok, rise, fall);
          streak = last === ok ? streak + 1 : 1;
          last = ok;
          expect(next.consecutive).toBe(streak);
          if (prev.up && !next.up) expect(!ok && streak === fall).toBe(true);
          if (!prev.up && next.up) expect(ok && streak === rise).toBe(true);
          if (ok && streak >= rise) expect(next.up).toBe(true);
          if (!ok && streak >= fall) expect(next.up).toBe(false);
          prev = next;
        }
      }),
    );
  });
});
