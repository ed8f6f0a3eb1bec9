import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TrackerConfig } from '../../src/config/types';
import { VipdError } from '../../src/errors';
import { ExecFileRunner } from '../../src/os/exec-runner';
import { GroupTrackers, defaultCheckFactory, type GroupHealth, type TrackerCheck, type TrackerCheckFactory } from '../../src/trackers/group-trackers';
import { HttpCheck } from '../../src/trackers/http-check';
import { LinkCheck } from '../../src/trackers/link-check';
import { ScriptCheck } from '../../src/trackers/script-check';
import { TcpCheck } from '../../src/trackers/tcp-check';
import { processClock } from '../../src/util/clock';
import { silentLogger } from '../../src/util/logger';
import { FakeTime } from '../support/fake-time';
import { recordingLogger } from '../support/recording-logger';

function tracker(name: string, over: Partial<Omit<TrackerConfig, 'type'>> = {}): TrackerConfig {
  return { type: 'script', command: 'true', args: [], name, intervalMs: 1000, timeoutMs: 500, rise: 1, fall: 1, weight: -10, ...over } as TrackerConfig;
}

/**
 * Checks the test drives by hand: each run() returns a pending promise the
 * test settles with pass()/fail(), or settles at once from a script of outcomes.
 */
class ScriptedChecks {
  readonly calls = new Map<string, number>();
  readonly inFlight = new Map<string, number>();
  readonly maxInFlight = new Map<string, number>();
  private readonly waiting = new Map<string, Array<(ok: boolean) => void>>();
  private readonly outcomes = new Map<string, boolean[]>();

  /** Future results for `name`, consumed one per probe; when empty, probes stay pending. */
  script(name: string, ...results: boolean[]): void {
    this.outcomes.set(name, [...(this.outcomes.get(name) ?? []), ...results]);
  }

  settle(name: string, ok: boolean): void {
    const next = this.waiting.get(name)?.shift();
    if (next === undefined) throw new Error(`no probe of ${name} is pending`);
    next(ok);
  }

  readonly factory: TrackerCheckFactory = (config) => ({
    run: () => {
      const name = config.name;
      this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
      const now = (this.inFlight.get(name) ?? 0) + 1;
      this.inFlight.set(name, now);
      this.maxInFlight.set(name, Math.max(now, this.maxInFlight.get(name) ?? 0));
      return new Promise<void>((resolve, reject) => {
        const done = (ok: boolean): void => {
          this.inFlight.set(name, (this.inFlight.get(name) ?? 1) - 1);
          if (ok) resolve();
          else reject(new VipdError('VIPD_E_TRACKER', `${name} said no`));
        };
        const scripted = this.outcomes.get(name)?.shift();
        if (scripted !== undefined) done(scripted);
        else this.waiting.set(name, [...(this.waiting.get(name) ?? []), done]);
      });
    },
  });
}

function setup(trackers: TrackerConfig[], opts: { logger?: ReturnType<typeof recordingLogger> } = {}) {
  const time = new FakeTime();
  const checks = new ScriptedChecks();
  const changes: GroupHealth[] = [];
  const group = new GroupTrackers({
    trackers,
    checks: checks.factory,
    clock: time,
    logger: opts.logger ?? silentLogger(),
    onChange: (h) => changes.push(h),
    timers: time,
  });
  return { time, checks, changes, group };
}

