import { epochSilenceMs, newBootEpoch } from '../../src/heartbeat/boot-epoch';

describe('boot epoch', () => {
  it('boot epochs of starts a millisecond apart differ', () => {
    expect(newBootEpoch(1000, Buffer.from([7]))).not.toBe(newBootEpoch(1001, Buffer.from([7])));
  });

  it('a later start has a larger epoch (start time in the high bits), whatever the random low bits', () => {
    const t = Date.UTC(2026, 10, 27, 5, 0, 0);
    const early = newBootEpoch(t, Buffer.from([0xff]));
    const late = newBootEpoch(t + 1, Buffer.from([0]));
    expect(late > early).toBe(true);
    expect((early >> 6n) & ((1n << 42n) - 1n)).toBe(BigInt(t));
    expect(early & 0x3fn).toBe(0x3fn);
    expect(newBootEpoch(2 ** 50, Buffer.from([0xff])) < 2n ** 64n).toBe(true);
    // Above almost every random epoch of older versions (rolling upgrades): the top 16 bits are set.
    expect(early >> 48n).toBe(0xffffn);
  });
});

describe('epoch silence', () => {
  it("outlasts every group's down interval, and is at least 10 s", () => {
    const groups = (intervals: number[]) => intervals.map((intervalMs) => ({ intervalMs, deadAfter: 3 }));
    expect(epochSilenceMs(groups([100]))).toBe(10_000);
    expect(epochSilenceMs(groups([100, 5000]))).toBeGreaterThan(2 * 3 * 5000);
    expect(epochSilenceMs([])).toBe(10_000);
  });
});
