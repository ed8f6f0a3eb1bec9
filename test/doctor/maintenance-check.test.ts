import { checkMaintenance } from '../../src/doctor/host-checks';
import { VipdError } from '../../src/errors';
import type { DaemonStatus } from '../../src/runtime/daemon';
import type { SavedMaintenance } from '../../src/state/maintenance-store';

const FILE = '/var/lib/vipd/maintenance.json';

function store(load: () => Promise<SavedMaintenance | null>) {
  return { location: FILE, load };
}

function daemon(maintenance: boolean): DaemonStatus {
  return {
    schemaVersion: 2,
    now: '2026-11-27T06:00:00.000Z',
    startedAt: '2026-11-27T06:00:00.000Z',
    nodeId: 'n1',
    provider: 'none',
    startedAtMonotonicMs: 0,
    uptimeMs: 1000,
    lastStall: null,
    eventLoopLagMs: 0,
    maintenance,
    groups: [],
  };
}

const saved = (): Promise<SavedMaintenance | null> => Promise.resolve({ since: '2026-11-27T05:00:00.000Z' });
const nothing = (): Promise<SavedMaintenance | null> => Promise.resolve(null);

describe('doctor: maintenance check', () => {
  it.each([
    ['nothing saved, daemon down', nothing, null, 'pass', /^off \(nothing saved in \/var\/lib\/vipd\/maintenance\.json\)$/],
    ['nothing saved, daemon not in maintenance', nothing, false, 'pass', /^off/],
    ['saved and on', saved, true, 'warn', /^ON since 2026-11-27T05:00:00\.000Z \(saved in .*\): this node takes no VIP$/],
    ['saved, daemon down', saved, null, 'warn', /the next start takes no VIP$/],
    ['on but not saved (a failed save)', nothing, true, 'warn', /on in the running daemon but not saved .*: a restart ends it$/],
    ['saved but the daemon is not in maintenance', saved, false, 'warn', /the running daemon is not in maintenance: the next start will be$/],
  ] as const)('%s -> %s', async (_name, load, running, status, detail) => {
    const r = await checkMaintenance({ maintenance: store(load), daemon: running === null ? null : daemon(running) });
    expect(r.check).toBe('maintenance');
    expect(r.status).toBe(status);
    expect(r.detail).toMatch(detail);
    if (status === 'pass') expect(r.fix).toBeNull();
    else expect(r.fix).toEqual(expect.any(String));
  });

  it('fails, naming the file and the fix, when the saved state cannot be read', async () => {
    const load = () => Promise.reject(new VipdError('VIPD_E_STATE_FILE', `cannot read ${FILE}: EACCES`));
    const r = await checkMaintenance({ maintenance: store(load), daemon: daemon(false) });
    expect(r.status).toBe('fail');
    expect(r.detail).toBe(`cannot read ${FILE}: EACCES; vipd will not start until it can read it`);
    expect(r.fix).toContain(FILE);
  });
});
