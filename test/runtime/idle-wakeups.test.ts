import type { VipdConfig } from '../../src/config/types';
import type { AcquireReport, RepairReport, VerifyReport, VipOwner } from '../../src/owner/types';
import { Daemon } from '../../src/runtime/daemon';
import { noMetrics } from '../../src/runtime/ports';
import { silentLogger } from '../../src/util/logger';
import { group0 } from '../config/helpers';
import { testConfig } from '../support/config';
import { FakeTime } from '../support/fake-time';

/*
 * An idle daemon's CPU is its wake-ups: every timer that fires costs a loop
 * turn whatever it does. A MASTER with nothing to do must wake about once
 * per advert (plus the owner's slow verify/reconcile rounds), not at a fixed
 * fast period. The footprint benchmark measures the CPU; this counts the
 * wake-ups that cause it, deterministically.
 */
class QuietOwner implements VipOwner {
  async cleanup(): Promise<void> {}
  async acquire(): Promise<AcquireReport> {
    return { timings: { cloudMs: 0, osMs: 0 }, cloudCalls: 0 };
  }
  async release(): Promise<void> {}
  async verify(): Promise<VerifyReport> {
    return { vips: [] };
  }
  async repair(): Promise<RepairReport> {
    return { repairs: [] };
  }
}

function config(intervalMs: number): VipdConfig {
  return testConfig((doc) => {
    doc.node = { id: 'a', stateDir: '/nonexistent' };
    doc.provider = { type: 'none', acquireDeadlineMs: 1000, faultHoldMs: 1000, verifyIntervalMs: 3000 };
    const group = group0(doc);
    group.intervalMs = intervalMs;
    group.peers = [{ id: 'b', address: '10.0.1.20' }];
  });
}

async function wakeUpsPerSecondAsMaster(intervalMs: number): Promise<{ wakeUps: number; adverts: number; lagSamples: number }> {
  const time = new FakeTime();
  await time.advance(1_000);
  let fired = 0;
  let counting = false;
  const timers = {
    setTimeout: (fn: () => void, ms: number) =>
      time.setTimeout(() => {
        if (counting) fired++;
        fn();
      }, ms),
    clearTimeout: time.clearTimeout,
  };
  let adverts = 0;
  let lagSamples = 0;
  const daemon = new Daemon(config(intervalMs), {
    clock: time,
    timers,
    logger: silentLogger(),
    owner: new QuietOwner(),
    heartbeat: () => ({
      start: async () => undefined,
      updateGroups: () => undefined,
      updateKeys: () => undefined,
      close: async () => undefined,
      sendAdvert: () => void adverts++,
      probe: () => undefined,
    }),
    hooks: { enqueue: () => undefined, idle: async () => undefined },
    trackers: () => ({ start: () => undefined, stop: () => undefined, health: () => ({ penalty: 0, fault: false }), status: () => [] }),
    metrics: { ...noMetrics, eventLoopLag: () => void lagSamples++ },
    wallSeconds: () => 0,
  });
  await daemon.start();
  await time.advance(10 * intervalMs + 5_000); // no peer: claims, acquires, settles
  expect(daemon.status().groups[0]?.election.role).toBe('MASTER');
  const window = 60_000;
  counting = true;
  adverts = 0;
  lagSamples = 0;
  await time.advance(window);
  counting = false;
  const stopping = daemon.stop();
  await time.advance(5_000);
  await stopping;
  return { wakeUps: (fired * 1000) / window, adverts: (adverts * 1000) / window, lagSamples };
}

describe('an idle MASTER wakes for its adverts, not on a fast fixed period', () => {
  it.each([1000, 100, 20])('at %i ms adverts: wake-ups per second stay within one and a half per advert', async (intervalMs) => {
    const { wakeUps, adverts, lagSamples } = await wakeUpsPerSecondAsMaster(intervalMs);
    expect(adverts).toBeCloseTo(1000 / intervalMs, 0);
    // The owner's verify and reconcile rounds (every 3 s) come on top of one tick per advert.
    expect(wakeUps).toBeLessThanOrEqual(1.5 * (1000 / intervalMs) + 1);
    // Lag is still sampled at every tick.
    expect(lagSamples).toBeGreaterThanOrEqual(adverts * 60 * 0.9);
  });
});
