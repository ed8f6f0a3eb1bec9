import { ReplayGuard } from '../../src/heartbeat/replay-guard';

describe('ReplayGuard', () => {
  it('follows one epoch by strictly increasing sequence', () => {
    const g = new ReplayGuard();
    expect(g.admit('7/b', 1n, 0n, 0)).toBe('first');
    expect(g.admit('7/b', 1n, 0n, 0)).toBe('replay');
    expect(g.admit('7/b', 1n, 1n, 0)).toBe('in-order');
    expect(g.stateOf('7/b')).toEqual({ epoch: 1n, highestSeq: 1n, retiredEpochs: [] });
  });

  it('retires epochs on restart and refuses them afterwards, in any order', () => {
    const g = new ReplayGuard();
    g.admit('s', 10n, 5n, 0);
    expect(g.admit('s', 20n, 1n, 0)).toBe('new-epoch');
    expect(g.admit('s', 30n, 1n, 0)).toBe('new-epoch');
    expect(g.admit('s', 10n, 6n, 0)).toBe('replay');
    expect(g.admit('s', 20n, 2n, 0)).toBe('replay');
    expect(g.stateOf('s')).toEqual({ epoch: 30n, highestSeq: 1n, retiredEpochs: [10n, 20n] });
  });

  it('remembers a bounded number of retired epochs (the documented residual risk)', () => {
    const g = new ReplayGuard(2);
    g.admit('s', 1n, 1n, 0);
    g.admit('s', 2n, 1n, 0);
    g.admit('s', 3n, 1n, 0);
    g.admit('s', 4n, 1n, 0); // retired: 2, 3 (1 forgotten)
    expect(g.admit('s', 2n, 9n, 0)).toBe('replay');
    // Forgotten and earlier: refused while epoch 4 is alive, followed once it has been silent.
    expect(g.admit('s', 1n, 9n, 0)).toBe('replay');
    expect(g.admit('s', 1n, 9n, 20_000)).toBe('new-epoch');
  });

  it('one replayed packet of an earlier run cannot lock out a live peer: refused, and the real stream flows on', () => {
    const g = new ReplayGuard(256, 10_000);
    expect(g.admit('s', 100n, 1n, 0)).toBe('first');
    expect(g.admit('s', 100n, 2n, 1000)).toBe('in-order');
    expect(g.admit('s', 50n, 500n, 1500)).toBe('replay'); // captured before our last restart
    expect(g.admit('s', 100n, 3n, 2000)).toBe('in-order');
    expect(g.stateOf('s')).toEqual({ epoch: 100n, highestSeq: 3n, retiredEpochs: [] });
  });

  it('a later epoch is a restart and is followed at once; the earlier one is retired for good', () => {
    const g = new ReplayGuard(256, 10_000);
    g.admit('s', 100n, 7n, 0);
    expect(g.admit('s', 200n, 1n, 100)).toBe('new-epoch');
    expect(g.admit('s', 100n, 8n, 60_000)).toBe('replay'); // retired: never again, however long the silence
  });

  it('an earlier epoch is followed once the current one has been silent longer than silenceMs (clock went back across a restart)', () => {
    const g = new ReplayGuard(256, 10_000);
    g.admit('s', 100n, 1n, 0);
    expect(g.admit('s', 50n, 1n, 9_999)).toBe('replay');
    expect(g.admit('s', 50n, 2n, 10_000)).toBe('new-epoch');
    expect(g.admit('s', 50n, 3n, 10_100)).toBe('in-order');
    expect(g.admit('s', 100n, 2n, 30_000)).toBe('replay');
  });

  it('the silence follows a reload that lengthened the intervals', () => {
    const g = new ReplayGuard(256, 10_000);
    g.admit('s', 100n, 1n, 0);
    g.setSilenceMs(60_000);
    expect(g.admit('s', 50n, 1n, 20_000)).toBe('replay');
    expect(g.admit('s', 50n, 1n, 60_000)).toBe('new-epoch');
  });

  it('retainOnly forgets the others', () => {
    const g = new ReplayGuard();
    g.admit('a', 1n, 1n, 0);
    g.admit('b', 1n, 1n, 0);
    g.retainOnly(new Set(['a']));
    expect(g.stateOf('a')).toBeDefined();
    expect(g.stateOf('b')).toBeUndefined();
  });

  it('needs no wall clock: with the current epoch alive, the verdicts depend only on (epoch, seq) history', () => {
    const g = new ReplayGuard();
    const history: Array<[bigint, bigint]> = [
      [5n, 1n],
      [5n, 2n],
      [5n, 2n],
      [6n, 1n],
      [5n, 3n],
    ];
    expect(history.map(([e, s]) => g.admit('s', e, s, 0))).toEqual(['first', 'in-order', 'replay', 'new-epoch', 'replay']);
  });
});
