import { VipdError } from '../../src/errors';
import { ExecFileRunner } from '../../src/os/exec-runner';
import { ScriptCheck } from '../../src/trackers/script-check';

async function failureOf(p: Promise<void>): Promise<VipdError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof VipdError)) throw new Error(`expected a VipdError, got ${String(e)}`);
  return e;
}

describe('ScriptCheck (real processes)', () => {
  const runner = new ExecFileRunner();

  it('is up when the script exits 0', async () => {
    await expect(new ScriptCheck(runner, 'sh', ['-c', 'exit 0']).run(5000)).resolves.toBeUndefined();
  });

  it('is down with the exit code and stderr when the script exits non-zero', async () => {
    const e = await failureOf(new ScriptCheck(runner, 'sh', ['-c', 'echo db unreachable >&2; exit 1']).run(5000));
    expect(e.code).toBe('VIPD_E_TRACKER');
    expect(e.message).toBe('script sh exited 1: db unreachable');
    expect(e.details).toMatchObject({ exitCode: 1, stderr: 'db unreachable' });
  });

  it('kills a hung script at its timeout and reports the timeout', async () => {
    const e = await failureOf(new ScriptCheck(runner, 'sleep', ['30']).run(300));
    expect(e.code).toBe('VIPD_E_COMMAND_TIMEOUT');
    expect(e.message).toContain('did not finish within 300 ms');
  });

  it('names a script that does not exist', async () => {
    const e = await failureOf(new ScriptCheck(runner, '/nonexistent/check-db', []).run(5000));
    expect(e.code).toBe('VIPD_E_TOOL_MISSING');
    expect(e.message).toContain('/nonexistent/check-db');
  });

  it('rejects an empty command at construction', () => {
    expect(() => new ScriptCheck(runner, '', [])).toThrow(expect.objectContaining({ code: 'VIPD_E_CONFIG' }));
  });
});
