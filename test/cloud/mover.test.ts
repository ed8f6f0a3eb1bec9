import { CloudMover } from '../../src/cloud/mover';
import { NoneProvider } from '../../src/cloud/none';
import type { CloudIdentity, CloudProvider, CloudVip } from '../../src/cloud/provider';
import { VipdError } from '../../src/errors';
import type { CloudHolder } from '../../src/owner/types';
import { silentLogger } from '../../src/util/logger';
import { rejection } from '../support/rejection';

/** A cloud whose answers are scripted per call; every call is recorded. */
class ScriptedCloud implements CloudProvider {
  readonly name = 'scripted';
  readonly calls: string[] = [];
  assignScript: (VipdError | Error | null)[] = [];
  confirmScript: (boolean | VipdError)[] = [];
  unassignScript: (VipdError | null)[] = [];
  holdersAnswer: ReadonlyMap<string, CloudHolder> = new Map();

  async identity(): Promise<CloudIdentity> {
    return { provider: 'scripted', instanceId: 'i-1', nicId: 'nic-1', mac: '02:00:00:00:00:01', subnetCidr: '10.0.0.0/24', region: null, extra: {} };
  }
  async assign(vips: readonly CloudVip[]): Promise<void> {
    this.calls.push(`assign ${vips.map((v) => v.address).join(',')}`);
    const next = this.assignScript.shift() ?? null;
    if (next !== null) throw next;
  }
  async confirm(): Promise<boolean> {
    this.calls.push('confirm');
    const next = this.confirmScript.length > 1 ? this.confirmScript.shift()! : (this.confirmScript[0] ?? true);
    if (next instanceof VipdError) throw next;
    return next;
  }
  async holders(): Promise<ReadonlyMap<string, CloudHolder>> {
    this.calls.push('holders');
    return this.holdersAnswer;
  }
  async unassign(): Promise<void> {
    this.calls.push('unassign');
    const next = this.unassignScript.shift() ?? null;
    if (next !== null) throw next;
  }
  async describe(): Promise<Readonly<Record<string, unknown>>> {
    return {};
  }
}

class FakeTime {
  now = 0;
  readonly clock = { nowMs: () => this.now };
  readonly sleep = async (ms: number): Promise<void> => {
    this.now += ms;
  };
}

const VIPS: CloudVip[] = [
  { address: '10.0.0.42', elasticIpAllocationId: null },
  { address: '10.0.0.43', elasticIpAllocationId: null },
];
const throttled = () => new VipdError('VIPD_E_CLOUD_THROTTLED', 'slow down', { transient: true });
const metadataHiccup = () => new VipdError('VIPD_E_METADATA', '500', { transient: true });


function setup(provider: CloudProvider = new ScriptedCloud()) {
  const t = new FakeTime();
  const mover = new CloudMover({ provider, clock: t.clock, sleep: t.sleep, random: () => 0.5, logger: silentLogger(), confirmPollMs: 200, baseDelayMs: 100, maxDelayMs: 1_000 });
  return { t, mover };
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

  it('release retries transient failures of unassign within the deadline', async () => {
    const cloud = new ScriptedCloud();
    cloud.unassignScript = [throttled(), null];
    const { mover } = setup(cloud);
    await mover.release(VIPS, 10_000);
    expect(cloud.calls).toEqual(['unassign', 'unassign']);
  });

  it('a cancelled acquire makes no further assign or confirm and says why (VIPD_E_CANCELLED, not retried)', async () => {
    const cloud = new ScriptedCloud();
    cloud.confirmScript = [false];
    const { t, mover } = setup(cloud);
    const abort = new AbortController();
    const pending = rejection(mover.acquire(VIPS, 10_000, abort.signal));
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
    expect((await rejection(mover.acquire(VIPS, 10_000, abort.signal))).code).toBe('VIPD_E_CANCELLED');
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
    });
    expect((await rejection(m.acquire(VIPS, 10_000, later.signal))).code).toBe('VIPD_E_CANCELLED');
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
    await mover.release([], 1_000);
    expect(cloud.calls).toEqual([]);
  });
});

describe('CloudMover.verifyHolders (the periodic ownership check)', () => {
  const other: CloudHolder = { kind: 'other', instanceId: 'i-2', nodeId: null, primaryAddress: '10.0.0.12' };

  it('the local view shows every VIP here: all "me", and no API read', async () => {
    const cloud = new ScriptedCloud();
    cloud.confirmScript = [true];
    const holders = await setup(cloud).mover.verifyHolders(VIPS);
    expect([...(holders ?? new Map()).entries()]).toEqual([
      ['10.0.0.42', { kind: 'me' }],
      ['10.0.0.43', { kind: 'me' }],
    ]);
    expect(cloud.calls).toEqual(['confirm']);
  });

  it('the local view misses one: the record says who holds them', async () => {
    const cloud = new ScriptedCloud();
    cloud.confirmScript = [false];
    cloud.holdersAnswer = new Map<string, CloudHolder>([
      ['10.0.0.42', { kind: 'me' }],
      ['10.0.0.43', other],
    ]);
    expect((await setup(cloud).mover.verifyHolders(VIPS))?.get('10.0.0.43')).toEqual(other);
    expect(cloud.calls).toEqual(['confirm', 'holders']);
  });

  it('the local view cannot be read: an error is not an answer, the record is read', async () => {
    const cloud = new ScriptedCloud();
    cloud.confirmScript = [metadataHiccup()];
    cloud.holdersAnswer = new Map<string, CloudHolder>([
      ['10.0.0.42', other],
      ['10.0.0.43', other],
    ]);
    expect((await setup(cloud).mover.verifyHolders(VIPS))?.get('10.0.0.42')).toEqual(other);
    expect(cloud.calls).toEqual(['confirm', 'holders']);
  });

  it('the record cannot be read either: the error is thrown, never "nobody"', async () => {
    const cloud = new ScriptedCloud();
    cloud.confirmScript = [false];
    cloud.holders = async () => {
      cloud.calls.push('holders');
      throw throttled();
    };
    expect((await rejection(setup(cloud).mover.verifyHolders(VIPS))).code).toBe('VIPD_E_CLOUD_THROTTLED');
  });

  it('provider none: no cloud view (null)', async () => {
    expect(await setup(new NoneProvider({ interfaceName: 'eth0' })).mover.verifyHolders(VIPS)).toBeNull();
  });
});

describe('provider none through CloudMover', () => {
  it('moves nothing, confirms nothing and reports no cloud view (null)', async () => {
    const none = new NoneProvider({ interfaceName: 'eth0' });
    const { mover } = setup(none);
    expect(await mover.acquire(VIPS, 1_000)).toEqual({ cloudMs: 0, assignCalls: 0 });
    await mover.release(VIPS, 1_000);
    expect(await mover.verifyHolders(VIPS)).toBeNull();
    expect(await mover.prepare(1_000)).toBeNull();
  });

  it('is an identity: assign/unassign are no-ops, confirm is true by definition, holders refuses to guess', async () => {
    const none = new NoneProvider({ interfaceName: 'eth0' });
    expect(none.arbitrates).toBe(false);
    await none.assign(VIPS);
    await none.unassign(VIPS);
    expect(await none.confirm(VIPS)).toBe(true);
    expect((await rejection(none.holders(VIPS))).code).toBe('VIPD_E_INTERNAL');
    expect(await none.identity()).toMatchObject({ provider: 'none', instanceId: 'local', nicId: 'eth0', region: null });
    expect(await none.describe()).toMatchObject({ provider: 'none', interface: 'eth0' });
  });
});
