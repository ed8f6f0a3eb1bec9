import { join } from 'node:path';
import { processClock } from '../../../src/util/clock';
import { ensureBuilt } from '../../support/build';
import { describeLab } from '../../support/lab-guard';
import { REPO_ROOT } from '../../support/vipd-process';
import { DEFAULT_GROUP, FaultPair, HEARTBEAT_PORT, PROVIDERS, defaultBudgets, ownedAt, recordFigures } from './pair';

/**
 * Fault suite, part 7: hostile heartbeats. From the fabric namespace
 * (lab/faults/hostile-heartbeats.py) both nodes' heartbeat ports get, at
 * 50 per second per kind: random bytes, truncated genuine packets, genuine
 * packets with a flipped tag byte, genuine packets replayed from another
 * address, and the genuine frames re-injected (the genuine source address).
 * During the flood n1 is killed -9: n2 must take over within the failover
 * budget (no attack: ~100 ms, refused probes), neither daemon may crash,
 * and every kind shows up in vipd_heartbeats_rejected_total by its reason.
 */
jest.setTimeout(90_000);

const VIP = DEFAULT_GROUP.vips[0]!;
const RATE = 50;
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function rejects(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^vipd_heartbeats_rejected_total\{reason="([a-z-]+)"\} (\S+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

for (const provider of PROVIDERS) {
  describeLab(`fault suite, hostile heartbeats (provider ${provider})`, () => {
    let pair: FaultPair | null = null;
    beforeAll(() => ensureBuilt());
    afterEach(async () => {
      await pair?.destroy();
      pair = null;
    });

    it('a flood of junk, forged and replayed heartbeats during a kill -9 failover: no crash, failover within budget, every reject counted by reason', async () => {
      pair = await FaultPair.create({ scenario: 'hostile', provider });
      const p = pair;
      await p.startPair();
      await p.watch();
      const flood = p.lab.spawnInFabric([
        '/usr/bin/python3',
        join(REPO_ROOT, 'lab', 'faults', 'hostile-heartbeats.py'),
        String(HEARTBEAT_PORT),
        String(RATE),
        `p-n1:${p.lab.nodeIp(1)}`,
        `p-n2:${p.lab.nodeIp(2)}`,
      ]);
      await flood.waitForOutput(/"replay-genuine-source": [1-9]/, 15_000);
      p.event('flood running');
      await pause(2000);
      const before2 = rejects(await p.metrics(2));
      // No crash under the flood, and it did not move the VIP.
      expect(p.vipd(1).role('web')).toBe('MASTER');
      expect(p.vipd(2).role('web')).toBe('BACKUP');
      const mark = p.vipd(2).lines.length;
      const at = processClock.nowMs();
      p.vipd(1).signal('SIGKILL');
      p.mark(1, 'stopped');
      await p.vipd(1).wait();
      await p.waitReady(2, 'web', mark);
      await pause(2000);
      flood.kill('SIGTERM');
      await flood.wait();
      const { verdict, timeline } = await p.verdict(defaultBudgets(provider));
      expect(verdict.owners[VIP]).toEqual(['n1', 'n2']);
      const owned = ownedAt(timeline, VIP, 'n2', at);
      expect(owned).not.toBeNull();
      const after2 = rejects(await p.metrics(2));
      expect(p.vipd(2).child.exitCode).toBeNull();
      const counted = ['bad-magic', 'truncated', 'bad-tag', 'replay', 'unknown-address'].filter((reason) => (before2[reason] ?? 0) > 0);
      expect({ counted, before2 }).toEqual({ counted: ['bad-magic', 'truncated', 'bad-tag', 'replay', 'unknown-address'], before2 });
      // Replays of n1's last adverts after its death are still refused, not taken as a live master.
      expect((after2.replay ?? 0) - (before2.replay ?? 0)).toBeGreaterThan(0);
      recordFigures('hostile heartbeats + kill -9', provider, { failoverMs: Math.round(owned! - at), n2Rejects: JSON.stringify(after2) });
    });
  });
}
