import type { GroupConfig } from '../../src/config/types';
import { VipdError } from '../../src/errors';
import type { AcquireControl, AcquireReport, RepairReport, VerifyReport, VipOwner } from '../../src/owner/types';
import { OwnershipReconciler, type OwnershipListener } from '../../src/runtime/ownership';
import { silentLogger } from '../../src/util/logger';
import type { TimerHandle, Timers } from '../../src/util/timers';
import { testGroup } from '../support/config';

const group = testGroup((g) => void (g.vips = ['10.0.1.42']));

/** Timers the test fires by hand. */
class ManualTimers implements Timers {
  pending: Array<{ fn: () => void; ms: number; handle: TimerHandle }> = [];
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = {};
    this.pending.push({ fn, ms, handle });
    return handle;
  }
  clearTimeout(handle: TimerHandle): void {
    this.pending = this.pending.filter((p) => p.handle !== handle);
  }
  fireAll(): void {
    const due = this.pending;
    this.pending = [];
    for (const p of due) p.fn();
  }
}

type Deferred = { resolve: () => void; reject: (e: unknown) => void };

/** An owner whose operations complete only when the test says so, recording their order. */
class GatedOwner implements VipOwner {
  readonly log: string[] = [];
  readonly gates: Deferred[] = [];
  verifyResult: VerifyReport = { vips: [] };
  standby?: (group: GroupConfig) => Promise<void>;
  announce?: (group: GroupConfig) => Promise<void>;
  repairs: string[] = [];
  private gate(name: string): Promise<void> {
    this.log.push(`${name}:start`);
    return new Promise<void>((resolve, reject) => {
      this.gates.push({
        resolve: () => {
          this.log.push(`${name}:end`);
          resolve();
        },
        reject,
      });
    });
  }
  async cleanup(): Promise<void> {}
  async acquire(): Promise<AcquireReport> {
    await this.gate('acquire');
    return { timings: { cloudMs: 5, osMs: 1 }, cloudCalls: 1 };
  }
  async release(): Promise<void> {
    await this.gate('release');
  }
  async verify(): Promise<VerifyReport> {
    this.log.push('verify');
    return this.verifyResult;
  }
  async repair(): Promise<RepairReport> {
    this.log.push('repair');
    return { repairs: this.repairs };
  }
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

function setup(hooks: { onVerified?: (rec: OwnershipReconciler) => void; onFailed?: (rec: OwnershipReconciler) => void } = {}) {
  const owner = new GatedOwner();
  const timers = new ManualTimers();
  const events: string[] = [];
  const listener: OwnershipListener = {
    acquired: () => events.push('acquired'),
    released: () => events.push('released'),
    failed: (e, op) => {
      events.push(`failed:${op}:${e.code}`);
      hooks.onFailed?.(rec);
    },
    verified: () => {
      events.push('verified');
      hooks.onVerified?.(rec);
    },
    repaired: (r) => events.push(`repaired:${r.join(',')}`),
    verifyFailed: (e) => events.push(`verifyFailed:${e.code}`),
  };
  let now = 0;
  const rec = new OwnershipReconciler(group, {
    owner,
    clock: { nowMs: () => (now += 1) },
    timers,
    logger: silentLogger(),
    options: { acquireDeadlineMs: 1000, reconcileIntervalMs: 3000, retryDelayMs: 500 },
    listener,
  });
  return { owner, timers, events, rec };
}

describe('OwnershipReconciler', () => {
  it('never lets a release overtake the acquire in flight, and ends where desired', async () => {
    const { owner, events, rec } = setup();
    rec.want('active');
    await flush();
    rec.want('inactive'); // arrives while acquire is in flight
    rec.want('active');
    rec.want('inactive');
    expect(owner.log).toEqual(['acquire:start']);
    owner.gates.shift()?.resolve();
    await flush();
    expect(owner.log).toEqual(['acquire:start', 'acquire:end', 'release:start']);
    owner.gates.shift()?.resolve();
    await rec.settle();
    expect(rec.applied).toBe('inactive');
    // The acquire finished after the change of mind: it is not reported (no "VIPs ready" after a preemption).
    expect(events).toEqual(['released']);
  });

  it('an acquire that completes after the VIPs stopped being wanted, then wanted again, is not reported: a fresh acquire is', async () => {
    const { owner, events, rec } = setup();
    rec.want('active');
    await flush();
    rec.want('inactive'); // preempted while the acquire runs (an owner past cancelling finishes anyway)
    rec.want('active'); // and master again before it landed
    owner.gates.shift()?.resolve();
    await flush();
    expect(events).toEqual([]);
    expect(owner.log).toEqual(['acquire:start', 'acquire:end', 'acquire:start']);
    owner.gates.shift()?.resolve();
    await rec.settle();
    expect(rec.applied).toBe('active');
    expect(events).toEqual(['acquired']);
  });

  it('retries a transient acquire failure after the retry delay, not in a hot loop', async () => {
    const { owner, timers, events, rec } = setup();
    rec.want('active');
    await flush();
    owner.gates.shift()?.reject(new VipdError('VIPD_E_CLOUD_THROTTLED', 'slow down', { transient: true }));
    await rec.settle();
    expect(rec.applied).toBe('unknown');
    expect(owner.log).toEqual(['acquire:start']);
    expect(timers.pending.map((p) => p.ms)).toEqual([500]);
    timers.fireAll();
    await flush();
    expect(owner.log).toEqual(['acquire:start', 'acquire:start']);
    owner.gates.shift()?.resolve();
    await rec.settle();
    expect(rec.applied).toBe('active');
    expect(events).toEqual(['acquired']);
  });

  const unconfirmed = (): VipdError => new VipdError('VIPD_E_CLOUD_UNCONFIRMED', 'assigned but not confirmed', { transient: true });
  const heldBy = (instanceId: string): VerifyReport => ({
    vips: [{ address: '10.0.1.42', cloud: { kind: 'other', instanceId, nodeId: 'n1', primaryAddress: '10.0.1.10' }, os: null }],
  });

  it('assigned but never confirmed: the holders go to the election first, and a step-down releases at once without a retry', async () => {
    // The election (GroupRunner) steps down when the holder outranks us: it says so through want().
    const { owner, timers, events, rec } = setup({ onVerified: (r) => r.want('inactive') });
    owner.verifyResult = heldBy('i-n1');
    rec.want('active');
    await flush();
    owner.gates.shift()?.reject(unconfirmed());
    await flush();
    expect(owner.log).toEqual(['acquire:start', 'verify', 'release:start']);
    owner.gates.shift()?.resolve();
    await rec.settle();
    expect(rec.applied).toBe('inactive');
    expect(events).toEqual(['verified', 'released']);
    expect(timers.pending.map((p) => p.ms)).toEqual([3000]); // the periodic check only, no acquire retry
  });

  it('assigned but never confirmed, and the election keeps the mastership: assigns again after the retry delay', async () => {
    const { owner, timers, events, rec } = setup();
    owner.verifyResult = heldBy('i-stranger');
    rec.want('active');
    await flush();
    owner.gates.shift()?.reject(unconfirmed());
    await rec.settle();
    expect(owner.log).toEqual(['acquire:start', 'verify']);
    expect(events).toEqual(['verified']);
    expect(timers.pending.map((p) => p.ms)).toEqual([500]);
    timers.fireAll();
    await flush();
    expect(owner.log).toEqual(['acquire:start', 'verify', 'acquire:start']);
  });

  it('overtaken, and the election asks for the VIPs back on that read: assigns again at once, not after the retry delay', async () => {
    // The election (GroupRunner) contests a lower holder and asks for a re-assert while the step is still in flight.
    const { owner, timers, events, rec } = setup({ onVerified: (r) => r.reassert() });
    owner.verifyResult = heldBy('i-lower');
    rec.want('active');
    await flush();
    owner.gates.shift()?.reject(unconfirmed());
    await flush();
    await flush();
    expect(owner.log).toEqual(['acquire:start', 'verify', 'acquire:start']);
    expect(events).toEqual(['verified']);
    expect(timers.pending).toEqual([]);
    owner.gates.shift()?.resolve();
    await rec.settle();
    expect(rec.applied).toBe('active');
  });

  it('a contender heard during an acquire reaches that acquire only (its watch), never one started later', async () => {
    const { owner, rec } = setup();
    const controls: AcquireControl[] = [];
    const gated = owner.acquire.bind(owner);
    (owner as VipOwner).acquire = async (_g: GroupConfig, _deadline: number, control?: AcquireControl) => {
      controls.push(control ?? {});
      return gated();
    };
    rec.contenderHeard('n0'); // nothing in flight: nothing to tell
    rec.want('active');
    await flush();
    expect([...controls[0]!.contenders!]).toEqual([]);
    rec.contenderHeard('n2');
    expect([...controls[0]!.contenders!]).toEqual(['n2']);
    owner.gates.shift()?.reject(unconfirmed());
    await rec.settle();
    rec.reassert();
    await flush();
    expect(controls).toHaveLength(2);
    expect([...controls[1]!.contenders!]).toEqual([]);
    owner.gates.shift()?.resolve();
    await rec.settle();
  });

  it('calls that failed until the deadline (VIPD_E_CLOUD_DEADLINE) read no holders: the cloud would still name the dead master', async () => {
    const { owner, timers, events, rec } = setup({ onVerified: (r) => r.want('inactive') });
    owner.verifyResult = heldBy('i-n1');
    rec.want('active');
    await flush();
    owner.gates.shift()?.reject(new VipdError('VIPD_E_CLOUD_DEADLINE', 'throttled throughout', { transient: true }));
    await rec.settle();
    expect(owner.log).toEqual(['acquire:start']);
    expect(events).toEqual([]);
    expect(rec.wanted).toBe('active');
    expect(timers.pending.map((p) => p.ms)).toEqual([500]);
  });

  it('assigned but never confirmed, and the holder read fails: reported, and the acquire is retried', async () => {
    const { owner, timers, events, rec } = setup();
    owner.verify = async () => {
      owner.log.push('verify');
      throw new VipdError('VIPD_E_CLOUD_UNAVAILABLE', 'describe 503', { transient: true });
    };
    rec.want('active');
    await flush();
    owner.gates.shift()?.reject(unconfirmed());
    await rec.settle();
    expect(owner.log).toEqual(['acquire:start', 'verify']);
    expect(events).toEqual(['verifyFailed:VIPD_E_CLOUD_UNAVAILABLE']);
    expect(timers.pending.map((p) => p.ms)).toEqual([500]);
  });

  it('before a stop, a failing release is tried again a bounded number of times instead of dying with its retry timer', async () => {
    const { owner, timers, rec } = setup();
    rec.want('active');
    await flush();
    owner.gates.shift()?.resolve();
    await rec.settle();
    rec.want('inactive');
    await flush();
    owner.gates.shift()?.reject(new VipdError('VIPD_E_COMMAND_FAILED', 'ip failed', { transient: true }));
    const done = rec.releaseBeforeStop(3, 200);
    let applied: string | null = null;
    void done.then((a) => (applied = a));
    await flush();
    timers.fireAll(); // the wait before the second attempt (and the stale retry timer)
    await flush();
    owner.gates.shift()?.reject(new VipdError('VIPD_E_COMMAND_FAILED', 'ip failed again', { transient: true }));
    await flush();
    timers.fireAll();
    await flush();
    owner.gates.shift()?.resolve(); // the third attempt works
    await flush();
    expect(await done).toBe('inactive');
    expect(applied).toBe('inactive');
    expect(owner.log.filter((l) => l === 'release:start')).toHaveLength(3);
  });

  it('before a stop, gives up after the attempts and says what is applied', async () => {
    const { owner, timers, rec } = setup();
    rec.want('active');
    await flush();
    owner.gates.shift()?.resolve();
    await rec.settle();
    rec.want('inactive');
    const done = rec.releaseBeforeStop(2, 200);
    let finished = false;
    void done.then(() => (finished = true));
    for (let i = 0; i < 10 && !finished; i++) {
      await flush();
      owner.gates.shift()?.reject(new VipdError('VIPD_E_COMMAND_FAILED', 'ip failed', { transient: true }));
      await flush();
      if (!finished) timers.fireAll();
    }
    expect(await done).toBe('unknown');
    expect(owner.log.filter((l) => l === 'release:start')).toHaveLength(3); // the first plus two more
    rec.close();
    expect(timers.pending).toEqual([]);
  });

  it('reports a permanent failure once and does not retry it', async () => {
    const { owner, timers, events, rec } = setup();
    rec.want('active');
    await flush();
    owner.gates.shift()?.reject(new VipdError('VIPD_E_CLOUD_PERMISSION', 'denied'));
    await rec.settle();
    expect(events).toEqual(['failed:acquire:VIPD_E_CLOUD_PERMISSION']);
    expect(timers.pending).toEqual([]);
  });

  it('after a permanent failure the loop waits for the election, and a new wish tries once more', async () => {
    const { owner, timers, events, rec } = setup();
    rec.want('active');
    await flush();
    owner.gates.shift()?.reject(new VipdError('VIPD_E_CLOUD_PERMISSION', 'denied'));
    await rec.settle();
    timers.fireAll();
    await flush();
    expect(owner.log).toEqual(['acquire:start']);
    rec.want('active'); // the hold ended and the node claimed again
    await flush();
    expect(owner.log).toEqual(['acquire:start', 'acquire:start']);
    owner.gates.shift()?.resolve();
    await rec.settle();
    expect(events).toEqual(['failed:acquire:VIPD_E_CLOUD_PERMISSION', 'acquired']);
  });

  it('a permanent failure sends the group to FAULT; the release that follows runs at once (a half-done acquire must not stay on the host)', async () => {
    // GroupRunner: failed -> FAULT -> want('inactive'), synchronously.
    const { owner, timers, events, rec } = setup({ onFailed: (r) => r.want('inactive') });
    rec.want('active');
    await flush();
    owner.gates.shift()?.reject(new VipdError('VIPD_E_COMMAND_FAILED', 'rule add failed after the address was added'));
    await flush();
    expect(owner.log).toEqual(['acquire:start', 'release:start']);
    owner.gates.shift()?.resolve();
    await rec.settle();
    expect(rec.applied).toBe('inactive');
    expect(events).toEqual(['failed:acquire:VIPD_E_COMMAND_FAILED', 'released']);
    expect(timers.pending.map((p) => p.ms)).toEqual([3000]);
  });

  it('while active, repairs and verifies periodically; a verify error is reported, not read as "nothing there"', async () => {
    const { owner, timers, events, rec } = setup();
    rec.want('active');
    await flush();
    owner.gates.shift()?.resolve();
    await rec.settle();
    expect(timers.pending.map((p) => p.ms)).toEqual([3000]);
    owner.repairs = ['re-added 10.0.1.42/24 on eth0'];
    timers.fireAll();
    await rec.settle();
    expect(events).toEqual(['acquired', 'repaired:re-added 10.0.1.42/24 on eth0', 'verified']);
    owner.verify = async () => {
      throw new VipdError('VIPD_E_METADATA', 'metadata down', { transient: true });
    };
    owner.repairs = [];
    timers.fireAll();
    await rec.settle();
    expect(events[events.length - 1]).toBe('verifyFailed:VIPD_E_METADATA');
    expect(rec.applied).toBe('active');
  });

  it('a change of mind aborts the acquire in flight and goes on to release, without a retry delay or a fault', async () => {
    const { owner, timers, events, rec } = setup();
    let seen: AbortSignal | undefined;
    const gatedAcquire = owner.acquire.bind(owner);
    (owner as VipOwner).acquire = async (_g: GroupConfig, _deadline: number, control?: AcquireControl) => {
      const signal = control?.signal;
      seen = signal;
      // An owner honouring the signal stops as soon as it fires (CloudMover does, between polls).
      signal?.addEventListener('abort', () => owner.gates.shift()?.reject(new VipdError('VIPD_E_CANCELLED', 'abandoned')));
      return gatedAcquire();
    };
    rec.want('active');
    await flush();
    expect(seen?.aborted).toBe(false);
    rec.want('inactive');
    expect(seen?.aborted).toBe(true);
    await flush();
    expect(owner.log).toEqual(['acquire:start', 'release:start']);
    owner.gates.shift()?.resolve();
    await rec.settle();
    expect(rec.applied).toBe('inactive');
    expect(events).toEqual(['released']);
    expect(timers.pending.map((p) => p.ms)).toEqual([3000]);
  });

  it('reassert re-runs acquire although applied says active', async () => {
    const { owner, rec } = setup();
    rec.want('active');
    await flush();
    owner.gates.shift()?.resolve();
    await rec.settle();
    rec.reassert();
    await flush();
    expect(owner.log.filter((l) => l === 'acquire:start')).toHaveLength(2);
    owner.gates.shift()?.resolve();
    await rec.settle();
    expect(rec.applied).toBe('active');
  });
});

describe('OwnershipReconciler standby', () => {
  it('refreshes the standby reading right after a release, and still acts on a change that arrives meanwhile', async () => {
    const { owner, rec } = setup();
    const standbyGate = { open: (): void => undefined };
    owner.standby = () => {
      owner.log.push('standby');
      return new Promise<void>((resolve) => {
        standbyGate.open = resolve;
      });
    };
    rec.want('active');
    await flush();
    owner.gates.shift()?.resolve();
    await flush();
    rec.want('inactive');
    await flush();
    owner.gates.shift()?.resolve(); // release done -> standby starts
    await flush();
    expect(owner.log.slice(-1)).toEqual(['standby']);
    rec.want('active'); // arrives while the standby read is in flight
    standbyGate.open();
    await flush();
    expect(owner.log.filter((l) => l === 'acquire:start')).toHaveLength(2);
    owner.gates.shift()?.resolve();
    await rec.settle();
    expect(rec.applied).toBe('active');
  });

  it('while watching (yielded to a cloud holder), each inactive check reads the holders and reports them', async () => {
    const { owner, rec, timers, events } = setup();
    rec.startInactive();
    await flush();
    expect(owner.log).toEqual([]); // no standby, not watching: nothing to read
    rec.watchHolders(true);
    timers.fireAll();
    await flush();
    expect(owner.log).toEqual(['verify']);
    expect(events).toEqual(['verified']);
    timers.fireAll();
    await flush();
    expect(events).toEqual(['verified', 'verified']);
    rec.watchHolders(false);
    timers.fireAll();
    await flush();
    expect(owner.log).toEqual(['verify', 'verify']);
  });

  it('ending the watch drops a holder read in flight (it names the holder from before)', async () => {
    const { owner, rec, timers, events } = setup();
    let answer: () => void = () => undefined;
    owner.verify = () => new Promise<VerifyReport>((resolve) => (answer = () => resolve({ vips: [] })));
    rec.startInactive();
    rec.watchHolders(true);
    await flush();
    timers.fireAll();
    await flush();
    rec.watchHolders(false); // the yielded-to peer was heard again
    answer();
    await flush();
    expect(events).toEqual([]);
    expect(timers.pending.map((p) => p.ms)).toEqual([3000]);
  });

  it('at start (BACKUP, host cleaned up) takes the standby reading at once and refreshes it every period', async () => {
    const { owner, rec, timers } = setup();
    owner.standby = async () => {
      owner.log.push('standby');
    };
    expect(rec.applied).toBe('unknown');
    rec.startInactive();
    await flush();
    expect(owner.log).toEqual(['standby']);
    expect(rec.applied).toBe('inactive');
    timers.fireAll();
    await flush();
    expect(owner.log).toEqual(['standby', 'standby']);
    // No release was run: nothing was ours to remove.
    expect(owner.log.some((l) => l.startsWith('release'))).toBe(false);
  });

  it('startInactive does nothing once the group is wanted active or something is in flight', async () => {
    const { owner, rec } = setup();
    owner.standby = async () => {
      owner.log.push('standby');
    };
    rec.want('active');
    rec.startInactive();
    await flush();
    expect(owner.log).toEqual(['acquire:start']);
    expect(rec.wanted).toBe('active');
  });
});

describe('OwnershipReconciler.announceAgain (another node claimed the group)', () => {
  function withAnnounce() {
    const s = setup();
    s.owner.announce = async () => {
      s.owner.log.push('announce');
    };
    return s;
  }

  async function active(s: ReturnType<typeof withAnnounce>): Promise<void> {
    s.rec.want('active');
    await flush();
    s.owner.gates.shift()?.resolve();
    await s.rec.settle();
    s.owner.log.length = 0;
  }

  it('announces at once and runs the periodic check now instead of at its interval', async () => {
    const s = withAnnounce();
    await active(s);
    expect(s.timers.pending.map((p) => p.ms)).toEqual([3000]);
    s.rec.announceAgain();
    expect(s.owner.log).toEqual(['announce']);
    expect(s.timers.pending.map((p) => p.ms)).toEqual([0]);
    s.timers.fireAll();
    await s.rec.settle();
    expect(s.owner.log).toEqual(['announce', 'repair', 'verify']);
    expect(s.events).toEqual(['acquired', 'verified']);
    // Then back to the ordinary period.
    expect(s.timers.pending.map((p) => p.ms)).toEqual([3000]);
  });

  it('a cloud holder other than us found by that check is re-asserted through the acquire path', async () => {
    const s = setup({ onVerified: (r) => r.reassert() });
    s.owner.announce = async () => {
      s.owner.log.push('announce');
    };
    await active(s);
    s.owner.verifyResult = {
      vips: [{ address: '10.0.1.42', cloud: { kind: 'other', instanceId: 'i-n2', nodeId: 'n2', primaryAddress: '10.0.1.11' }, os: null }],
    };
    s.rec.announceAgain();
    s.timers.fireAll();
    await flush();
    await flush();
    expect(s.owner.log).toEqual(['announce', 'repair', 'verify', 'acquire:start']);
  });

  it('while an operation is in flight: the check runs as soon as it ends, not a period later', async () => {
    const s = withAnnounce();
    await active(s);
    s.rec.reassert(); // an acquire in flight
    await flush();
    s.rec.announceAgain();
    expect(s.owner.log).toEqual(['acquire:start']); // applied is not 'active': the acquire announces when it lands
    expect(s.timers.pending).toEqual([]);
    s.owner.gates.shift()?.resolve();
    await s.rec.settle();
    expect(s.timers.pending.map((p) => p.ms)).toEqual([0]);
  });

  it('does nothing for a group not wanted active (a backup never announces)', async () => {
    const s = withAnnounce();
    s.rec.announceAgain();
    await flush();
    expect(s.owner.log).toEqual([]);
    expect(s.timers.pending).toEqual([]);
  });

  it('a failing announcement is logged, never thrown, and the check still runs', async () => {
    const s = setup();
    s.owner.announce = async () => {
      s.owner.log.push('announce');
      throw new VipdError('VIPD_E_GARP', 'ENOBUFS', { transient: true });
    };
    await active(s);
    s.rec.announceAgain();
    await flush();
    expect(s.timers.pending.map((p) => p.ms)).toEqual([0]);
  });
});
