import type { HostFiles } from '../../src/config/host-files';
import { doctorFailed, renderDoctor, runDoctor } from '../../src/doctor/doctor';
import type { DoctorContext } from '../../src/doctor/types';
import { VipdError } from '../../src/errors';
import type { CommandRunner } from '../../src/os/runner';
import type { Role } from '../../src/election/types';
import type { DaemonStatus } from '../../src/runtime/daemon';
import type { PeerStatus } from '../../src/runtime/group-status';
import { baseConfig, group0, load, makeFixture, type Doc, type Fixture } from '../config/helpers';
import { daemonStatus, groupStatus, peerStatus } from '../support/daemon-status';

/**
 * The doctor fails when this node cannot serve: the checks an operator is
 * sent to exactly when `vipd status` says FAULT. The daemon's status, the
 * host's files and the addon loaders are described, not mocked.
 */
const NOW = 1_000_000;
const STATE = '/var/lib/vipd';

type Tracker = DaemonStatus['groups'][number]['trackers'][number];

function daemon(role: Role, opts: { peers?: PeerStatus[]; trackers?: Tracker[]; lastError?: VipdError | null; maintenance?: boolean } = {}): DaemonStatus {
  const maintenance = opts.maintenance ?? false;
  return daemonStatus({
    startedAtMonotonicMs: NOW - 60_000,
    uptimeMs: 60_000,
    eventLoopLagMs: 1,
    maintenance,
    groups: [
      groupStatus({
        election: {
          role,
          master: role === 'MASTER' ? 'node-a' : null,
          peers: opts.peers ?? [peerStatus('node-b', { live: true, lastHeardAt: NOW - 300, priority: 90, role: 'BACKUP', lastRole: 'BACKUP' })],
          maintenance,
        },
        vips: ['10.0.1.50'],
        ownership: { wanted: 'inactive', applied: 'inactive', lastError: opts.lastError?.toJSON() ?? null },
        trackers: opts.trackers ?? [],
      }),
    ],
  });
}

const GOOD_FILES: HostFiles = {
  kind: (p) => (p === STATE ? 'directory' : p === '/usr/local/bin/hook' || p === '/usr/local/bin/check' ? 'file' : 'missing'),
  executable: (p) => p === '/usr/local/bin/hook' || p === '/usr/local/bin/check',
};
const noRunner: CommandRunner = { run: async () => ({ stdout: '', stderr: '', exitCode: 0 }) };

function context(fx: Fixture, status: DaemonStatus | null, over: Partial<DoctorContext> = {}, change: (d: Doc) => void = () => undefined): DoctorContext {
  const doc = { ...baseConfig(fx.keyFile), node: { id: 'node-a', stateDir: STATE }, os: { enabled: false } };
  group0(doc)['trackers'] = [{ name: 'db', type: 'script', command: '/usr/local/bin/check' }];
  group0(doc)['notify'] = { master: ['/usr/local/bin/hook', 'master'] };
  change(doc);
  const config = load(fx, doc);
  return {
    config,
    runner: noRunner,
    os: null,
    provider: null,
    cloudScope: () => {
      throw new Error('plain L2: doctor reads no cloud');
    },
    loadGarp: () => ({}),
    loadNotify: () => ({}),
    hostFiles: GOOD_FILES,
    maintenance: { location: `${STATE}/maintenance.json`, load: async () => null },
    daemon: status,
    ...over,
  };
}

const statusOf = (results: Awaited<ReturnType<typeof runDoctor>>, check: string): string | undefined => results.find((r) => r.check === check)?.status;

