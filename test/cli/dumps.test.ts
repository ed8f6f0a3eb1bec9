import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignalDumps, fsDumpFiles } from '../../src/cli/dumps';
import type { Logger } from '../../src/util/logger';

function recorder(): { logger: Logger; entries: Array<{ level: string; obj: Record<string, unknown> }> } {
  const entries: Array<{ level: string; obj: Record<string, unknown> }> = [];
  const at = (level: string) => (obj: object | string) => void entries.push({ level, obj: typeof obj === 'string' ? {} : (obj as Record<string, unknown>) });
  const logger: Logger = {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    child: () => logger,
  };
  return { logger, entries };
}

describe('SignalDumps', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vipd-dumps-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes vipd.data and vipd.stats next to the control socket, mode 0640 whatever the umask, and logs the same document', async () => {
    const { logger, entries } = recorder();
    const dumps = new SignalDumps({
      runtimeDir: SignalDumps.runtimeDirOf(join(dir, 'control.sock')),
      files: fsDumpFiles,
      logger,
      state: () => ({ nodeId: 'n1' }),
      counters: () => Promise.resolve({ c: 1 }),
    });
    const umask = process.umask(0o077);
    try {
      await dumps.dumpState('SIGUSR1');
      await dumps.dumpCounters('SIGUSR2');
    } finally {
      process.umask(umask);
    }
    expect(JSON.parse(readFileSync(join(dir, 'vipd.data'), 'utf8'))).toEqual({ nodeId: 'n1' });
    expect(JSON.parse(readFileSync(join(dir, 'vipd.stats'), 'utf8'))).toEqual({ c: 1 });
    expect(statSync(join(dir, 'vipd.data')).mode & 0o777).toBe(0o640);
    expect(entries.map((e) => [e.level, e.obj.event, e.obj.state ?? e.obj.counters])).toEqual([
      ['info', 'state-dump', { nodeId: 'n1' }],
      ['info', 'counters-dump', { c: 1 }],
    ]);
  });

  it('a file that cannot be written still leaves the dump in the log, as an error, and never throws', async () => {
    const { logger, entries } = recorder();
    const dumps = new SignalDumps({
      runtimeDir: join(dir, 'missing', 'dir'),
      files: fsDumpFiles,
      logger,
      state: () => ({ nodeId: 'n1' }),
      counters: () => Promise.reject(new Error('registry broken')),
    });
    await dumps.dumpState('SIGUSR1');
    await dumps.dumpCounters('SIGUSR2');
    expect(entries[0]).toMatchObject({ level: 'error', obj: { event: 'state-dump', state: { nodeId: 'n1' }, err: { code: 'VIPD_E_INTERNAL' } } });
    expect(entries[1]).toMatchObject({ level: 'error', obj: { event: 'counters-dump' } });
  });
});
