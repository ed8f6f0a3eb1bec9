import { CloudMover } from '../../src/cloud/mover';
import { observeLocalViewFirst } from '../../src/cloud/observe';
import type { CloudCallContext, CloudFacts, CloudHolder, CloudIdentity, CloudProvider, CloudVip } from '../../src/cloud/provider';
import type { GroupConfig } from '../../src/config/types';
import { VipdError } from '../../src/errors';
import type { OsGroupView, OsVipView } from '../../src/os/view';
import { CloudOsOwner, type OwnerOs } from '../../src/owner/cloud-os-owner';
import { silentLogger, type Logger } from '../../src/util/logger';
import type { VipGroup } from '../../src/util/vip-group';
import { realTimers } from '../../src/util/timers';
import { group, osConfig, vip } from '../support/os-fixtures';

/** A cloud whose identity and holders are scripted; every call recorded in one shared journal. */
class FakeCloud implements CloudProvider {
  readonly name = 'fake';
  identityError: VipdError | null = null;
  holdersAnswer = new Map<string, CloudHolder>();
  /** What confirm() (the cheap local view) answers. */
  localView = true;
  onAssign: () => void = () => undefined;
  /** confirm() fails this many more times first, as during a metadata outage. */
  confirmErrors = 0;
  onConfirm: () => void = () => undefined;

  constructor(private readonly journal: string[]) {}

  async identity(): Promise<CloudIdentity> {
    this.journal.push('identity');
    if (this.identityError) throw this.identityError;
    return { provider: 'fake', instanceId: 'i-1', nicId: 'eni-1', mac: '02:00:00:00:00:01', subnetCidr: '10.0.1.0/24', region: null, extra: {} };
  }
  async assign(vips: readonly CloudVip[]): Promise<void> {
    this.journal.push(`assign ${vips.map((v) => v.address).join(',')}`);
    this.onAssign();
  }
  async confirm(): Promise<boolean> {
    this.journal.push('confirm');
    this.onConfirm();
    if (this.confirmErrors > 0) {
      this.confirmErrors--;
      throw new VipdError('VIPD_E_METADATA', 'instance metadata refused the connection', { transient: true });
    }
    return this.localView;
  }
  async holders(): Promise<ReadonlyMap<string, CloudHolder>> {
    this.journal.push('holders');
    return this.holdersAnswer;
  }
  async observeHolders(vips: readonly CloudVip[], ctx: CloudCallContext): Promise<ReadonlyMap<string, CloudHolder>> {
    // What the AWS adapter does: the local view first, the record only when it does not show every VIP here.
    return observeLocalViewFirst(vips, ctx, { local: () => this.confirm(), record: () => this.holders(), logger: silentLogger() });
  }
  async describe(): Promise<CloudFacts> {
    return { nicId: 'eni-1', addressCapacity: null, checks: [] };
  }
}

/** What the fake host's observe() reports (the real one speaks canonical addresses). */
const observed: OsVipView[] = [];

/** The OS side as the owner sees it: only the calls, recorded. */
class FakeOs implements OwnerOs {
  constructor(private readonly journal: string[]) {}
  private record(name: string): void {
    this.journal.push(`os.${name}`);
  }
  async preflight(): Promise<void> {
    this.record('preflight');
  }
  async cleanupOrphans(): Promise<string[]> {
    this.record('cleanupOrphans');
    return [];
  }
  async acquire(): Promise<void> {
    this.record('acquire');
  }
  async release(): Promise<void> {
    this.record('release');
  }
  announce = async (_group: VipGroup, _count?: number): Promise<void> => {
    this.record('announce');
  };
  async repair(): Promise<string[]> {
    this.record('repair');
    return [];
  }
  async observe(group: VipGroup): Promise<OsGroupView> {
    this.record('observe');
    return { group: group.name, interface: group.interface, vips: observed };
  }
  async standby(): Promise<void> {}
  close(): void {}
}

function recordingLogger(lines: { level: string; obj: object; msg: string }[]): Logger {
  const at =
    (level: string) =>
    (a: object | string, b?: string): void => {
      lines.push(typeof a === 'string' ? { level, obj: {}, msg: a } : { level, obj: a, msg: b ?? '' });
    };
  const l: Logger = { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), fatal: at('fatal'), child: () => l };
  return l;
}

