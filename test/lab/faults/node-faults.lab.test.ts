import { processClock } from '../../../src/util/clock';
import { ensureBuilt } from '../../support/build';
import { describeLab } from '../../support/lab-guard';
import { DEFAULT_GROUP, FaultPair, PROVIDERS, defaultBudgets, ownedAt, recordFigures } from './pair';

/**
 * Fault suite, part 1: the daemon or the node goes away (kill -9, node
 * death, graceful stop, restarts), watched by the invariant monitor. One
 * column per provider.
 */
jest.setTimeout(90_000);

const VIP = DEFAULT_GROUP.vips[0]!;
const SETTLE_MS = 1500;
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

for (const provider of PROVIDERS)
  describeLab(`fault suite, node faults (provider ${provider})`, () => {
    let pair: FaultPair | null = null;
    beforeAll(() => ensureBuilt());
    afterEach(async () => {
      await pair?.destroy();
      pair = null;
    });

    async function setUp(scenario: string): Promise<FaultPair> {
      pair = await FaultPair.create({ scenario, provider });
      await pair.startPair();
      await pair.watch();
      return pair;
    }

    it('kill -9 of the active daemon: the backup takes over once, within the failover budget', async () => {
      const p = await setUp('kill9-active');
      const mark = p.vipd(2).lines.length;
      const at = processClock.nowMs();
      p.vipd(1).signal('SIGKILL');
      p.mark(1, 'stopped');
      await p.vipd(1).wait();
      await p.waitReady(2, 'web', mark);
      await pause(SETTLE_MS);
      const { verdict, timeline } = await p.verdict(defaultBudgets(provider));
      expect(verdict.owners[VIP]).toEqual(['n1', 'n2']);
      const owned = ownedAt(timeline, VIP, 'n2', at);
      expect(owned).not.toBeNull();
      recordFigures('kill -9 active', provider, { failoverMs: Math.round(owned! - at), longestNoOwnerMs: Math.round(verdict.longestNoOwnerMs[VIP]!) });
    });

    it('node death (kill -9 and link cut): the backup takes over once, within the failover budget', async () => {
      const p = await setUp('node-death');
      const mark = p.vipd(2).lines.length;
      const at = processClock.nowMs();
      p.vipd(1).signal('SIGKILL');
      await p.lab.cutNode(1);
      p.mark(1, 'dead');
      await p.vipd(1).wait();
      await p.waitReady(2, 'web', mark);
      await pause(SETTLE_MS);
      const { verdict, timeline } = await p.verdict(defaultBudgets(provider));
      expect(verdict.owners[VIP]).toEqual(['n1', 'n2']);
      const owned = ownedAt(timeline, VIP, 'n2', at);
      expect(owned).not.toBeNull();
      recordFigures('node death', provider, { failoverMs: Math.round(owned! - at), longestNoOwnerMs: Math.round(verdict.longestNoOwnerMs[VIP]!) });
    });

    it('graceful stop of the active: it releases, the backup takes over once', async () => {
      const p = await setUp('graceful-stop');
      const mark = p.vipd(2).lines.length;
      const at = processClock.nowMs();
      p.vipd(1).signal('SIGTERM');
      const exit = await p.vipd(1).wait();
      p.mark(1, 'stopped');
      expect(exit.code).toBe(0);
      await p.waitReady(2, 'web', mark);
      await pause(SETTLE_MS);
      const { verdict, timeline } = await p.verdict(defaultBudgets(provider));
      expect(verdict.owners[VIP]).toEqual(['n1', 'n2']);
      // Released: the stopped node no longer carries the address.
      expect(timeline.samples[timeline.samples.length - 1]!.os[VIP]).toEqual(['n2']);
      recordFigures('graceful stop', provider, {
        failoverMs: Math.round(ownedAt(timeline, VIP, 'n2', at)! - at),
        longestNoOwnerMs: Math.round(verdict.longestNoOwnerMs[VIP]!),
      });
    });

    it('restart of the active (stop, start): n2 serves meanwhile, n1 takes the VIP back once (preempt)', async () => {
      const p = await setUp('restart-active');
      const mark2 = p.vipd(2).lines.length;
      p.vipd(1).signal('SIGTERM');
      await p.vipd(1).wait();
      p.mark(1, 'stopped');
      await p.waitReady(2, 'web', mark2);
      p.start(1);
      await p.waitReady(1);
      await pause(SETTLE_MS);
      const { verdict } = await p.verdict({ ...defaultBudgets(provider), maxOwnerChanges: 2 });
      expect(verdict.owners[VIP]).toEqual(['n1', 'n2', 'n1']);
      recordFigures('restart active', provider, { ownerChanges: 2, longestNoOwnerMs: Math.round(verdict.longestNoOwnerMs[VIP]!) });
    });

    it('restart of the backup (stop, start): the VIP never leaves the healthy master', async () => {
      const p = await setUp('restart-backup');
      p.vipd(2).signal('SIGTERM');
      await p.vipd(2).wait();
      p.mark(2, 'stopped');
      await pause(500);
      const n2 = p.start(2);
      await n2.waitFor((l) => l.msg === 'vipd started', 30_000, 'vipd started');
      await n2.waitForRole('web', 'BACKUP', { timeoutMs: 30_000 });
      await pause(SETTLE_MS);
      const { verdict } = await p.verdict({ ...defaultBudgets(provider), maxOwnerChanges: 0, noOwnerMs: 0 });
      expect(verdict.owners[VIP]).toEqual(['n1']);
      expect(n2.transitions('web').some((t) => t.to === 'MASTER')).toBe(false);
      recordFigures('restart backup', provider, { ownerChanges: 0, longestNoOwnerMs: Math.round(verdict.longestNoOwnerMs[VIP]!) });
    });
  });
