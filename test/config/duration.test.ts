import fc from 'fast-check';
import { formatDuration, parseDuration, tryParseDuration } from '../../src/config/duration';
import { VipdError } from '../../src/errors';

describe('parseDuration', () => {
  test.each([
    ['100ms', 100],
    ['1s', 1000],
    ['1.5s', 1500],
    ['1.1s', 1100],
    ['0.25s', 250],
    ['2m', 120_000],
    ['1.5m', 90_000],
    ['1h', 3_600_000],
    ['0', 0],
    ['250', 250],
    [' 5s ', 5000],
    [250, 250],
    [0, 0],
  ])('%j is %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  test.each([
    ['10 parsecs', 'cannot read "10 parsecs" as a duration'],
    ['10s5', 'cannot read'],
    ['1S', 'cannot read'],
    ['1e3', 'cannot read'],
    ['', 'cannot read'],
    ['s', 'cannot read'],
    ['1.5', 'not a whole number of milliseconds'],
    ['0.5ms', 'not a whole number of milliseconds'],
    ['-1s', 'cannot be negative'],
    [-5, 'cannot be negative'],
    [1.5, 'whole number of milliseconds'],
    [Number.NaN, 'cannot be NaN'],
    [Number.POSITIVE_INFINITY, 'must be finite'],
    ['99999999999999999999h', 'too large'],
    [null, 'not null'],
    [true, 'not boolean'],
    [[1], 'not a list'],
  ])('%j is rejected: %s', (input, reason) => {
    expect(() => parseDuration(input)).toThrow(VipdError);
    expect(() => parseDuration(input)).toThrow(reason);
    expect(tryParseDuration(input).ok).toBe(false);
  });

  test('the error is VIPD_E_CONFIG and names the expected syntax', () => {
    try {
      parseDuration('soon');
      throw new Error('not thrown');
    } catch (e) {
      expect(e).toBeInstanceOf(VipdError);
      expect((e as VipdError).code).toBe('VIPD_E_CONFIG');
      expect((e as VipdError).details).toMatchObject({ value: 'soon', expected: expect.stringContaining('100ms, 1.5s, 2m') });
    }
  });

  test('formatDuration picks the largest exact unit', () => {
    expect([0, 1, 999, 1000, 1500, 60_000, 90_000, 3_600_000].map(formatDuration)).toEqual(['0ms', '1ms', '999ms', '1s', '1500ms', '1m', '90s', '1h']);
  });

  test('formatDuration and parseDuration round-trip every whole ms', () => {
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });

  test('bare numeric strings equal the number', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10 ** 12 }), (ms) => {
        expect(parseDuration(String(ms))).toBe(ms);
      }),
    );
  });
});
