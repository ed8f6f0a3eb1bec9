import { promises as fs } from 'node:fs';
import { VipdError } from '../../src/errors';
import { LinkCheck, type ReadTextFile } from '../../src/trackers/link-check';

function errno(code: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`${code}: simulated`);
  e.code = code;
  return e;
}

/** A /sys reader over a table: a string is the file's content, an Error is thrown. */
function sysfs(files: Record<string, string | Error>): ReadTextFile & { reads: string[] } {
  const reads: string[] = [];
  const read = async (path: string): Promise<string> => {
    reads.push(path);
    const v = files[path];
    if (v === undefined) throw errno('ENOENT');
    if (v instanceof Error) throw v;
    return v;
  };
  return Object.assign(read, { reads });
}

async function outcome(check: LinkCheck): Promise<string> {
  return check.run(5000).then(
    () => 'up',
    (e: unknown) => {
      if (!(e instanceof VipdError)) throw e;
      expect(e.code).toBe('VIPD_E_TRACKER');
      return e.message;
    },
  );
}

const OP = '/sys/class/net/eth0/operstate';
const CARRIER = '/sys/class/net/eth0/carrier';

describe('LinkCheck', () => {
  it.each([
    [{ [OP]: 'up\n' }, 'up'],
    [{ [OP]: 'unknown\n', [CARRIER]: '1\n' }, 'up'],
    [{ [OP]: 'unknown\n', [CARRIER]: '0\n' }, 'interface eth0 has no carrier (operstate unknown, carrier 0)'],
    [{ [OP]: 'unknown\n', [CARRIER]: errno('EINVAL') }, 'interface eth0 is administratively down'],
    [{ [OP]: 'down\n' }, 'interface eth0 is down'],
    [{ [OP]: 'lowerlayerdown\n' }, 'interface eth0 is lowerlayerdown'],
    [{ [OP]: 'dormant\n' }, 'interface eth0 is dormant'],
    [{ [OP]: '\n' }, 'interface eth0 is (empty operstate)'],
    [{}, 'interface eth0 does not exist (/sys/class/net/eth0/operstate is missing)'],
    [{ [OP]: errno('EACCES') }, 'cannot read /sys/class/net/eth0/operstate: EACCES'],
    [{ [OP]: 'unknown\n', [CARRIER]: errno('EIO') }, 'cannot read /sys/class/net/eth0/carrier: EIO'],
  ])('%j -> %s', async (files, expected) => {
    expect(await outcome(new LinkCheck(sysfs(files), 'eth0'))).toBe(expected);
  });

  it('does not read carrier when operstate is conclusive', async () => {
    const read = sysfs({ [OP]: 'up\n' });
    await new LinkCheck(read, 'eth0').run(5000);
    expect(read.reads).toEqual([OP]);
  });

  it('marks a missing interface as such, and a read error as not missing', async () => {
    const missing = await new LinkCheck(sysfs({}), 'eth0').run(5000).catch((e: unknown) => e);
    expect(missing).toMatchObject({ details: { missing: true } });
    const denied = await new LinkCheck(sysfs({ [OP]: errno('EACCES') }), 'eth0').run(5000).catch((e: unknown) => e);
    expect(denied).toMatchObject({ details: { errno: 'EACCES' } });
    expect((denied as VipdError).details.missing).toBeUndefined();
  });

  it('fails a read that never returns at the timeout', async () => {
    const never: ReadTextFile = () => new Promise<string>(() => undefined);
    await expect(new LinkCheck(never, 'eth0').run(100)).rejects.toMatchObject({
      code: 'VIPD_E_TRACKER',
      message: expect.stringContaining('longer than 100 ms'),
    });
  });

  it.each(['', '../../etc', 'a/b', 'x'.repeat(16), '.', '..', 'eth 0'])('rejects interface name %j', (name) => {
    expect(() => new LinkCheck(sysfs({}), name)).toThrow(expect.objectContaining({ code: 'VIPD_E_CONFIG' }));
  });

  it('reads the real loopback as up and a missing real interface as down', async () => {
    const readFile: ReadTextFile = (p) => fs.readFile(p, 'utf8');
    expect(await outcome(new LinkCheck(readFile, 'lo'))).toBe('up');
    expect(await outcome(new LinkCheck(readFile, 'vipdnosuch0'))).toBe(
      'interface vipdnosuch0 does not exist (/sys/class/net/vipdnosuch0/operstate is missing)',
    );
  });
});