function setup(opts: { os?: boolean; startDeadlineMs?: number; cloud?: boolean; reannounce?: { count: number; delayMs: number; minIntervalMs: number } } = {}) {
  const journal: string[] = [];
  const logs: { level: string; obj: object; msg: string }[] = [];
  const cloud = new FakeCloud(journal);
  const os = new FakeOs(journal);
  let now = 0;
  const clock = { nowMs: () => now };
  const mover = new CloudMover({
    provider: cloud,
    clock,
    timers: realTimers,
    sleep: async (ms) => {
      now += ms;
    },
    random: () => 0.5,
    logger: recordingLogger(logs),
  });
  const owner = new CloudOsOwner({
    mover: opts.cloud === false ? null : mover,
    os: opts.os === false ? null : os,
    osConfig: osConfig({
      arp: { sender: 'arping', count: 1, repeatDelayMs: 0, refreshIntervalMs: 0 },
      ...(opts.reannounce ? { reannounce: opts.reannounce } : {}),
    }),
    clock,
    timers: realTimers,
    logger: recordingLogger(logs),
    startDeadlineMs: opts.startDeadlineMs ?? 5_000,
  });
  return { journal, logs, cloud, os, owner };
}

const web: GroupConfig = group({
  vips: [vip('10.0.1.100'), vip('10.0.1.101')],
  peers: [{ id: 'n2', address: '10.0.1.11', port: 9476 }],
});

describe('CloudOsOwner.announce (another node claimed the group)', () => {
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  function withCountingOs(reannounce: { count: number; delayMs: number; minIntervalMs: number }) {
    const s = setup({ reannounce });
    s.os.announce = async (g, count) => {
      s.journal.push(`os.announce ${g.name} count=${String(count)}`);
    };
    return s;
  }

  it('a burst of os.reannounce.count rounds at once, a second one delayMs later, and no cloud call', async () => {
    const { journal, owner } = withCountingOs({ count: 2, delayMs: 30, minIntervalMs: 1000 });
    await owner.announce(web);
    expect(journal).toEqual(['os.announce web count=2']);
    await sleep(80);
    expect(journal).toEqual(['os.announce web count=2', 'os.announce web count=2']);
  });

  it('a newer re-announcement replaces the pending second burst; a release cancels it', async () => {
    const { journal, owner } = withCountingOs({ count: 1, delayMs: 40, minIntervalMs: 1000 });
    await owner.announce(web);
    await owner.announce(web);
    await sleep(80);
    expect(journal.filter((l) => l.startsWith('os.announce'))).toHaveLength(3);
    journal.length = 0;
    await owner.announce(web);
    await owner.release(web);
    await sleep(80);
    expect(journal).toEqual(['os.announce web count=1', 'os.release']);
  });

  it('count 0 sends nothing; without the OS layer there is nothing to announce', async () => {
    const zero = withCountingOs({ count: 0, delayMs: 10, minIntervalMs: 1000 });
    await zero.owner.announce(web);
    await sleep(30);
    expect(zero.journal).toEqual([]);
    const noOs = setup({ os: false });
    await noOs.owner.announce(web);
    expect(noOs.journal).toEqual([]);
  });
});

