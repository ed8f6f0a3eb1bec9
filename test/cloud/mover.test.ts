import { CloudMover } from '../../src/cloud/mover';
import type { CloudCallContext, CloudFacts, CloudHolder, CloudIdentity, CloudProvider, CloudVip } from '../../src/cloud/provider';
import { VipdError } from '../../src/errors';
import type { TimerHandle, Timers } from '../../src/util/timers';
import { silentLogger } from '../../src/util/logger';
import { rejection } from '../support/rejection';

/** A cloud whose answers are scripted per call; every call is recorded. */
class ScriptedCloud implements CloudProvider {
  readonly name = 'scripted';
  readonly calls: string[] = [];
  assignScript: (VipdError | Error | null)[] = [];
  confirmScript: (boolean | VipdError)[] = [];
  holdersAnswer: ReadonlyMap<string, CloudHolder> | VipdError = new Map();
  /** The context of every call, in order. */
  readonly contexts: CloudCallContext[] = [];

  async identity(): Promise<CloudIdentity> {
    return { provider: 'scripted', instanceId: 'i-1', nicId: 'nic-1', mac: '02:00:00:00:00:01', subnetCidr: '10.0.0.0/24', region: null, extra: {} };
  }
  async assign(vips: readonly CloudVip[], ctx: CloudCallContext): Promise<void> {
    this.contexts.push(ctx);
    this.calls.push(`assign ${vips.map((v) => v.address).join(',')}`);
    const next = this.assignScript.shift() ?? null;
    if (next !== null) throw next;
  }
  async confirm(_vips: readonly CloudVip[], _ctx: CloudCallContext): Promise<boolean> {
    this.calls.push('confirm');
    const next = this.confirmScript.length > 1 ? this.confirmScript.shift()! : (this.confirmScript[0] ?? true);
    if (next instanceof VipdError) throw next;
    return next;
  }
  async holders(): Promise<ReadonlyMap<string, CloudHolder>> {
    this.calls.push('holders');
    if (this.holdersAnswer instanceof VipdError) throw this.holdersAnswer;
    return this.holdersAnswer;
  }
  async observeHolders(vips: readonly CloudVip[], ctx: CloudCallContext): Promise<ReadonlyMap<string, CloudHolder>> {
    this.contexts.push(ctx);
    this.calls.push('observeHolders');
    return this.holders();
  }
  async describe(): Promise<CloudFacts> {
    return { nicId: 'nic-1', addressCapacity: null, checks: [] };
  }
}

/** Timers that fire only when the test says (the deadline of a call context). */
class ManualTimers implements Timers {
  readonly pending: { fn: () => void; ms: number; cleared: boolean }[] = [];
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t = { fn, ms, cleared: false, unref: () => undefined };
    this.pending.push(t);
    return t;
  }
  clearTimeout(handle: TimerHandle): void {
    (handle as { cleared: boolean }).cleared = true;
  }
  fireAll(): void {
    for (const t of this.pending.splice(0)) if (!t.cleared) t.fn();
  }
  live(): number {
    return this.pending.filter((t) => !t.cleared).length;
  }
}

class FakeTime {
  now = 0;
  readonly clock = { nowMs: () => this.now };
  readonly sleep = async (ms: number): Promise<void> => {
    this.now += ms;
  };
}

const VIPS: CloudVip[] = [{ address: '10.0.0.42' }, { address: '10.0.0.43' }];
const throttled = () => new VipdError('VIPD_E_CLOUD_THROTTLED', 'slow down', { transient: true });
const metadataHiccup = () => new VipdError('VIPD_E_METADATA', '500', { transient: true });

function setup(provider: CloudProvider = new ScriptedCloud()) {
  const t = new FakeTime();
  const timers = new ManualTimers();
  const mover = new CloudMover({
    provider,
    clock: t.clock,
    timers,
    sleep: t.sleep,
    random: () => 0.5,
    logger: silentLogger(),
    confirmPollMs: 200,
    baseDelayMs: 100,
    maxDelayMs: 1_000,
  });
  return { t, mover, timers };
}

