import { SWITCHOVER_TIMEOUT_MAX_MS, parseSwitchoverTimeout } from '../../src/cli/control-handlers';

describe('vipd switchover --timeout', () => {
  it.each([
    ['30000', 30_000],
    ['30000ms', 30_000],
    ['30s', 30_000],
    ['2m', 120_000],
    [' 45s ', 45_000],
    ['1.5s', 1500],
    ['1', 1],
    ['10m', SWITCHOVER_TIMEOUT_MAX_MS],
  ])('%j is %d ms', (text, ms) => {
    expect(parseSwitchoverTimeout(text)).toBe(ms);
  });

  it.each(['', '0', '30 s', '1.0005s', '-5', 'abc', '11m', '99999999999999999999', '2h', '0x10'])('%j is refused (null)', (text) => {
    expect(parseSwitchoverTimeout(text)).toBeNull();
  });
});