describe('GroupTrackers', () => {
  it('starts every tracker down (penalised, weight 0 faults) until it has risen', async () => {
    const { time, checks, changes, group } = setup([tracker('db', { weight: -50, rise: 2 }), tracker('disk', { weight: 0, rise: 1 })]);
    expect(group.health()).toEqual({ penalty: -50, fault: true });
    expect(group.status().map((s) => [s.name, s.up, s.lastCheckAt])).toEqual([
      ['db', false, null],
      ['disk', false, null],
    ]);
    checks.script('db', true, true);
    checks.script('disk', true);
    group.start();
    expect(checks.calls.size).toBe(0); // start() itself never probes
    await time.advance(0);
    expect(group.health()).toEqual({ penalty: -50, fault: false });
    await time.advance(1000);
    expect(group.health()).toEqual({ penalty: 0, fault: false });
    expect(changes).toEqual([
      { penalty: -50, fault: false },
      { penalty: 0, fault: false },
    ]);
    group.stop();
  });

  it('reports a tracker coming up although the group health stays the same (two weight-0 trackers, one still down)', async () => {
    const { time, checks, changes, group } = setup([tracker('a', { weight: 0 }), tracker('b', { weight: 0 })]);
    checks.script('a', true);
    checks.script('b', false);
    group.start();
    await time.advance(0);
    expect(group.health()).toEqual({ penalty: 0, fault: true });
    expect(group.status().map((s) => [s.name, s.up])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    // Health did not move (still FAULT), but tracker a did: the listener hears of it (vipd_tracker_up).
    expect(changes).toEqual([{ penalty: 0, fault: true }]);
    group.stop();
  });

  it('goes down after fall failures and up after rise successes, reporting only changes', async () => {
    const { time, checks, changes, group } = setup([tracker('api', { weight: -30, rise: 2, fall: 3 })]);
    checks.script('api', true, true, false, false, true, false, false, false, true, true);
    group.start();
    const ups: boolean[] = [];
    for (let i = 0; i < 10; i++) {
      await time.advance(i === 0 ? 0 : 1000);
      ups.push(group.status()[0]?.up ?? false);
    }
    expect(ups).toEqual([false, true, true, true, true, true, true, false, false, true]);
    expect(changes).toEqual([
      { penalty: 0, fault: false },
      { penalty: -30, fault: false },
      { penalty: 0, fault: false },
    ]);
    group.stop();
  });

  it('adds negative weights of down trackers and positive weights of up ones (keepalived), and faults on a down weight-0 tracker', async () => {
    const { time, checks, group } = setup([
      tracker('a', { weight: -50 }),
      tracker('b', { weight: -20 }),
      tracker('c', { weight: 0 }),
      tracker('d', { weight: 5 }),
    ]);
    checks.script('a', false, false);
    checks.script('b', true, false);
    checks.script('c', true, false);
    checks.script('d', true, true);
    group.start();
    await time.advance(0);
    expect(group.health()).toEqual({ penalty: -45, fault: false });
    await time.advance(1000);
    expect(group.health()).toEqual({ penalty: -65, fault: true });
    group.stop();
  });

  it('records status: streak, last error, time of last check', async () => {
    const { time, checks, group } = setup([tracker('api', { fall: 3 })]);
    checks.script('api', true, false, false);
    group.start();
    await time.advance(0);
    await time.advance(1000);
    await time.advance(1000);
    expect(group.status()).toEqual([{ name: 'api', type: 'script', up: true, weight: -10, consecutive: 2, lastError: 'api said no', lastCheckAt: 2000 }]);
    group.stop();
  });

  it('never starts a probe while the previous one is in flight, and counts the hang as failures', async () => {
    const logger = recordingLogger();
    const { time, checks, group } = setup([tracker('slow', { intervalMs: 1000, timeoutMs: 500, fall: 2 })], { logger });
    checks.script('slow', true);
    group.start();
    await time.advance(0);
    expect(group.status()[0]?.up).toBe(true);
    await time.advance(1000); // second probe starts and hangs
    expect(checks.calls.get('slow')).toBe(2);
    await time.advance(1500); // overrun (500 + 1000 grace) -> failure 1
    expect(group.status()[0]).toMatchObject({ up: true, consecutive: 1, lastError: 'probe of slow did not settle within its 500 ms timeout' });
    await time.advance(1000); // next interval: still hung -> failure 2 -> down
    expect(group.status()[0]).toMatchObject({ up: false, consecutive: 2, lastError: 'previous probe of slow is still running past its timeout' });
    await time.advance(5000);
    expect(checks.calls.get('slow')).toBe(2);
    expect(checks.maxInFlight.get('slow')).toBe(1);
    // The hung probe finally returns: its late result is not counted, and probing resumes.
    checks.settle('slow', true);
    checks.script('slow', true);
    await time.advance(1000);
    expect(checks.calls.get('slow')).toBe(3);
    expect(group.status()[0]).toMatchObject({ up: true, consecutive: 1, lastError: null });
    expect(logger.entries.some((e) => e.level === 'warn' && e.msg === 'tracker slow is down' && e.fields.code === 'VIPD_E_TRACKER')).toBe(true);
    group.stop();
  });

  it('keeps the interval start to start, and starts at once after a probe that overran it', async () => {
    const time = new FakeTime();
    const checks = new ScriptedChecks();
    const starts: number[] = [];
    const factory = checks.factory;
    const timed = new GroupTrackers({
      trackers: [tracker('x', { intervalMs: 1000, timeoutMs: 5000 })],
      checks: (c) => {
        const inner = factory(c);
        return { run: (ms) => (starts.push(time.nowMs()), inner.run(ms)) };
      },
      clock: time,
      logger: silentLogger(),
      onChange: () => undefined,
      timers: time,
    });
    timed.start();
    await time.advance(0);
    await time.advance(300);
    checks.settle('x', true); // took 300 ms
    await time.advance(700);
    await time.advance(1500);
    checks.settle('x', true); // took 1500 ms: longer than the interval
    await time.advance(0);
    expect(starts).toEqual([0, 1000, 2500]);
    timed.stop();
  });

  it('stops cleanly: no timers left, late results ignored, no restart', async () => {
    const { time, checks, changes, group } = setup([tracker('a')]);
    group.start();
    await time.advance(0);
    group.stop();
    expect(time.pendingTimers()).toBe(0);
    checks.settle('a', true);
    await time.advance(10_000);
    expect(changes).toEqual([]);
    expect(group.status()[0]?.lastCheckAt).toBeNull();
    expect(checks.calls.get('a')).toBe(1);
    expect(() => group.start()).toThrow(expect.objectContaining({ code: 'VIPD_E_INTERNAL' }));
  });

  it('counts a check that throws synchronously as a failure', async () => {
    const time = new FakeTime();
    const group = new GroupTrackers({
      trackers: [tracker('boom')],
      checks: (): TrackerCheck => ({
        run: () => {
          throw new Error('kaboom');
        },
      }),
      clock: time,
      logger: silentLogger(),
      onChange: () => undefined,
      timers: time,
    });
    group.start();
    await time.advance(0);
    expect(group.status()[0]).toMatchObject({ up: false, lastError: 'kaboom', lastCheckAt: 0 });
    group.stop();
  });

  it('logs a listener that throws and keeps probing', async () => {
    const time = new FakeTime();
    const logger = recordingLogger();
    const checks = new ScriptedChecks();
    checks.script('a', true, false);
    const group = new GroupTrackers({
      trackers: [tracker('a')],
      checks: checks.factory,
      clock: time,
      logger,
      onChange: () => {
        throw new Error('listener bug');
      },
      timers: time,
    });
    group.start();
    await time.advance(0);
    await time.advance(1000);
    expect(group.status()[0]?.up).toBe(false);
    expect(logger.entries.filter((e) => e.level === 'error' && e.msg === 'tracker health listener threw')).toHaveLength(2);
    group.stop();
  });

  it('carries verdicts of unchanged trackers over to its successor (reload keeps the VIP)', async () => {
    const { time, checks, group } = setup([tracker('same', { weight: 0 }), tracker('moved', { weight: -10 })]);
    checks.script('same', true);
    checks.script('moved', true);
    group.start();
    await time.advance(0);
    expect(group.health()).toEqual({ penalty: 0, fault: false });
    const next = new GroupTrackers({
      trackers: [
        tracker('same', { weight: 0, rise: 5 }), // counts changed, target not: verdict kept
        { ...tracker('moved', { weight: -10 }), args: ['--other'] } as TrackerConfig, // target changed: starts over
        tracker('new', { weight: -3 }),
      ],
      checks: checks.factory,
      clock: time,
      logger: silentLogger(),
      onChange: () => undefined,
      carryOver: group.carryOver(),
      timers: time,
    });
    group.stop();
    expect(next.health()).toEqual({ penalty: -13, fault: false });
    expect(next.status().map((s) => [s.name, s.up])).toEqual([
      ['same', true],
      ['moved', false],
      ['new', false],
    ]);
  });

  it.each<[string, TrackerConfig[]]>([
    ['duplicate names', [tracker('a'), tracker('a')]],
    ['empty name', [tracker('')]],
    ['rise 0', [tracker('a', { rise: 0 })]],
    ['fall 1.5', [tracker('a', { fall: 1.5 })]],
    ['interval 0', [tracker('a', { intervalMs: 0 })]],
    ['timeout NaN', [tracker('a', { timeoutMs: Number.NaN })]],
    ['weight 300', [tracker('a', { weight: 300 })]],
    // Cast on purpose: a tracker type the config's schema would refuse, to show GroupTrackers refuses it too.
    ['unknown type', [{ ...tracker('a'), type: 'ping' } as unknown as TrackerConfig]],
  ])('rejects a bad config: %s', (_label, trackers) => {
    const time = new FakeTime();
    expect(
      () => new GroupTrackers({ trackers, checks: new ScriptedChecks().factory, clock: time, logger: silentLogger(), onChange: () => undefined, timers: time }),
    ).toThrow(expect.objectContaining({ code: 'VIPD_E_CONFIG' }));
  });
});

describe('defaultCheckFactory', () => {
  const factory = defaultCheckFactory({ runner: new ExecFileRunner(), readFile: (p) => fs.readFile(p, 'utf8') });
  const common = { name: 'n', intervalMs: 1000, timeoutMs: 500, rise: 1, fall: 1, weight: -1 };
  it('builds one check per type', () => {
    expect(factory({ ...common, type: 'script', command: 'true', args: [] })).toBeInstanceOf(ScriptCheck);
    expect(factory({ ...common, type: 'http', url: 'http://127.0.0.1/', expectStatus: 200 })).toBeInstanceOf(HttpCheck);
    expect(factory({ ...common, type: 'tcp', host: '127.0.0.1', port: 80 })).toBeInstanceOf(TcpCheck);
    expect(factory({ ...common, type: 'link', interface: 'lo' })).toBeInstanceOf(LinkCheck);
  });
  it('rejects an unknown type and bad targets with VIPD_E_CONFIG', () => {
    // Cast on purpose: an unknown type, which the type system (rightly) cannot express.
    expect(() => factory({ ...common, type: 'ping' } as unknown as TrackerConfig)).toThrow(expect.objectContaining({ code: 'VIPD_E_CONFIG' }));
    expect(() => factory({ ...common, type: 'link', interface: '../x' })).toThrow(expect.objectContaining({ code: 'VIPD_E_CONFIG' }));
  });
});

describe('GroupTrackers with real processes and timers', () => {
  const runner = new ExecFileRunner();
  const realFactory = defaultCheckFactory({ runner, readFile: (p) => fs.readFile(p, 'utf8') });

  function waitFor(pred: () => boolean, what: string, ms = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const deadline = setTimeout(() => {
        clearInterval(poll);
        reject(new Error(`timed out waiting for ${what}`));
      }, ms);
      const poll = setInterval(() => {
        if (!pred()) return;
        clearTimeout(deadline);
        clearInterval(poll);
        resolve();
      }, 10);
    });
  }

  it('never blocks the loop: setImmediate runs while a 2 s script is in flight', async () => {
    const order: string[] = [];
    const group = new GroupTrackers({
      trackers: [{ ...tracker('slow', { intervalMs: 60_000, timeoutMs: 10_000 }), command: 'sleep', args: ['2'] } as TrackerConfig],
      checks: (c) => {
        const inner = realFactory(c);
        return { run: (ms) => (order.push('probe started'), inner.run(ms)) };
      },
      clock: processClock,
      logger: silentLogger(),
      onChange: (h) => order.push(`health ${h.penalty}`),
    });
    try {
      group.start();
      order.push('start returned');
      await waitFor(() => order.includes('probe started'), 'the probe to start');
      setImmediate(() => order.push('immediate'));
      await waitFor(() => order.includes('health 0'), 'the script to finish');
      expect(order).toEqual(['start returned', 'probe started', 'immediate', 'health 0']);
    } finally {
      group.stop();
    }
  });

  it('kills a hung script at its timeout and counts it as a failure', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vipd-tracker-'));
    const pidFile = path.join(dir, 'pid');
    const changes: GroupHealth[] = [];
    const group = new GroupTrackers({
      trackers: [
        {
          ...tracker('hung', { intervalMs: 60_000, timeoutMs: 300, weight: 0 }),
          command: 'sh',
          args: ['-c', `echo $$ > ${pidFile}; exec sleep 30`],
        } as TrackerConfig,
      ],
      checks: realFactory,
      clock: processClock,
      logger: silentLogger(),
      onChange: (h) => changes.push(h),
    });
    try {
      group.start();
      await waitFor(() => group.status()[0]?.lastCheckAt !== null, 'the first probe to settle');
      const s = group.status()[0];
      expect(s).toMatchObject({ up: false, consecutive: 1 });
      expect(s?.lastError).toContain('did not finish within 300 ms and was killed');
      expect(group.health()).toEqual({ penalty: 0, fault: true });
      const pid = Number((await fs.readFile(pidFile, 'utf8')).trim());
      expect(pid).toBeGreaterThan(1);
      await waitFor(() => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      }, 'the killed script to disappear');
    } finally {
      group.stop();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it("drives a real 'sh -c exit 1' tracker down and a real 'true' tracker up", async () => {
    const group = new GroupTrackers({
      trackers: [
        { ...tracker('bad', { intervalMs: 100, weight: -50 }), command: 'sh', args: ['-c', 'exit 1'] } as TrackerConfig,
        { ...tracker('good', { intervalMs: 100, weight: -7, rise: 2 }), command: 'true', args: [] } as TrackerConfig,
      ],
      checks: realFactory,
      clock: processClock,
      logger: silentLogger(),
      onChange: () => undefined,
    });
    try {
      group.start();
      await waitFor(() => (group.status()[0]?.consecutive ?? 0) >= 2 && group.status()[1]?.up === true, 'two results each');
      expect(group.status()[0]).toMatchObject({ up: false, lastError: 'script sh exited 1' });
      expect(group.health()).toEqual({ penalty: -50, fault: false });
    } finally {
      group.stop();
    }
  });
});
