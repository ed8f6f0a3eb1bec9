import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExecFileRunner } from '../../src/os/exec-runner';
import type { CommandResult, CommandRunner } from '../../src/os/runner';
import { NotifyHookRunner, type HookJob } from '../../src/hooks/notify-runner';
import { silentLogger } from '../../src/util/logger';
import { recordingLogger } from '../support/recording-logger';

const ctx = { VIPD_FROM: 'BACKUP', VIPD_TO: 'MASTER', VIPD_REASON: 'master-down', VIPD_VIPS: '10.0.0.10,10.0.0.11', VIPD_NODE_ID: 'node-a' };

function job(over: Partial<HookJob> & Pick<HookJob, 'argv'>): HookJob {
  return { group: 'web', event: 'master', timeoutMs: 10_000, context: ctx, ...over };
}

describe('NotifyHookRunner with real processes', () => {
  let dir: string;
  let out: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vipd-hooks-'));
    out = path.join(dir, 'out');
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const append = (sleep: string): string[] => ['sh', '-c', `sleep ${sleep}; echo "$VIPD_EVENT" >> "$OUT"`];

  it('runs hooks one at a time in event order, whatever their durations, without blocking enqueue', async () => {
    const hooks = new NotifyHookRunner({ runner: new ExecFileRunner(), logger: silentLogger(), env: { ...process.env, OUT: out } });
    hooks.enqueue(job({ event: 'backup', argv: append('0.6') }));
    hooks.enqueue(job({ event: 'master', argv: append('0.3') }));
    hooks.enqueue(job({ event: 'fault', argv: append('0') }));
    hooks.enqueue(job({ event: 'stop', argv: append('0') }));
    // enqueue() returned before any hook ran.
    await expect(fs.access(out)).rejects.toMatchObject({ code: 'ENOENT' });
    await hooks.idle();
    expect(await fs.readFile(out, 'utf8')).toBe('backup\nmaster\nfault\nstop\n');
  });

  it('passes the context and the base environment, and nothing else of the daemon', async () => {
    const hooks = new NotifyHookRunner({ runner: new ExecFileRunner(), logger: silentLogger(), env: { PATH: process.env.PATH, OUT: out, SITE: 'eu-1' } });
    hooks.enqueue(job({ group: 'db', event: 'fault', argv: ['sh', '-c', 'env | grep -E "^(VIPD_|SITE=|HOME=)" | sort > "$OUT"'] }));
    await hooks.idle();
    expect((await fs.readFile(out, 'utf8')).trim().split('\n')).toEqual([
      'SITE=eu-1',
      'VIPD_EVENT=fault',
      'VIPD_FROM=BACKUP',
      'VIPD_GROUP=db',
      'VIPD_NODE_ID=node-a',
      'VIPD_REASON=master-down',
      'VIPD_TO=MASTER',
      'VIPD_VIPS=10.0.0.10,10.0.0.11',
    ]);
  });

  it('passes argv verbatim, without a shell', async () => {
    const hooks = new NotifyHookRunner({ runner: new ExecFileRunner(), logger: silentLogger(), env: { ...process.env, OUT: out } });
    hooks.enqueue(job({ argv: ['sh', '-c', 'printf "%s|" "$@" > "$OUT"', 'hook', 'a b', '$(id)', ';ls'] }));
    await hooks.idle();
    expect(await fs.readFile(out, 'utf8')).toBe('a b|$(id)|;ls|');
  });

  it('kills a hook at its timeout, logs VIPD_E_HOOK and goes on with the next one', async () => {
    const logger = recordingLogger();
    const hooks = new NotifyHookRunner({ runner: new ExecFileRunner(), logger, env: { ...process.env, OUT: out } });
    hooks.enqueue(job({ event: 'master', argv: ['sh', '-c', `echo $$ > "$OUT.pid"; exec sleep 30`], timeoutMs: 300 }));
    hooks.enqueue(job({ event: 'backup', argv: append('0') }));
    await hooks.idle();
    expect(await fs.readFile(out, 'utf8')).toBe('backup\n');
    const timeout = logger.entries.find((e) => e.fields.timedOut === true);
    expect(timeout).toMatchObject({ level: 'warn', fields: { code: 'VIPD_E_HOOK', cause: 'VIPD_E_COMMAND_TIMEOUT', event: 'master', group: 'web' } });
    expect(timeout?.msg).toBe('notify hook master of group web did not finish within 300 ms and was killed');
    const pid = Number((await fs.readFile(`${out}.pid`, 'utf8')).trim());
    for (let i = 0; ; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
      if (i > 500) throw new Error('the timed-out hook is still running');
      await new Promise((r) => setTimeout(r, 10));
    }
  });

  it('logs a failing or missing hook and never throws', async () => {
    const logger = recordingLogger();
    const failures: string[] = [];
    const hooks = new NotifyHookRunner({ runner: new ExecFileRunner(), logger, onFailure: (g) => failures.push(g) });
    expect(() => hooks.enqueue(job({ event: 'fault', argv: ['sh', '-c', 'echo cannot page >&2; exit 3'] }))).not.toThrow();
    hooks.enqueue(job({ event: 'stop', argv: ['/nonexistent/notify'] }));
    await expect(hooks.idle()).resolves.toBeUndefined();
    const hookLogs = logger.entries.filter((e) => e.fields.code === 'VIPD_E_HOOK');
    expect(hookLogs.map((e) => e.msg)).toEqual([
      'notify hook fault of group web exited 3',
      expect.stringContaining('notify hook stop of group web could not run: cannot run /nonexistent/notify'),
    ]);
    expect(hookLogs[0]?.fields).toMatchObject({ exitCode: 3, err: { details: { stderr: 'cannot page' } } });
    expect(hookLogs[1]?.fields).toMatchObject({ cause: 'VIPD_E_TOOL_MISSING' });
    expect(failures).toEqual(['web', 'web']);
  });

  it("does not let one group's hung hook delay another group's", async () => {
    const logger = recordingLogger();
    const hooks = new NotifyHookRunner({ runner: new ExecFileRunner(), logger, env: { ...process.env, OUT: out } });
    hooks.enqueue(job({ group: 'slow', argv: ['sleep', '30'], timeoutMs: 1500 }));
    hooks.enqueue(job({ group: 'fast', event: 'backup', argv: append('0') }));
    await hooks.idle();
    const order = logger.entries.map((e) => `${String(e.fields.group)}:${e.fields.timedOut === true ? 'timeout' : 'done'}`);
    expect(order).toEqual(['fast:done', 'slow:timeout']);
  });
});

