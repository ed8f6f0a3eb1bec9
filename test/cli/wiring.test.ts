import { cryptoRandom } from '../../src/cli/wiring';

describe('wiring helpers', () => {
  it('cryptoRandom stays in [0, 1) and varies', () => {
    const values = Array.from({ length: 2000 }, () => cryptoRandom());
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(new Set(values).size).toBeGreaterThan(1990);
  });
});