describe('vipd doctor fails when the node cannot serve', () => {
  let fx: Fixture;
  beforeEach(() => (fx = makeFixture()));
  afterEach(() => fx.cleanup());

  it('a healthy BACKUP with a live peer passes', async () => {
    const results = await runDoctor(
      context(fx, daemon('BACKUP', { trackers: [{ name: 'db', type: 'script', up: true, weight: 0, lastError: null, lastCheckAt: NOW - 100 }] })),
    );
    expect(results.filter((r) => r.status === 'fail')).toEqual([]);
    expect(statusOf(results, 'serving')).toBe('pass');
    expect(statusOf(results, 'peer able to take over')).toBe('pass');
    expect(renderDoctor(results)).toContain('no check failed');
  });

  it('FAULT with its tracker down (the issue: "all checks passed", exit 0): fails, naming the tracker', async () => {
    const results = await runDoctor(
      context(fx, daemon('FAULT', { trackers: [{ name: 'db', type: 'script', up: false, weight: 0, lastError: 'exit 1', lastCheckAt: NOW - 100 }] })),
    );
    expect(doctorFailed(results)).toBe(true);
    const serving = results.find((r) => r.check === 'serving');
    expect(serving).toMatchObject({ status: 'fail', group: 'web' });
    expect(serving?.detail).toContain('FAULT: this node cannot hold the VIPs: tracker db is down (exit 1)');
    expect(statusOf(results, 'tracker db')).toBe('fail');
    expect(renderDoctor(results)).toMatch(/\[FAIL\] web: serving: FAULT/);
  });

  it('FAULT after a permanent VIP error names the error', async () => {
    const results = await runDoctor(context(fx, daemon('FAULT', { lastError: new VipdError('VIPD_E_CLOUD_PERMISSION', 'UnauthorizedOperation') })));
    expect(results.find((r) => r.check === 'serving')?.detail).toContain('VIPD_E_CLOUD_PERMISSION: UnauthorizedOperation');
  });

  it('a tracker down on a MASTER (weight > 0) fails too', async () => {
    const results = await runDoctor(
      context(fx, daemon('MASTER', { trackers: [{ name: 'db', type: 'script', up: false, weight: -20, lastError: 'timeout', lastCheckAt: NOW - 100 }] })),
    );
    expect(statusOf(results, 'tracker db')).toBe('fail');
  });

  it('no live peer able to take over: a warning, not a failure', async () => {
    const results = await runDoctor(
      context(fx, daemon('MASTER', { peers: [peerStatus('node-b', { lastHeardAt: NOW - 18_000, priority: 90, lastRole: 'BACKUP', silentForMs: 18_000 })] })),
    );
    const peer = results.find((r) => r.check === 'peer able to take over');
    expect(peer?.status).toBe('warn');
    expect(peer?.detail).toMatch(/no live peer would take over \(node-b has been silent for 18 s/);
  });

  it('maintenance on: a warning', async () => {
    const ctx = context(fx, daemon('BACKUP', { maintenance: true }), {
      maintenance: { location: `${STATE}/maintenance.json`, load: async () => ({ since: '2026-01-01T00:00:00Z' }) },
    });
    expect(statusOf(await runDoctor(ctx), 'maintenance')).toBe('warn');
  });

  it('the notify transport cannot be loaded: fails', async () => {
    const ctx = context(fx, daemon('BACKUP'), {
      loadNotify: () => {
        throw new VipdError('VIPD_E_SD_NOTIFY', 'the unix-dgram addon cannot be loaded: NODE_MODULE_VERSION 108');
      },
    });
    const results = await runDoctor(ctx);
    expect(results.find((r) => r.check === 'notify transport')).toMatchObject({ status: 'fail', detail: expect.stringContaining('NODE_MODULE_VERSION 108') });
  });

  it('the native ARP sender cannot be loaded: fails', async () => {
    const ctx = context(
      fx,
      daemon('BACKUP'),
      {
        loadGarp: () => {
          throw new VipdError('VIPD_E_TOOL_MISSING', 'not built');
        },
      },
      (d) => (d['os'] = { enabled: true }),
    );
    expect(statusOf(await runDoctor(ctx), 'arp sender')).toBe('fail');
  });

  it('a hook or tracker program missing or not executable: fails, naming the key (also without a running daemon)', async () => {
    const files: HostFiles = { kind: (p) => (p === STATE ? 'directory' : p === '/usr/local/bin/check' ? 'file' : 'missing'), executable: () => false };
    const results = await runDoctor(context(fx, null, { hostFiles: files }));
    expect(doctorFailed(results)).toBe(true);
    expect(results.find((r) => r.check === 'file groups[0].notify.master[0]')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('/usr/local/bin/hook does not exist'),
    });
    expect(results.find((r) => r.check === 'file groups[0].trackers[0].command')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('not executable'),
    });
  });
});
