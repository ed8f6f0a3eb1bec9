import type { PeerAdvert } from '../../src/election/types';
import { BASE, makeCore, run } from './script';

describe('ElectionCore refuses bad options as config errors', () => {
  it.each([
    ['priority 0', { priority: 0 }],
    ['priority 255 (address owner is not configurable)', { priority: 255 }],
    ['priority 1.5', { priority: 1.5 }],
    ['priority NaN', { priority: Number.NaN }],
    ['intervalMs 0', { intervalMs: 0 }],
    ['intervalMs Infinity', { intervalMs: Number.POSITIVE_INFINITY }],
    ['deadAfter 0', { deadAfter: 0 }],
    ['deadAfter 101', { deadAfter: 101 }],
    ['deadAfter 2.5', { deadAfter: 2.5 }],
    ['preemptDelayMs -1', { preemptDelayMs: -1 }],
    ['empty nodeId', { nodeId: '' }],
    ['self among peers', { peers: ['b', 'a'] }],
    ['duplicate peers', { peers: ['b', 'b'] }],
    ['empty peer id', { peers: [''] }],
  ])('%s', (_name, overrides) => {
    expect(() => makeCore(overrides)).toThrow(expect.objectContaining({ code: 'VIPD_E_CONFIG', transient: false }));
  });

  it('accepts a group with no peers (a lone node claims after one down interval)', () => {
    const core = makeCore({ peers: [] });
    expect(run(core, [['start', 0], ['mark'], ['tick', 3609.375]])).toEqual(['3609.375 BACKUP->MASTER master-down', '3609.375 send advert p=100']);
  });
});

describe('ElectionCore refuses malformed input loudly and loses nothing', () => {
  const good: PeerAdvert = { kind: 'advert', from: 'b', priority: 150, role: 'MASTER', intervalMs: 1000 };
  it.each([
    ['an unknown sender', { from: 'mallory' }],
    ['itself as sender', { from: BASE.nodeId }],
    ['priority 256', { priority: 256 }],
    ['priority -1', { priority: -1 }],
    ['priority 1.5', { priority: 1.5 }],
    ['intervalMs 0', { intervalMs: 0 }],
    ['an unknown kind', { kind: 'hello' }],
    ['an unknown role', { role: 'LEADER' }],
  ])('%s', (_name, patch) => {
    const core = makeCore();
    core.start(0);
    core.drain();
    // Cast on purpose: an advert no decoder would produce, to show the core's own guard refuses it.
    const bad = { ...good, ...patch } as unknown as PeerAdvert;
    expect(() => core.step(bad, 5000)).toThrow(expect.objectContaining({ code: 'VIPD_E_INTERNAL' }));
    // Nothing recorded, nothing emitted, and the next good advert is handled as usual.
    expect(core.drain()).toEqual([]);
    expect(core.status(500).peers.every((p) => p.lastHeardAt === null)).toBe(true);
    // Not even time moved: an earlier input is still accepted.
    core.tick(400);
    core.step(good, 600);
    expect(core.status(600).master).toBe('b');
  });

  it('refuses time going backwards', () => {
    const core = makeCore();
    core.start(100);
    expect(() => core.tick(50)).toThrow(expect.objectContaining({ code: 'VIPD_E_INTERNAL' }));
    expect(() => core.tick(Number.NaN)).toThrow(expect.objectContaining({ code: 'VIPD_E_INTERNAL' }));
    expect(core.role).toBe('BACKUP');
  });

  it('refuses a second start', () => {
    const core = makeCore();
    core.start(0);
    expect(() => core.start(1)).toThrow(expect.objectContaining({ code: 'VIPD_E_INTERNAL' }));
  });

  it.each([
    ['a fractional penalty', (c: ReturnType<typeof makeCore>) => c.setHealth({ penalty: 1.5, fault: false }, 10)],
    ['a negative stall', (c: ReturnType<typeof makeCore>) => c.noteStall(10, -1)],
    ['an empty cloud holder', (c: ReturnType<typeof makeCore>) => c.observeCloudHolder('', 10)],
  ])('refuses %s', (_name, call) => {
    const core = makeCore();
    core.start(0);
    expect(() => call(core)).toThrow(expect.objectContaining({ code: 'VIPD_E_INTERNAL' }));
  });
});

describe('ElectionCore status', () => {
  it('reports role, priorities, believed master, peers and timers', () => {
    const core = makeCore({ priority: 120 });
    core.start(0);
    core.setHealth({ penalty: -20, fault: false }, 0);
    core.step({ kind: 'advert', from: 'b', priority: 150, role: 'MASTER', intervalMs: 1000 }, 1000);
    const s = core.status(1500);
    expect(s).toMatchObject({
      role: 'BACKUP',
      basePriority: 120,
      effectivePriority: 100,
      master: 'b',
      maintenance: false,
      lastMasterAdvertAt: 1000,
      timers: { downAt: 4609.375, preemptAt: null, nextAdvertAt: 1000 },
      splitBrainHolder: null,
      claimBlockedBy: null,
      holdAfterResign: false,
    });
    expect(s.peers).toEqual([
      { id: 'b', lastHeardAt: 1000, priority: 150, role: 'MASTER' },
      { id: 'c', lastHeardAt: null, priority: null, role: null },
    ]);
    // Past one down interval the master is no longer believed in.
    expect(core.status(1000 + 3609.375 + 1).master).toBeNull();
  });

  it('names itself as master when MASTER, and records a resign as priority 0', () => {
    const core = makeCore();
    core.start(0);
    core.step({ kind: 'resign', from: 'c', priority: 0, role: 'MASTER', intervalMs: 1000 }, 100);
    core.tick(100 + 609.375);
    const s = core.status(800);
    expect(s.role).toBe('MASTER');
    expect(s.master).toBe('a');
    expect(s.peers.find((p) => p.id === 'c')).toEqual({ id: 'c', lastHeardAt: 100, priority: 0, role: 'BACKUP' });
    expect(s.timers?.nextAdvertAt).toBe(1709.375);
  });

  it('drain returns each output once', () => {
    const core = makeCore();
    core.start(0);
    expect(core.drain()).toHaveLength(2); // the transition and the first heartbeat
    expect(core.drain()).toEqual([]);
  });
});
