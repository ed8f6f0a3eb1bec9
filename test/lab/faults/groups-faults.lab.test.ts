import { ensureBuilt } from '../../support/build';
import { describeLab } from '../../support/lab-guard';
import { FaultPair, PROVIDERS, defaultBudgets, recordFigures, type GroupSpec } from './pair';

/**
 * Fault suite, part 3: two groups active-active on the pair (n1 prefers
 * a, n2 prefers b). Node death of n1 moves a and leaves b untouched.
 */
jest.setTimeout(90_000);

const A: GroupSpec = { name: 'a', id: 1, vips: ['10.0.1.100'], priority: { 1: 200, 2: 100 } };
const B: GroupSpec = { name: 'b', id: 2, vips: ['10.0.1.101'], priority: { 1: 100, 2: 200 } };
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

for (const provider of PROVIDERS) {
  describeLab(`fault suite, two groups active-active (provider ${provider})`, () => {
    let pair: FaultPair | null = null;
    beforeAll(() => ensureBuilt());
    afterEach(async () => {
      await pair?.destroy();
      pair = null;
    });

    it('node death of n1 moves only its group a; group b on n2 is untouched', async () => {
      pair = await FaultPair.create({ scenario: 'two-groups', provider, groups: [A, B] });
      const p = pair;
      await p.startPair();
      await p.watch();
      const mark = p.vipd(2).lines.length;
      p.vipd(1).signal('SIGKILL');
      await p.lab.cutNode(1);
      p.mark(1, 'dead');
      await p.vipd(1).wait();
      await p.waitReady(2, 'a', mark);
      await pause(1500);
      const { verdict } = await p.verdict(defaultBudgets(provider));
      expect(verdict.owners[A.vips[0]!]).toEqual(['n1', 'n2']);
      expect(verdict.owners[B.vips[0]!]).toEqual(['n2']);
      expect(verdict.longestNoOwnerMs[B.vips[0]!]).toBe(0);
      expect(
        p
          .vipd(2)
          .transitions('b')
          .filter((t) => t.from === 'MASTER'),
      ).toEqual([]);
      recordFigures('two groups, node death', provider, {
        ownersA: verdict.owners[A.vips[0]!]!.join(' -> '),
        ownersB: verdict.owners[B.vips[0]!]!.join(' -> '),
        noOwnerAMs: Math.round(verdict.longestNoOwnerMs[A.vips[0]!]!),
        noOwnerBMs: verdict.longestNoOwnerMs[B.vips[0]!],
      });
    });
  });
}
