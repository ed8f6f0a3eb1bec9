import { execFileSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecFileRunner, runChecked } from '../../src/os/exec-runner';
import { VipdError } from '../../src/errors';
import { ensureBuilt } from '../support/build';

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
  it('a signal shared by many finished commands keeps no listener, and aborting it later kills no (reused) process group', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 12; i++) await runner.run('true', [], { signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    const kill = jest.spyOn(process, 'kill');
    try {
      controller.abort();
      expect(kill).not.toHaveBeenCalled();
    } finally {
      kill.mockRestore();
    }
  });

  it('a command that starts something in the background and exits is done at its exit; the background process is left running', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vipd-bg-'));
    const pidFile = join(dir, 'bg.pid');
    try {
      // The classic notify hook: `nohup svc &` keeps the hook's stdout open.
      const r = await runner.run('sh', ['-c', `sleep 30 & echo $! > ${pidFile}; echo started; exit 0`], { timeoutMs: 5_000, leaveBackground: true });
      expect(r).toMatchObject({ exitCode: 0, stdout: 'started\n' });
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      expect(existsSync(`/proc/${pid}`)).toBe(true);
      process.kill(pid, 'SIGKILL');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without leaveBackground (trackers, ip), what a command left in the background is killed once it exits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vipd-bg-'));
    const pidFile = join(dir, 'bg.pid');
    try {
      const r = await runner.run('sh', ['-c', `sleep 30 & echo $! > ${pidFile}; echo hi`], { timeoutMs: 5_000 });
      expect(r).toMatchObject({ exitCode: 0, stdout: 'hi\n' });
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      const state = (): string => (existsSync(`/proc/${pid}/stat`) ? (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] ?? '') : 'gone');
      // SIGKILL is sent; the kernel takes a moment to tear the process down.
      for (let i = 0; i < 100 && !['gone', 'Z'].includes(state()); i++) await new Promise((r) => setTimeout(r, 20));
      expect(['gone', 'Z']).toContain(state());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names a missing tool', async () => {
    await expect(runner.run('/nonexistent/vipd-tool', [])).rejects.toMatchObject({ code: 'VIPD_E_TOOL_MISSING' });
  });
  it('feeds stdin', async () => {
    const r = await runner.run('cat', [], { input: 'addr show\n' });
    expect(r.stdout).toBe('addr show\n');
  });

  describe('prepare (started ahead of its input)', () => {
    it('the process runs before run() feeds it, and run() returns what it printed for that input', async () => {
      const script = 'process.stdout.write(String(Date.now()) + " "); process.stdin.pipe(process.stdout)';
      const prepared = runner.prepare(process.execPath, ['-e', script]);
      expect(prepared.alive).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      const fedAt = Date.now();
      const r = await prepared.run('addr add 10.0.1.100/24 dev eth0\n');
      const [startedAt, ...rest] = r.stdout.split(' ');
      expect(Number(startedAt)).toBeLessThan(fedAt);
      expect(rest.join(' ')).toBe('addr add 10.0.1.100/24 dev eth0\n');
      expect(r.exitCode).toBe(0);
      expect(prepared.alive).toBe(false);
      await expect(prepared.run('again')).rejects.toMatchObject({ code: 'VIPD_E_INTERNAL' });
    });

    it('reports a non-zero exit and stderr like run()', async () => {
      const r = await runner.prepare('sh', ['-c', 'cat >/dev/null; echo bad >&2; exit 4']).run('x');
      expect(r).toMatchObject({ exitCode: 4, stderr: 'bad\n' });
    });

    it('a missing tool is VIPD_E_TOOL_MISSING at run(), and not alive', async () => {
      const prepared = runner.prepare('/nonexistent/vipd-tool', []);
      await new Promise((r) => setTimeout(r, 50));
      expect(prepared.alive).toBe(false);
      await expect(prepared.run('')).rejects.toMatchObject({ code: 'VIPD_E_TOOL_MISSING' });
    });

    it('dispose kills it while idle; a prepared command that died is not alive', async () => {
      const prepared = runner.prepare('cat', []);
      prepared.dispose();
      expect(prepared.alive).toBe(false);
      const other = runner.prepare('sh', ['-c', 'exit 0']);
      await new Promise((r) => setTimeout(r, 200));
      expect(other.alive).toBe(false);
    });

    it('the run() deadline applies to the fed command', async () => {
      const prepared = runner.prepare('sh', ['-c', 'cat >/dev/null; sleep 30']);
      await expect(prepared.run('x', { timeoutMs: 200 })).rejects.toMatchObject({ code: 'VIPD_E_COMMAND_TIMEOUT' });
    });

    it('an idle prepared command does not keep its process alive, and ends when that process does', () => {
      ensureBuilt();
      const marker = mkdtempSync(join(tmpdir(), 'vipd-prepared-'));
      try {
        const compiled = join(__dirname, '..', '..', 'dist', 'src', 'os', 'exec-runner.js');
        const out = join(marker, 'out');
        const child = [
          `const { ExecFileRunner } = require(${JSON.stringify(compiled)});`,
          // cat copies its stdin to a file and exits at EOF: the file's existence after the parent exits proves it ended.
          `new ExecFileRunner().prepare('sh', ['-c', 'cat > ${out}.tmp; mv ${out}.tmp ${out}']);`,
        ].join('\n');
        execFileSync(process.execPath, ['-e', child], { timeout: 10_000 });
        const deadline = Date.now() + 5000;
        while (!existsSync(out) && Date.now() < deadline) execFileSync('sleep', ['0.05']);
        expect(existsSync(out)).toBe(true);
        expect(readFileSync(out, 'utf8')).toBe('');
      } finally {
        rmSync(marker, { recursive: true, force: true });
      }
    });
  });
});
