import { EventEmitter } from 'node:events';
import { describeThrown, exitOnFatalError } from '../../src/cli/fatal-error';
import { VipdError } from '../../src/errors';
import type { Logger } from '../../src/util/logger';
import type { TimerHandle, Timers } from '../../src/util/timers';

/** A logger that keeps every entry, and manual timers: the bound is checked without waiting for it. */
function recorder(): { logger: Logger & { flush(): void }; entries: Array<{ level: string; obj: Record<string, unknown>; msg: string }> } {
  const entries: Array<{ level: string; obj: Record<string, unknown>; msg: string }> = [];
  const at =
    (level: string) =>
    (obj: object | string, msg?: string): void => {
      entries.push(typeof obj === 'string' ? { level, obj: {}, msg: obj } : { level, obj: obj as Record<string, unknown>, msg: msg ?? '' });
    };
  const logger = {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    child: () => logger,
    flush: () => undefined,
  };
  return { logger, entries };
}

function manualTimers(): Timers & { fire(): void; pending(): number } {
  const queue = new Map<TimerHandle, () => void>();
  return {
    setTimeout: (fn) => {
      const h = {};
      queue.set(h, fn);
      return h;
    },
    clearTimeout: (h) => void queue.delete(h),
    fire: () => {
      for (const [h, fn] of [...queue]) {
        queue.delete(h);
        fn();
      }
    },
    pending: () => queue.size,
  };
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('exitOnFatalError', () => {
  it('logs type, message, code and stack, releases, then exits with the given code', async () => {
    const source = new EventEmitter();
    const { logger, entries } = recorder();
    const exits: number[] = [];
    let released = 0;
    exitOnFatalError({ source, logger, timers: manualTimers(), exitCode: 70, exit: (c) => exits.push(c), release: async () => void released++ });
    source.emit('uncaughtException', new VipdError('VIPD_E_INTERNAL', 'boom'));
    await flush();
    expect(released).toBe(1);
    expect(exits).toEqual([70]);
    const fatal = entries.find((e) => e.obj.event === 'fatal-error');
    expect(fatal?.obj).toMatchObject({ kind: 'uncaught-exception', error: { type: 'VipdError', message: 'boom', code: 'VIPD_E_INTERNAL' } });
    expect(String((fatal?.obj.error as { stack: string }).stack)).toMatch(/fatal-error\.test/);
    expect(entries.at(-1)?.obj).toMatchObject({ event: 'fatal-exit', outcome: 'VIPs released', exitCode: 70 });
  });

  it('exits at the bound when the release hangs, and once only when a second error arrives meanwhile', async () => {
    const source = new EventEmitter();
    const { logger, entries } = recorder();
    const timers = manualTimers();
    const exits: number[] = [];
    exitOnFatalError({ source, logger, timers, exitCode: 70, exit: (c) => exits.push(c), release: () => new Promise<void>(() => undefined), boundMs: 10_000 });
    source.emit('unhandledRejection', 'a string reason');
    source.emit('uncaughtException', new TypeError('second'));
    await flush();
    expect(exits).toEqual([]);
    timers.fire();
    expect(exits).toEqual([70]);
    expect(entries.filter((e) => e.obj.event === 'fatal-error').map((e) => e.level)).toEqual(['fatal', 'error']);
    expect(entries.find((e) => e.obj.event === 'fatal-error')?.obj).toMatchObject({
      kind: 'unhandled-rejection',
      error: { type: 'string', message: 'a string reason', code: null, stack: null },
    });
    expect(entries.at(-1)?.obj).toMatchObject({ event: 'fatal-exit', outcome: 'release did not finish within 10000 ms' });
  });

  it('exits after a failed release too, saying why', async () => {
    const source = new EventEmitter();
    const { logger, entries } = recorder();
    const exits: number[] = [];
    exitOnFatalError({
      source,
      logger,
      timers: manualTimers(),
      exitCode: 70,
      exit: (c) => exits.push(c),
      release: () => Promise.reject(new Error('ip: RTNETLINK answers: Operation not permitted')),
    });
    source.emit('uncaughtException', new Error('x'));
    await flush();
    expect(exits).toEqual([70]);
    expect(entries.at(-1)?.obj.outcome).toBe('release failed: ip: RTNETLINK answers: Operation not permitted');
  });
});

describe('describeThrown', () => {
  it('keeps an errno code of a system error', () => {
    const e = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
    expect(describeThrown(e)).toMatchObject({ type: 'Error', code: 'EADDRINUSE', message: 'listen EADDRINUSE' });
  });
});
