import { cryptoRandom, epochSilenceMs, newBootEpoch } from '../../src/cli/wiring';
import type { VipdConfig } from '../../src/config/types';

describe('wiring helpers', () => {
  it('cryptoRandom stays in [0, 1) and varies', () => {
    const values = Array.from({ length: 2000 }, () => cryptoRandom());
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(new Set(values).size).toBeGreaterThan(1990);
  });
  it('boot epochs of starts a millisecond apart differ', () => {
    expect(newBootEpoch(1000)).not.toBe(newBootEpoch(1001));
  });

  it('a later start has a larger epoch (start time in the high bits), whatever the random low bits', () => {
    const t = Date.UTC(2026, 10, 27, 5, 0, 0);
    const early = newBootEpoch(t, Buffer.from([0xff]));
    const late = newBootEpoch(t + 1, Buffer.from([0]));
    expect(late > early).toBe(true);
    expect((early >> 6n) & ((1n << 42n) - 1n)).toBe(BigInt(t));
    expect(early & 0x3fn).toBe(0x3fn);
    expect(newBootEpoch() < 2n ** 64n).toBe(true);
    // Above almost every random epoch of older versions (rolling upgrades): the top 16 bits are set.
    expect(early >> 48n).toBe(0xffffn);
  });

  it('epoch silence outlasts every group\'s down interval, and is at least 10 s', () => {
    const config = (intervals: number[]): VipdConfig => ({ groups: intervals.map((intervalMs) => ({ intervalMs, deadAfter: 3 })) }) as unknown as VipdConfig;
    expect(epochSilenceMs(config([100]))).toBe(10_000);
    expect(epochSilenceMs(config([100, 5000]))).toBeGreaterThan(2 * 3 * 5000);
  });
});
