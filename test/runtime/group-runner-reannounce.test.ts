import type { GroupConfig } from '../../src/config/types';
import type { AcquireReport, RepairReport, VerifyReport, VipOwner } from '../../src/owner/types';
import { GroupRunner } from '../../src/runtime/group-runner';
import { noMetrics } from '../../src/runtime/ports';
import type { Logger } from '../../src/util/logger';
import type { TimerHandle, Timers } from '../../src/util/timers';
import { testGroup } from '../support/config';
import { testRunnerDeps } from '../support/group-runner';

/**
 * Issue 15: the election's `announce` output, executed by the shell: said in
 * the log (event reannounce, with reason and peer), counted in the metrics,
 * and carried out by the owner (ARP/NA) followed by an immediate check.
 */
class HandTimers implements Timers {
  pending: Array<{ fn: () => void; ms: number; handle: TimerHandle }> = [];
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = {};
    this.pending.push({ fn, ms, handle });
    return handle;
  }
  clearTimeout(handle: TimerHandle): void {
    this.pending = this.pending.filter((p) => p.handle !== handle);
  }
}

class RecordingOwner implements VipOwner {
  readonly log: string[] = [];
  async cleanup(): Promise<void> {}
  async acquire(): Promise<AcquireReport> {
    this.log.push('acquire');
    return { timings: { cloudMs: 0, osMs: 0 }, cloudCalls: 0 };
  }
  async release(): Promise<void> {
    this.log.push('release');
  }
  async announce(group: GroupConfig): Promise<void> {
    this.log.push(`announce ${group.name}`);
  }
  async verify(): Promise<VerifyReport> {
    this.log.push('verify');
    return { vips: [] };
  }
  async repair(): Promise<RepairReport> {
    return { repairs: [] };
  }
}

const GROUP = testGroup((g) => {
  g.priority = 200;
  g.intervalMs = 100;
  g.peers = [{ id: 'b', address: '10.0.1.12' }];
});

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

function setup() {
  const lines: Array<{ level: string; obj: Record<string, unknown>; msg: string }> = [];
  const at =
    (level: string) =>
    (a: object | string, b?: string): void => {
      lines.push(typeof a === 'string' ? { level, obj: {}, msg: a } : { level, obj: a as Record<string, unknown>, msg: b ?? '' });
    };
  const logger: Logger = {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    child: () => logger,
  };
  const counted: string[] = [];
  const owner = new RecordingOwner();
  const timers = new HandTimers();
  const runner = new GroupRunner(
    GROUP,
    testRunnerDeps(owner, {
      timers,
      logger,
      metrics: { ...noMetrics, reannounce: (group, reason, t) => counted.push(`${group} ${reason} ${t}`) },
      reannounceMinIntervalMs: 5000,
    }),
  );
  return { lines, counted, owner, timers, runner };
}

describe('GroupRunner: re-announcing after another node claimed', () => {
  it("a lower master's claim: logged with its reason and peer, counted, announced by the owner and checked at once", async () => {
    const { lines, counted, owner, timers, runner } = setup();
    runner.start(0);
    runner.onAdvert({ kind: 'advert', from: 'b', priority: 100, role: 'BACKUP', intervalMs: 100 }, 10);
    runner.tick(400); // a (200) claims: down interval 300 + skew 21.9
    await flush();
    expect(runner.role).toBe('MASTER');
    expect(owner.log).toEqual(['acquire']);
    timers.pending = timers.pending.filter((p) => p.ms !== 3000);

    runner.onAdvert({ kind: 'advert', from: 'b', priority: 100, role: 'MASTER', intervalMs: 100 }, 500);
    const said = lines.filter((l) => l.obj.event === 'reannounce');
    expect(said).toEqual([
      {
        level: 'warn',
        obj: { event: 'reannounce', reason: 'lower-master', peer: 'b', coalesced: 0 },
        msg: 'announcing the VIPs of web again: b claimed MASTER',
      },
    ]);
    expect(counted).toEqual(['web lower-master 1700000000']);
    expect(owner.log).toEqual(['acquire', 'announce web']);
    expect(timers.pending.map((p) => p.ms)).toEqual([0]);

    // Rate-limited by reannounceMinIntervalMs: the stall right after is deferred, not executed now.
    runner.noteStall(600, 1000);
    expect(counted).toHaveLength(1);
    expect(owner.log).toEqual(['acquire', 'announce web']);
  });

  it('a backup that hears claims never announces', async () => {
    const { counted, owner, runner } = setup();
    runner.start(0);
    runner.onAdvert({ kind: 'advert', from: 'b', priority: 250, role: 'MASTER', intervalMs: 100 }, 10);
    runner.noteStall(2000, 1500);
    runner.onAdvert({ kind: 'advert', from: 'b', priority: 250, role: 'MASTER', intervalMs: 100 }, 2000);
    await flush();
    expect(counted).toEqual([]);
    expect(owner.log).toEqual([]);
  });
});