describe('CloudMover', () => {
  it('one assign for all VIPs, then polls confirm until the cloud reports them', async () => {
    const cloud = new ScriptedCloud();
    cloud.confirmScript = [false, false, true];
    const { t, mover } = setup(cloud);
    const result = await mover.acquire(VIPS, 10_000);
    expect(cloud.calls).toEqual(['assign 10.0.0.42,10.0.0.43', 'confirm', 'confirm', 'confirm']);
    expect(result).toEqual({ cloudMs: 400, assignCalls: 1 });
    expect(t.now).toBe(400);
  });

  it('retries a throttled assign, never re-assigns after a success', async () => {
    const cloud = new ScriptedCloud();
    cloud.assignScript = [throttled(), throttled(), null];
    cloud.confirmScript = [false, true];
    const { mover } = setup(cloud);
    const result = await mover.acquire(VIPS, 10_000);
    expect(result.assignCalls).toBe(3);
    expect(cloud.calls.filter((c) => c.startsWith('assign'))).toHaveLength(3);
    expect(cloud.calls.slice(3)).toEqual(['confirm', 'confirm']);
  });

  it('a permanent assign error stops at once: one call, no confirm', async () => {
    const cloud = new ScriptedCloud();
    cloud.assignScript = [new VipdError('VIPD_E_CLOUD_PERMISSION', 'denied')];
    const { mover } = setup(cloud);
    const e = await rejection(mover.acquire(VIPS, 10_000));
    expect(e.code).toBe('VIPD_E_CLOUD_PERMISSION');
    expect(cloud.calls).toEqual(['assign 10.0.0.42,10.0.0.43']);
  });

  it('a transient confirm failure is "not yet"; a deadline without confirmation is VIPD_E_CLOUD_UNCONFIRMED', async () => {
    const cloud = new ScriptedCloud();
    cloud.confirmScript = [metadataHiccup(), false];
    const { t, mover } = setup(cloud);
    const e = await rejection(mover.acquire(VIPS, 1_000));
    expect(e.code).toBe('VIPD_E_CLOUD_UNCONFIRMED');
    expect(e.transient).toBe(true);
    expect(e.message).toContain('did not confirm');
    expect(t.now).toBe(1_000);
    expect(cloud.calls.filter((c) => c.startsWith('assign'))).toHaveLength(1);
  });

  it('carries the last confirm error as the cause when every check failed', async () => {
    const cloud = new ScriptedCloud();
    cloud.confirmScript = [metadataHiccup()];
    const { mover } = setup(cloud);
    const e = await rejection(mover.acquire(VIPS, 500));
    expect((e.cause as VipdError).code).toBe('VIPD_E_METADATA');
  });

  it('a permanent confirm error is thrown, not polled through', async () => {
    const cloud = new ScriptedCloud();
    cloud.confirmScript = [new VipdError('VIPD_E_METADATA', 'garbage in local-ipv4s', { transient: false })];
    const { mover } = setup(cloud);
    expect((await rejection(mover.acquire(VIPS, 10_000))).message).toContain('garbage');
  });

  it('a cancelled acquire makes no further assign or confirm and says why (VIPD_E_CANCELLED, not retried)', async () => {
    const cloud = new ScriptedCloud();
    cloud.confirmScript = [false];
    const { t, mover } = setup(cloud);
    const abort = new AbortController();
    const pending = rejection(mover.acquire(VIPS, 10_000, { signal: abort.signal }));
    // Let it poll a few times, then the node stops wanting the VIPs.
    while (t.now < 600) await Promise.resolve();
    abort.abort();
    const e = await pending;
    expect(e.code).toBe('VIPD_E_CANCELLED');
    expect(e.transient).toBe(false);
    const polls = cloud.calls.filter((c) => c === 'confirm').length;
    expect(t.now).toBeLessThan(1_000);
    expect(cloud.calls).toEqual(['assign 10.0.0.42,10.0.0.43', ...Array<string>(polls).fill('confirm')]);
  });

  it('cancelled before the first attempt: no call at all; during throttling backoff: no further assign', async () => {
    const cloud = new ScriptedCloud();
    const { mover } = setup(cloud);
    const abort = new AbortController();
    abort.abort();
    expect((await rejection(mover.acquire(VIPS, 10_000, { signal: abort.signal }))).code).toBe('VIPD_E_CANCELLED');
    expect(cloud.calls).toEqual([]);

    const throttledCloud = new ScriptedCloud();
    throttledCloud.assignScript = [throttled(), throttled(), null];
    const later = new AbortController();
    const t = new FakeTime();
    const m = new CloudMover({
      provider: throttledCloud,
      clock: t.clock,
      sleep: async (ms) => {
        t.now += ms;
        later.abort();
      },
      random: () => 0.5,
      logger: silentLogger(),
      timers: new ManualTimers(),
    });
    expect((await rejection(m.acquire(VIPS, 10_000, { signal: later.signal }))).code).toBe('VIPD_E_CANCELLED');
    expect(throttledCloud.calls).toEqual(['assign 10.0.0.42,10.0.0.43']);
  });

  it('prepare reads the identity at start, retrying transient metadata errors', async () => {
    const cloud = new ScriptedCloud();
    let failures = 2;
    cloud.identity = async () => {
      cloud.calls.push('identity');
      if (failures-- > 0) throw metadataHiccup();
      return { provider: 'scripted', instanceId: 'i-1', nicId: 'nic-1', mac: '02:00:00:00:00:01', subnetCidr: '10.0.0.0/24', region: null, extra: {} };
    };
    const { mover } = setup(cloud);
    expect(await mover.prepare(10_000)).toMatchObject({ instanceId: 'i-1' });
    expect(cloud.calls).toEqual(['identity', 'identity', 'identity']);
  });

  it('prepare gives up at the deadline with the metadata error itself (not VIPD_E_CLOUD_DEADLINE)', async () => {
    const cloud = new ScriptedCloud();
    cloud.identity = async () => {
      cloud.calls.push('identity');
      throw new VipdError('VIPD_E_METADATA', 'instance metadata PUT /latest/api/token failed: connect ECONNREFUSED', { transient: true });
    };
    const { t, mover } = setup(cloud);
    const e = await rejection(mover.prepare(2_000));
    expect(e.code).toBe('VIPD_E_METADATA');
    expect(e.message).toMatch(/^cannot read this instance's scripted identity at start \([0-9]+ attempts in [0-9]+ ms\): instance metadata PUT/);
    expect(e.details.attempts).toBe(cloud.calls.length);
    expect(cloud.calls.length).toBeGreaterThan(2);
    expect(t.now).toBeLessThanOrEqual(2_000);
  });

  it('prepare: a permanent identity error (no NIC with this MAC) is thrown after one call', async () => {
    const cloud = new ScriptedCloud();
    cloud.identity = async () => {
      cloud.calls.push('identity');
      throw new VipdError('VIPD_E_IDENTITY', 'no NIC has MAC 02:..');
    };
    const { mover } = setup(cloud);
    expect((await rejection(mover.prepare(10_000))).code).toBe('VIPD_E_IDENTITY');
    expect(cloud.calls).toEqual(['identity']);
  });

  it('nothing to do for an empty VIP list', async () => {
    const cloud = new ScriptedCloud();
    const { mover } = setup(cloud);
    expect(await mover.acquire([], 1_000)).toEqual({ cloudMs: 0, assignCalls: 0 });
    expect(cloud.calls).toEqual([]);
  });

  it('every provider call gets a context carrying the deadline; its timer is cleared when the acquire ends', async () => {
    const cloud = new ScriptedCloud();
    const { mover, timers } = setup(cloud);
    await mover.acquire(VIPS, 5_000);
    expect(cloud.contexts.map((c) => c.deadlineAt)).toEqual([5_000]);
    expect(cloud.contexts[0]!.signal.aborted).toBe(false);
    expect(timers.pending.map((t) => t.ms)).toEqual([5_000]);
    expect(timers.live()).toBe(0);
  });

  it("preempted with an assign in flight: the call's signal aborts with VIPD_E_CANCELLED and the acquire ends with it, no confirm", async () => {
    const cloud = new ScriptedCloud();
    let seen: CloudCallContext | null = null;
    cloud.assign = (_vips, ctx) => {
      cloud.calls.push('assign');
      seen = ctx;
      // A request that only ends when its signal says so (what the SDK does with abortSignal).
      return new Promise<void>((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
    };
    const { mover } = setup(cloud);
    const abort = new AbortController();
    const pending = rejection(mover.acquire(VIPS, 10_000, { signal: abort.signal }));
    await Promise.resolve();
    abort.abort();
    const e = await pending;
    expect(e.code).toBe('VIPD_E_CANCELLED');
    expect(seen!.signal.aborted).toBe(true);
    expect(cloud.calls).toEqual(['assign']);
  });

  it('the deadline passes with an assign in flight: the call is aborted (not left running) and the acquire gives up with VIPD_E_CLOUD_DEADLINE', async () => {
    const cloud = new ScriptedCloud();
    const { t, mover, timers } = setup(cloud);
    cloud.assign = (_vips, ctx) => {
      cloud.calls.push('assign');
      return new Promise<void>((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
    };
    const pending = rejection(mover.acquire(VIPS, 3_000));
    await Promise.resolve();
    t.now = 3_000;
    timers.fireAll();
    const e = await pending;
    expect(e.code).toBe('VIPD_E_CLOUD_DEADLINE');
    expect(cloud.calls).toEqual(['assign']);
  });

  it('a cancelled confirm poll in flight ends the acquire with VIPD_E_CANCELLED, not VIPD_E_CLOUD_UNCONFIRMED', async () => {
    const cloud = new ScriptedCloud();
    cloud.confirm = (_vips, ctx) => {
      cloud.calls.push('confirm');
      return new Promise<boolean>((_resolve, reject) =>
        ctx.signal.addEventListener('abort', () => reject(new VipdError('VIPD_E_METADATA', 'socket closed', { transient: true }))),
      );
    };
    const { mover } = setup(cloud);
    const abort = new AbortController();
    const pending = rejection(mover.acquire(VIPS, 10_000, { signal: abort.signal }));
    await new Promise((r) => setImmediate(r));
    abort.abort();
    expect((await pending).code).toBe('VIPD_E_CANCELLED');
  });

  it("verifyHolders asks the provider's own observation, with a context bounded by the observe budget", async () => {
    const cloud = new ScriptedCloud();
    cloud.holdersAnswer = new Map<string, CloudHolder>([['10.0.0.42', { kind: 'me' }]]);
    const t = new FakeTime();
    t.now = 100;
    const timers = new ManualTimers();
    const mover = new CloudMover({
      provider: cloud,
      clock: t.clock,
      timers,
      sleep: t.sleep,
      random: () => 0.5,
      logger: silentLogger(),
      observeBudgetMs: 4_000,
    });
    expect((await mover.verifyHolders(VIPS.slice(0, 1))).get('10.0.0.42')).toEqual({ kind: 'me' });
    expect(cloud.calls).toEqual(['observeHolders', 'holders']);
    expect(cloud.contexts[0]!.deadlineAt).toBe(4_100);
    expect(timers.live()).toBe(0);
  });

  it('the deadline timer firing during a confirm wait ends the acquire as VIPD_E_CLOUD_UNCONFIRMED (the assign went through), not as a failed call', async () => {
    const cloud = new ScriptedCloud();
    cloud.confirmScript = [false];
    const t = new FakeTime();
    const timers = new ManualTimers();
    // Real timers fire the deadline while the poll sleeps: the sleep here never ends on its own once it is due.
    const sleep = async (ms: number): Promise<void> => {
      t.now += ms;
      if (t.now >= 1_000) {
        timers.fireAll();
        await new Promise<void>(() => undefined);
      }
    };
    const mover = new CloudMover({ provider: cloud, clock: t.clock, timers, sleep, random: () => 0.5, logger: silentLogger(), confirmPollMs: 300 });
    const e = await rejection(mover.acquire(VIPS, 1_000));
    expect(e.code).toBe('VIPD_E_CLOUD_UNCONFIRMED');
    expect(cloud.calls.filter((c) => c.startsWith('assign'))).toHaveLength(1);
  });

  describe('a contender heard while confirmation is pending', () => {
    const other = (instanceId: string): CloudHolder => ({ kind: 'other', instanceId, nodeId: null });
    /** The claimant heard is the node on instance i-2. */
    const watch = (heard: boolean) => ({ heard, isContender: (_vip: string, h: CloudHolder) => h.kind === 'other' && h.instanceId === 'i-2' });
    /** confirm() never succeeds (the VIPs went elsewhere); the contender is heard after `heardAfterPolls` polls. */
    async function run(cloud: ScriptedCloud, heardAfterPolls: number, deadline = 10_000) {
      cloud.confirmScript = [false];
      const { mover } = setup(cloud);
      const contender = watch(false);
      const original = cloud.confirm.bind(cloud);
      let polls = 0;
      cloud.confirm = async (v, ctx) => {
        if (++polls > heardAfterPolls) contender.heard = true;
        return original(v, ctx);
      };
      return rejection(mover.acquire(VIPS, deadline, { contender }));
    }

    it('reads the record only from then on, and a VIP shown on the contender ends the wait at once with VIPD_E_CLOUD_UNCONFIRMED naming it', async () => {
      const cloud = new ScriptedCloud();
      cloud.holdersAnswer = new Map([
        ['10.0.0.42', other('i-2')],
        ['10.0.0.43', { kind: 'me' }],
      ]);
      const e = await run(cloud, 2);
      expect(cloud.calls).toEqual(['assign 10.0.0.42,10.0.0.43', 'confirm', 'confirm', 'confirm', 'holders']);
      expect(e.code).toBe('VIPD_E_CLOUD_UNCONFIRMED');
      expect(e.transient).toBe(true);
      expect(e.details).toMatchObject({ polls: 3, overtaken: [{ vip: '10.0.0.42', holder: 'i-2' }] });
      expect(e.message).toContain('the cloud shows 10.0.0.42 on i-2');
    });

    it('a record naming nobody, or a node not heard claiming (a read older than our assign: the dead or preempted master), ends nothing', async () => {
      const cloud = new ScriptedCloud();
      cloud.holdersAnswer = new Map([
        ['10.0.0.42', other('i-dead')],
        ['10.0.0.43', { kind: 'nobody' }],
      ]);
      const e = await run(cloud, 0, 1_000);
      expect(e.message).toContain('did not confirm before the deadline');
      expect(cloud.calls.filter((c) => c === 'holders').length).toBeGreaterThan(1);
    });

    it('a record that shows every VIP here (confirmation lagging) keeps the wait going until confirm says so', async () => {
      const cloud = new ScriptedCloud();
      cloud.holdersAnswer = new Map([
        ['10.0.0.42', { kind: 'me' }],
        ['10.0.0.43', { kind: 'me' }],
      ]);
      cloud.confirmScript = [false, false, true];
      const { mover } = setup(cloud);
      const result = await mover.acquire(VIPS, 10_000, { contender: watch(true) });
      expect(result.assignCalls).toBe(1);
      expect(cloud.calls).toEqual(['assign 10.0.0.42,10.0.0.43', 'confirm', 'holders', 'confirm', 'holders', 'confirm']);
    });

    it('an unreadable record is no evidence: the wait goes on to the deadline as without a contender', async () => {
      const cloud = new ScriptedCloud();
      cloud.holdersAnswer = new VipdError('VIPD_E_CLOUD_PERMISSION', 'not authorized to DescribeNetworkInterfaces');
      const e = await run(cloud, 0, 1_000);
      expect(e.code).toBe('VIPD_E_CLOUD_UNCONFIRMED');
      expect(e.message).toContain('did not confirm before the deadline');
      expect(cloud.calls.filter((c) => c === 'holders').length).toBeGreaterThan(1);
    });

    it('never heard: the record is not read at all (it could predate our assign and name the dead master)', async () => {
      const cloud = new ScriptedCloud();
      cloud.holdersAnswer = new Map([['10.0.0.42', other('i-dead')]]);
      const e = await run(cloud, Number.POSITIVE_INFINITY, 1_000);
      expect(e.message).toContain('did not confirm before the deadline');
      expect(cloud.calls).not.toContain('holders');
    });
  });
});
