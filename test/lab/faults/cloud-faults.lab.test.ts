import type { FaultRule } from '../../../lab/cloud/faults';
import { processClock } from '../../../src/util/clock';
import { ensureBuilt } from '../../support/build';
import { describeLab } from '../../support/lab-guard';
import { CLOUD_FAULTS, type CloudProvider } from './fault-cloud';
import { DEFAULT_GROUP, FaultPair, PROVIDERS, defaultBudgets, ownedAt, recordFigures } from './pair';

/**
 * Fault suite, part 6 (clouds only: provider none has no API to fail):
 * the cloud misbehaves while n2 takes over from a dead n1. Each case ends
 * with one owner; its failover time is recorded. The failover budget is
 * the normal one plus the fault's own duration.
 */
jest.setTimeout(120_000);

const VIP = DEFAULT_GROUP.vips[0]!;
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface CloudFaultCase {
  readonly name: string;
  readonly faults?: readonly FaultRule[];
  /** An outage set before the failover and lifted after `forMs`. */
  readonly outage?: { readonly api?: string; readonly metadata?: string; readonly forMs: number };
  /** Added to the failover budget: how long the fault itself keeps the cloud from answering. */
  readonly extraMs: number;
}

/** The same faults on every cloud, each in that cloud's own vocabulary (its move call, its error codes). */
function cases(provider: CloudProvider): readonly CloudFaultCase[] {
  const { moveAction, throttling, serverError } = CLOUD_FAULTS[provider];
  return [
    { name: 'throttling burst', faults: [{ action: moveAction, error: throttling, times: 4 }], extraMs: 3000 },
    { name: '5xx burst', faults: [{ action: moveAction, error: serverError, times: 4 }], extraMs: 3000 },
    { name: '5 s latency', faults: [{ action: moveAction, latencyMs: 5000, times: 1 }], extraMs: 5000 },
    { name: '10 s API outage, then recovery', outage: { api: 'refuse', forMs: 10_000 }, extraMs: 10_000 },
    // The move succeeds at once and the fabric routes the VIP to n2 from then on: n2 carries it from that
    // call on, while metadata (down for 10 s) holds up only what needs it (AWS: the confirmation).
    { name: 'metadata outage (10 s)', outage: { metadata: 'refuse', forMs: 10_000 }, extraMs: 10_000 },
  ];
}

for (const provider of PROVIDERS) {
  if (provider === 'none') continue;
  describeLab(`fault suite, cloud faults during a failover (provider ${provider})`, () => {
    let pair: FaultPair | null = null;
    beforeAll(() => ensureBuilt());
    afterEach(async () => {
      await pair?.destroy();
      pair = null;
    });

    for (const c of cases(provider)) {
      it(`${c.name}: n2 ends as the one owner`, async () => {
        pair = await FaultPair.create({ scenario: `cloud-${c.name}`, provider });
        const p = pair;
        const control = p.cloud!.control;
        await p.startPair();
        await p.watch();
        if (c.faults) await control.setFaults(c.faults);
        if (c.outage) await control.setOutage({ api: c.outage.api ?? null, metadata: c.outage.metadata ?? null });
        p.event(`cloud fault: ${c.name}`);
        const mark = p.vipd(2).lines.length;
        const at = processClock.nowMs();
        p.vipd(1).signal('SIGKILL');
        await p.lab.cutNode(1);
        p.mark(1, 'dead');
        if (c.outage) {
          await pause(c.outage.forMs);
          await control.setOutage({ api: null, metadata: null });
          p.event('cloud outage lifted');
        }
        await p.waitReady(2, 'web', mark, 40_000);
        await pause(1500);
        const { verdict, timeline } = await p.verdict({ ...defaultBudgets(provider), noOwnerMs: defaultBudgets(provider).noOwnerMs + c.extraMs });
        expect(verdict.violations.map((v) => v.rule)).toEqual([]);
        expect(verdict.owners[VIP]).toEqual(['n1', 'n2']);
        const last = timeline.samples[timeline.samples.length - 1]!;
        expect(last.cloud?.[VIP]).toBe('n2');
        const owned = ownedAt(timeline, VIP, 'n2', at);
        expect(owned).not.toBeNull();
        recordFigures(`cloud fault: ${c.name}`, provider, {
          failoverMs: Math.round(owned! - at),
          moveCalls: (await p.cloud!.moveCalls()).length,
          violations: verdict.violations.map((v) => v.detail),
        });
      });
    }
  });
}