/** A runner whose commands finish only when the test says so. */
class GatedRunner implements CommandRunner {
  readonly started: string[] = [];
  private readonly gates: Array<() => void> = [];
  run(file: string, args: readonly string[]): Promise<CommandResult> {
    this.started.push([file, ...args].join(' '));
    return new Promise((resolve) => this.gates.push(() => resolve({ stdout: '', stderr: '', exitCode: 0 })));
  }
  release(): boolean {
    const g = this.gates.shift();
    g?.();
    return g !== undefined;
  }
}

describe('NotifyHookRunner queue', () => {
  const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

  it('bounds pending hooks per group, dropping the oldest with a warning', async () => {
    const runner = new GatedRunner();
    const logger = recordingLogger();
    const hooks = new NotifyHookRunner({ runner, logger, maxPending: 3 });
    hooks.enqueue(job({ argv: ['hook', '1'] }));
    await tick();
    for (let i = 2; i <= 6; i++) hooks.enqueue(job({ argv: ['hook', String(i)] }));
    const idle = hooks.idle();
    for (let i = 0; i < 20; i++) {
      runner.release();
      await tick();
    }
    await idle;
    expect(runner.started).toEqual(['hook 1', 'hook 4', 'hook 5', 'hook 6']);
    const drops = logger.entries.filter((e) => e.level === 'warn' && e.fields.code === 'VIPD_E_HOOK' && e.msg.includes('dropped the oldest'));
    expect(drops).toHaveLength(2);
  });

  it('ignores events without a hook, and idle() resolves at once when nothing is queued', async () => {
    const runner = new GatedRunner();
    const hooks = new NotifyHookRunner({ runner, logger: silentLogger() });
    hooks.enqueue(job({ argv: null }));
    await hooks.idle();
    expect(runner.started).toEqual([]);
  });

  it('logs an empty command instead of running it', async () => {
    const runner = new GatedRunner();
    const logger = recordingLogger();
    const hooks = new NotifyHookRunner({ runner, logger });
    hooks.enqueue(job({ argv: [] }));
    await hooks.idle();
    expect(runner.started).toEqual([]);
    expect(logger.entries).toEqual([expect.objectContaining({ level: 'error', fields: expect.objectContaining({ code: 'VIPD_E_HOOK' }) })]);
  });

  it('refuses context keys that could override the environment (a caller bug)', () => {
    const hooks = new NotifyHookRunner({ runner: new GatedRunner(), logger: silentLogger() });
    expect(() => hooks.enqueue(job({ argv: ['x'], context: { PATH: '/tmp/evil' } }))).toThrow(expect.objectContaining({ code: 'VIPD_E_INTERNAL' }));
    expect(() => new NotifyHookRunner({ runner: new GatedRunner(), logger: silentLogger(), maxPending: 0 })).toThrow(
      expect.objectContaining({ code: 'VIPD_E_CONFIG' }),
    );
  });
});