describe('CloudOsOwner', () => {
  afterEach(() => {
    observed.length = 0;
  });

  it('verify matches the OS view to a VIP written in another spelling (IPv6 upper case, zeros)', async () => {
    const { owner } = setup();
    const view: OsVipView = { address: '2001:db8::1', onInterface: true, prefix: 64, expectedPrefix: 64, addressOk: true, ruleOk: true, tableOk: true };
    observed.push(view);
    const v6 = group({ vips: [vip('2001:DB8:0::1')], peers: [{ id: 'n2', address: '10.0.1.11', port: 9476 }] });
    const report = await owner.verify(v6);
    expect(report.vips[0]?.os).toEqual(view);
  });

  it('cleanup reads the cloud identity first, then cleans the OS', async () => {
    const { journal, owner } = setup();
    await owner.cleanup([web]);
    expect(journal).toEqual(['identity', 'os.preflight', 'os.cleanupOrphans']);
  });

  it('cleanup with the metadata service down: retried until the start budget, then VIPD_E_METADATA, and the OS untouched', async () => {
    const { journal, cloud, owner } = setup({ startDeadlineMs: 3_000 });
    cloud.identityError = new VipdError('VIPD_E_METADATA', 'instance metadata PUT /latest/api/token at http://169.254.169.254 failed: connect ECONNREFUSED', {
      transient: true,
    });
    const err = await owner.cleanup([web]).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(VipdError);
    expect((err as VipdError).code).toBe('VIPD_E_METADATA');
    expect((err as VipdError).message).toContain('at start');
    expect(journal.filter((j) => j === 'identity').length).toBeGreaterThan(1);
    expect(journal.filter((j) => j.startsWith('os.'))).toEqual([]);
  });

  it('cleanup reads the identity even when the OS side is off', async () => {
    const { journal, owner } = setup({ os: false });
    await owner.cleanup([web]);
    expect(journal).toEqual(['identity']);
  });

  it('no cloud (plain L2, no mover): cleanup, acquire and verify touch the OS only, and the cloud view is null, not "me"', async () => {
    const { journal, owner } = setup({ cloud: false });
    await owner.cleanup([web]);
    expect(await owner.acquire(web, 10_000)).toMatchObject({ timings: { cloudMs: 0 }, cloudCalls: 0 });
    const report = await owner.verify(web);
    expect(report.vips.map((v) => v.cloud)).toEqual([null, null]);
    expect(journal).toEqual(['os.preflight', 'os.cleanupOrphans', 'os.acquire', 'os.observe']);
  });

  it('acquire: the cloud assign, then the OS at once, then the confirmation; abandoned when the node stops wanting the VIPs during the assign', async () => {
    const { journal, cloud, owner } = setup();
    expect(await owner.acquire(web, 10_000)).toMatchObject({ cloudCalls: 1 });
    expect(journal).toEqual(['assign 10.0.1.100,10.0.1.101', 'os.acquire', 'confirm']);

    journal.length = 0;
    const abort = new AbortController();
    cloud.onAssign = () => abort.abort();
    const err = await owner.acquire(web, 10_000, { signal: abort.signal }).then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as VipdError).code).toBe('VIPD_E_CANCELLED');
    expect(journal).toEqual(['assign 10.0.1.100,10.0.1.101']);
  });

  it('a metadata outage during the confirmation: the host carries the VIPs from the assign on, and the acquire completes once metadata answers', async () => {
    const { journal, cloud, owner } = setup();
    cloud.confirmErrors = 3;
    const report = await owner.acquire(web, 10_000);
    expect(journal).toEqual(['assign 10.0.1.100,10.0.1.101', 'os.acquire', 'confirm', 'confirm', 'confirm', 'confirm']);
    // Three polls of 250 ms waited for the confirmation; the OS time is not counted as cloud time.
    expect(report.timings.cloudMs).toBe(750);
  });

  it("a move the cloud never confirms before the deadline: the OS part is taken back, and the error is the confirmation's", async () => {
    const { journal, cloud, owner } = setup();
    cloud.localView = false; // another node wrote after us
    const err = await owner.acquire(web, 1_000).then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as VipdError).code).toBe('VIPD_E_CLOUD_UNCONFIRMED');
    expect(journal[0]).toBe('assign 10.0.1.100,10.0.1.101');
    expect(journal[1]).toBe('os.acquire');
    expect(journal.slice(2, -1).every((j) => j === 'confirm')).toBe(true);
    expect(journal[journal.length - 1]).toBe('os.release');
  });

  it('a node heard claiming during the acquire, and the record names it (by its NIC primary address): the acquire ends overtaken; a stranger ends nothing', async () => {
    const { journal, cloud, owner } = setup();
    cloud.localView = false;
    const contenders = new Set<string>();
    cloud.onAssign = () => contenders.add('n2');
    // 10.0.1.101 on a NIC that is no peer of this group (or a read older than our assign): no evidence.
    cloud.holdersAnswer = new Map<string, CloudHolder>([
      ['10.0.1.100', { kind: 'other', instanceId: 'i-9', nodeId: null, primaryAddress: '10.0.1.99' }],
      ['10.0.1.101', { kind: 'other', instanceId: 'i-9', nodeId: null, primaryAddress: '10.0.1.99' }],
    ]);
    const stranger = await owner.acquire(web, 1_000, { contenders }).then(
      () => null,
      (e: unknown) => e as VipdError,
    );
    expect(stranger?.message).toContain('did not confirm before the deadline');

    journal.length = 0;
    cloud.holdersAnswer = new Map<string, CloudHolder>([
      ['10.0.1.100', { kind: 'other', instanceId: 'i-2', nodeId: null, primaryAddress: '10.0.1.11' }],
      ['10.0.1.101', { kind: 'me' }],
    ]);
    const overtaken = await owner.acquire(web, 10_000, { contenders }).then(
      () => null,
      (e: unknown) => e as VipdError,
    );
    expect(overtaken?.code).toBe('VIPD_E_CLOUD_UNCONFIRMED');
    expect(overtaken?.details).toMatchObject({ overtaken: [{ vip: '10.0.1.100', holder: 'i-2' }] });
    expect(journal).toEqual(['assign 10.0.1.100,10.0.1.101', 'os.acquire', 'confirm', 'holders', 'os.release']);
  });

  it('cancelled while confirming: the error is VIPD_E_CANCELLED and the release is left to the caller (it no longer wants the VIPs)', async () => {
    const { journal, cloud, owner } = setup();
    cloud.localView = false;
    const abort = new AbortController();
    cloud.onConfirm = () => abort.abort();
    const err = await owner.acquire(web, 10_000, { signal: abort.signal }).then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as VipdError).code).toBe('VIPD_E_CANCELLED');
    expect(journal).toEqual(['assign 10.0.1.100,10.0.1.101', 'os.acquire', 'confirm']);
  });

  it('verify names a peer holding the VIPs by its NIC primary address, and warns once about a stranger', async () => {
    const { cloud, owner, logs } = setup();
    cloud.localView = false;
    cloud.holdersAnswer = new Map<string, CloudHolder>([
      ['10.0.1.100', { kind: 'other', instanceId: 'i-2', nodeId: null, primaryAddress: '10.0.1.11' }],
      ['10.0.1.101', { kind: 'other', instanceId: 'i-9', nodeId: null, primaryAddress: '10.0.1.99' }],
    ]);
    const report = await owner.verify(web);
    expect(report.vips.map((v) => v.cloud)).toEqual([
      { kind: 'other', instanceId: 'i-2', nodeId: 'n2', primaryAddress: '10.0.1.11' },
      { kind: 'other', instanceId: 'i-9', nodeId: null, primaryAddress: '10.0.1.99' },
    ]);
    await owner.verify(web);
    const warnings = logs.filter((l) => l.level === 'warn' && /matches no peer address/.test(l.msg));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain('i-9 (10.0.1.99)');
    expect(warnings[0]!.obj).toMatchObject({ peers: ['n2=10.0.1.11'] });
  });

  it('verify: a cloud answer that omits a VIP is an error, never "nobody"', async () => {
    const { cloud, owner } = setup();
    cloud.localView = false;
    cloud.holdersAnswer = new Map<string, CloudHolder>([['10.0.1.100', { kind: 'me' }]]);
    await expect(owner.verify(web)).rejects.toMatchObject({ code: 'VIPD_E_CLOUD_RESPONSE' });
  });

  it('verify while the local view shows the VIPs here reads no API (a master checking every few seconds costs no quota)', async () => {
    const { owner, journal } = setup();
    journal.length = 0;
    const report = await owner.verify(web);
    expect(report.vips.map((v) => v.cloud)).toEqual([{ kind: 'me' }, { kind: 'me' }]);
    expect(journal.filter((j) => j === 'holders' || j === 'confirm')).toEqual(['confirm']);
  });
});
