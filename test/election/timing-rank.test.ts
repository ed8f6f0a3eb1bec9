import { compareIdBytes, outranks } from '../../src/election/rank';
import { masterDownMs, skewMs } from '../../src/election/timing';
import { TRANSITIONS, isAllowedTransition } from '../../src/election/transitions';

describe('timing (RFC 5798 6.1), the worked table of election.md', () => {
  it.each([
    // setting,                       p,   interval, deadAfter, skew,      masterDown
    ['VRRPv2 1 s, p=100', 100, 1000, 3, 609.375, 3609.375],
    ['VRRPv3 0.1 s, p=100', 100, 100, 3, 60.9375, 360.9375],
    ['VRRPv3 0.01 s, p=254', 254, 10, 3, 0.078125, 30.078125],
    ['p=1 waits almost a full extra interval', 1, 1000, 3, 996.09375, 3996.09375],
    ['deadAfter 1', 200, 100, 1, 21.875, 121.875],
  ] as const)('%s', (_name, p, interval, deadAfter, skew, down) => {
    expect(skewMs(p, interval)).toBe(skew);
    expect(masterDownMs(p, interval, deadAfter)).toBe(down);
  });

  it('a higher priority always has the shorter down interval (so it claims first)', () => {
    for (let p = 1; p < 254; p++) expect(masterDownMs(p + 1, 100, 3)).toBeLessThan(masterDownMs(p, 100, 3));
  });

  it.each([
    ['priority 256', () => skewMs(256, 100)],
    ['priority -1', () => skewMs(-1, 100)],
    ['priority 1.5', () => skewMs(1.5, 100)],
    ['interval 0', () => skewMs(100, 0)],
    ['interval NaN', () => skewMs(100, Number.NaN)],
    ['deadAfter 0', () => masterDownMs(100, 100, 0)],
    ['deadAfter 2.5', () => masterDownMs(100, 100, 2.5)],
  ])('refuses %s with a typed error', (_name, call) => {
    expect(call).toThrow(expect.objectContaining({ code: 'VIPD_E_INTERNAL' }));
  });
});

describe('rank', () => {
  it.each([
    ['higher priority wins', { id: 'z', priority: 101 }, { id: 'a', priority: 100 }, true],
    ['lower priority loses', { id: 'a', priority: 99 }, { id: 'z', priority: 100 }, false],
    ['tie: smaller id wins', { id: 'a', priority: 100 }, { id: 'b', priority: 100 }, true],
    ['tie: larger id loses', { id: 'b', priority: 100 }, { id: 'a', priority: 100 }, false],
    ['a node does not outrank itself', { id: 'a', priority: 100 }, { id: 'a', priority: 100 }, false],
    ['tie: prefix sorts first', { id: 'node', priority: 5 }, { id: 'node1', priority: 5 }, true],
    ['tie: byte order, not locale (Z < a)', { id: 'Z', priority: 5 }, { id: 'a', priority: 5 }, true],
  ])('%s', (_name, a, b, expected) => {
    expect(outranks(a, b)).toBe(expected);
  });

  it('orders ids as UTF-8 bytes, not UTF-16 code units', () => {
    // U+FFFF is EF BF BF in UTF-8, U+1F600 is F0 9F 98 80: the emoji is larger,
    // although its UTF-16 surrogate (D83D) is smaller than FFFF.
    expect(compareIdBytes('\u{1F600}', '\uFFFF')).toBeGreaterThan(0);
    expect('\u{1F600}' < '\uFFFF').toBe(true);
    expect(compareIdBytes('é', 'z')).toBeGreaterThan(0);
    expect(compareIdBytes('same', 'same')).toBe(0);
  });

  it('is a strict total order on distinct (priority, id) pairs: exactly one side wins', () => {
    const nodes = ['a', 'b', 'node-1', 'node-10', 'Z'].flatMap((id) => [1, 100, 254].map((priority) => ({ id, priority })));
    for (const x of nodes) {
      for (const y of nodes) {
        if (x === y) continue;
        expect(Number(outranks(x, y)) + Number(outranks(y, x))).toBe(1);
      }
    }
  });
});

describe('transition table', () => {
  it('allows only listed transitions', () => {
    expect(isAllowedTransition('BACKUP', 'MASTER', 'master-down')).toBe(true);
    expect(isAllowedTransition('BACKUP', 'MASTER', 'start')).toBe(false);
    expect(isAllowedTransition('FAULT', 'MASTER', 'master-down')).toBe(false);
    expect(isAllowedTransition('STOP', 'BACKUP', 'start')).toBe(false);
  });

  it('STOP is terminal and INIT is never re-entered', () => {
    expect(TRANSITIONS.filter((t) => t.from === 'STOP' || t.to === 'INIT')).toEqual([]);
  });
});
