import { computeHealth, sameHealth } from '../../src/trackers/health';

describe('computeHealth', () => {
  it.each([
    [[], { penalty: 0, fault: false }],
    [[{ up: true, weight: -50 }], { penalty: 0, fault: false }],
    [[{ up: false, weight: -50 }], { penalty: -50, fault: false }],
    [
      [
        { up: false, weight: -50 },
        { up: false, weight: -20 },
        { up: true, weight: -100 },
      ],
      { penalty: -70, fault: false },
    ],
    [
      [
        { up: false, weight: 10 },
        { up: false, weight: -30 },
      ],
      { penalty: -30, fault: false },
    ],
    [
      [
        { up: true, weight: 10 },
        { up: false, weight: -30 },
      ],
      { penalty: -20, fault: false },
    ],
    [
      [
        { up: true, weight: 50 },
        { up: true, weight: -30 },
      ],
      { penalty: 50, fault: false },
    ],
    [[{ up: false, weight: 0 }], { penalty: 0, fault: true }],
    [
      [
        { up: true, weight: 0 },
        { up: false, weight: -5 },
      ],
      { penalty: -5, fault: false },
    ],
    [
      [
        { up: false, weight: 0 },
        { up: false, weight: -5 },
      ],
      { penalty: -5, fault: true },
    ],
  ])('%j -> %j', (trackers, expected) => {
    expect(computeHealth(trackers)).toEqual(expected);
  });

  it('compares by value', () => {
    expect(sameHealth({ penalty: -5, fault: false }, { penalty: -5, fault: false })).toBe(true);
    expect(sameHealth({ penalty: -5, fault: false }, { penalty: -5, fault: true })).toBe(false);
    expect(sameHealth({ penalty: -5, fault: false }, { penalty: 0, fault: false })).toBe(false);
  });
});
