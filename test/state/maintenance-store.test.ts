import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DryRunMaintenanceStore, FileMaintenanceStore, MAINTENANCE_FILE } from '../../src/state/maintenance-store';
import { VipdError } from '../../src/errors';
import { silentLogger } from '../../src/util/logger';

async function caught(p: Promise<unknown>): Promise<VipdError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof VipdError) return e;
    throw e;
  }
  throw new Error('expected a VipdError');
}

describe('FileMaintenanceStore (real files in a temporary directory)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vipd-state-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads "nothing saved" when the file is absent, also when the directory is', async () => {
    expect(await new FileMaintenanceStore(dir).load()).toBeNull();
    expect(await new FileMaintenanceStore(join(dir, 'missing')).load()).toBeNull();
  });

  it('saves, loads and clears; the file is JSON, mode 0640, and no temporary file stays behind', async () => {
    const store = new FileMaintenanceStore(dir);
    await store.save({ since: '2026-11-27T05:00:00.000Z' });
    expect(store.location).toBe(join(dir, MAINTENANCE_FILE));
    expect(JSON.parse(readFileSync(store.location, 'utf8'))).toEqual({ maintenance: true, since: '2026-11-27T05:00:00.000Z' });
    expect(statSync(store.location).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir)).toEqual([MAINTENANCE_FILE]);
    expect(await store.load()).toEqual({ since: '2026-11-27T05:00:00.000Z' });
    // Saving again replaces the content (a second `maintenance on`).
    await store.save({ since: '2026-11-27T06:00:00.000Z' });
    expect(await store.load()).toEqual({ since: '2026-11-27T06:00:00.000Z' });
    await store.clear();
    expect(readdirSync(dir)).toEqual([]);
    expect(await store.load()).toBeNull();
    await store.clear(); // already off: not an error
  });

  it('treats a file it cannot parse as maintenance on (presence counts), with an unknown start', async () => {
    const store = new FileMaintenanceStore(dir);
    for (const content of ['', '{', 'maintenance', '{"since": 5}', '[]', 'null']) {
      writeFileSync(store.location, content);
      expect(await store.load()).toEqual({ since: null });
    }
  });

  it('a path it cannot read is an error, never "nothing saved"', async () => {
    const store = new FileMaintenanceStore(dir);
    mkdirSync(store.location); // EISDIR on read
    const e = await caught(store.load());
    expect(e.code).toBe('VIPD_E_STATE_FILE');
    expect(e.message).toContain(`cannot read ${store.location}: EISDIR`);
    expect(e.details).toMatchObject({ errno: 'EISDIR' });
  });

  it('saving into a missing directory fails with the fix in the message', async () => {
    const store = new FileMaintenanceStore(join(dir, 'missing'));
    const e = await caught(store.save({ since: null }));
    expect(e.code).toBe('VIPD_E_STATE_FILE');
    expect(e.message).toMatch(/cannot write .*maintenance\.json: ENOENT \(the state directory does not exist.*StateDirectory=vipd/);
  });

  it('a failed rename leaves neither the file nor the temporary file', async () => {
    const store = new FileMaintenanceStore(dir);
    mkdirSync(join(store.location, 'occupied'), { recursive: true }); // rename onto a non-empty directory fails
    const e = await caught(store.save({ since: null }));
    expect(e.code).toBe('VIPD_E_STATE_FILE');
    expect(readdirSync(dir)).toEqual([MAINTENANCE_FILE]);
    expect(statSync(store.location).isDirectory()).toBe(true);
  });

  it('clearing a path it cannot remove is an error', async () => {
    const store = new FileMaintenanceStore(dir);
    mkdirSync(store.location); // rm without recursive refuses a directory
    const e = await caught(store.clear());
    expect(e.code).toBe('VIPD_E_STATE_FILE');
    expect(e.message).toContain(`cannot remove ${store.location}`);
  });
});

describe('DryRunMaintenanceStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vipd-state-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads what a real run would read and writes nothing', async () => {
    const real = new FileMaintenanceStore(dir);
    const dry = new DryRunMaintenanceStore(real, silentLogger());
    expect(dry.location).toBe(real.location);
    await dry.save({ since: '2026-11-27T05:00:00.000Z' });
    expect(readdirSync(dir)).toEqual([]);
    await real.save({ since: '2026-11-27T05:00:00.000Z' });
    expect(await dry.load()).toEqual({ since: '2026-11-27T05:00:00.000Z' });
    await dry.clear();
    expect(await real.load()).toEqual({ since: '2026-11-27T05:00:00.000Z' });
  });
});
