import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecFileRunner, runChecked } from '../../src/os/exec-runner';
import { VipdError } from '../../src/errors';

describe('ExecFileRunner', () => {
  const runner = new ExecFileRunner();
  it('passes arguments verbatim, without a shell', async () => {
    const r = await runner.run('printf', ['%s|', 'a b', '$(id)', ';ls']);
    expect(r.stdout).toBe('a b|$(id)|;ls|');
    expect(r.exitCode).toBe(0);
  });
  it('reports non-zero exits with stderr, and runChecked turns them into typed errors', async () => {
    const r = await runner.run('sh', ['-c', 'echo oops >&2; exit 3']);
    expect(r).toMatchObject({ exitCode: 3, stderr: 'oops\n' });
    await expect(runChecked(runner, 'sh', ['-c', 'echo nope >&2; exit 2'])).rejects.toMatchObject({
      code: 'VIPD_E_COMMAND_FAILED',
      details: { exitCode: 2, stderr: 'nope' },
    });
  });
  it('kills a hung command and its children at the timeout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vipd-runner-'));
    const pidFile = join(dir, 'child.pid');
    const err = await runner.run('sh', ['-c', `sleep 30 & echo $! > ${pidFile}; wait`], { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VipdError);
    expect((err as VipdError).code).toBe('VIPD_E_COMMAND_TIMEOUT');
    const child = Number(readFileSync(pidFile, 'utf8').trim());
    await new Promise((r) => setTimeout(r, 100));
    // The forked grandchild went with its process group: gone, or a zombie waiting for init to reap it.
    const state = existsSync(`/proc/${child}/stat`) ? (readFileSync(`/proc/${child}/stat`, 'utf8').split(') ')[1]?.[0] ?? '') : 'gone';
    expect(['gone', 'Z', 'X']).toContain(state);
    rmSync(dir, { recursive: true, force: true });
  });
  it('kills a command when its signal aborts', async () => {
    const controller = new AbortController();
    const pending = runner.run('sleep', ['30'], { signal: controller.signal, timeoutMs: 60_000 });
    setTimeout(() => controller.abort(), 50);
    const r = await pending;
    expect(r.exitCode).not.toBe(0);
  });
  it('names a missing tool', async () => {
    await expect(runner.run('/nonexistent/vipd-tool', [])).rejects.toMatchObject({ code: 'VIPD_E_TOOL_MISSING' });
  });
  it('feeds stdin', async () => {
    const r = await runner.run('cat', [], { input: 'addr show\n' });
    expect(r.stdout).toBe('addr show\n');
  });
});
