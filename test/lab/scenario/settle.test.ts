import { type NodeView, type Observation, agreedMaster, steadyMaster } from '../../../lab/scenario/settle';

const NAMES = ['n1', 'n2'];
const RULE = { stableMs: 200, maxGapMs: 50 };

const master = (changes: number, believes?: string | null): NodeView => ({
  role: 'MASTER',
  serving: true,
  changes,
  ...(believes === undefined ? {} : { believes }),
});
const backup = (changes: number, believes?: string | null): NodeView => ({
  role: 'BACKUP',
  serving: false,
  changes,
  ...(believes === undefined ? {} : { believes }),
});

/** Looks every 20 ms from `fromMs` to `toMs` showing the same views. */
function looks(fromMs: number, toMs: number, nodes: readonly NodeView[]): Observation[] {
  const out: Observation[] = [];
  for (let t = fromMs; t <= toMs; t += 20) out.push({ atMs: t, nodes });
  return out;
}

describe('agreedMaster (one look)', () => {
  it('is the one serving master when every other node is BACKUP and believes it', () => {
    expect(agreedMaster([master(2, 'n1'), backup(1, 'n1')], NAMES)).toBe(1);
    expect(agreedMaster([backup(1), master(1)], NAMES)).toBe(2);
  });

  it('is null with two masters, none, a node not yet BACKUP, a master not serving yet, or a backup believing another', () => {
    expect(agreedMaster([master(1), master(1)], NAMES)).toBeNull();
    expect(agreedMaster([backup(1), backup(1)], NAMES)).toBeNull();
    expect(agreedMaster([master(1), { role: null, serving: false, changes: 0 }], NAMES)).toBeNull();
    expect(agreedMaster([master(1), { role: 'FAULT', serving: false, changes: 2 }], NAMES)).toBeNull();
    expect(agreedMaster([{ role: 'MASTER', serving: false, changes: 1 }, backup(1)], NAMES)).toBeNull();
    expect(agreedMaster([backup(1, 'n2'), master(1, 'n2')], NAMES)).toBe(2);
    expect(agreedMaster([backup(1, null), master(1, 'n2')], NAMES)).toBeNull();
    expect(agreedMaster([master(2, 'n1'), backup(2, 'n2')], NAMES)).toBeNull();
  });
});

describe('steadyMaster (a window of looks)', () => {
  it('waits until the same master has held for the whole window', () => {
    const views = [master(2, 'n1'), backup(1, 'n1')];
    expect(steadyMaster(looks(0, 180, views), NAMES, RULE)).toBeNull();
    expect(steadyMaster(looks(0, 200, views), NAMES, RULE)).toBe(1);
  });

  it('does not take the second node, started first and claiming, for the settled master when the first preempts it', () => {
    // n2 starts first and claims; n1 comes up as BACKUP, then preempts.
    const early = looks(0, 100, [backup(1), master(1)]);
    const preempted = looks(120, 400, [master(2), backup(2)]);
    expect(steadyMaster(early, NAMES, RULE)).toBeNull();
    for (let k = 1; k <= preempted.length; k++) {
      const seen = steadyMaster([...early, ...preempted.slice(0, k)], NAMES, RULE);
      expect(seen === null || seen === 1).toBe(true);
    }
    expect(steadyMaster([...early, ...preempted], NAMES, RULE)).toBe(1);
  });

  it('restarts the window after a role change between two looks, even if both looks agree', () => {
    const before = looks(0, 300, [master(2), backup(2)]);
    // n1 flapped (MASTER -> BACKUP -> MASTER) between looks: same roles, more changes.
    const after = looks(320, 420, [master(4), backup(4)]);
    expect(steadyMaster([...before, ...after], NAMES, RULE)).toBeNull();
    expect(steadyMaster([...before, ...looks(320, 520, [master(4), backup(4)])], NAMES, RULE)).toBe(1);
  });

  it('restarts the window across a gap in the looks (the observer stalled)', () => {
    const views = [master(2), backup(2)];
    const history = [...looks(0, 100, views), ...looks(300, 400, views)];
    expect(steadyMaster(history, NAMES, RULE)).toBeNull();
    expect(steadyMaster([...history, ...looks(420, 500, views)], NAMES, RULE)).toBe(1);
  });

  it('is null while the first node, up but not yet hearing the second, believes nobody', () => {
    expect(steadyMaster(looks(0, 1000, [backup(1, null), master(1, 'n2')]), NAMES, RULE)).toBeNull();
  });

  it('is null while a backup believes nobody, however long the roles look right', () => {
    expect(steadyMaster(looks(0, 1000, [master(2, 'n1'), backup(2, null)]), NAMES, RULE)).toBeNull();
  });

  it('is null with no looks', () => {
    expect(steadyMaster([], NAMES, RULE)).toBeNull();
  });
});
