import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VipdError, isVipdError } from '../../src/errors';
import { NativeNotifyTransport, loadNotifyBinding } from '../../src/systemd/notify-transport';
import { SdNotify, encodeAssignments, watchdogIntervalMs } from '../../src/systemd/sd-notify';
import { Watchdog } from '../../src/systemd/watchdog';
import { silentLogger, type Logger } from '../../src/util/logger';
import { realTimers } from '../../src/util/timers';
import { NotifyReceiver, python3Available, type Datagram } from './notify-receiver';
import { itWithTool } from './require-tool';

const haveReceiver = python3Available();
const realIt = itWithTool(haveReceiver, 'python3 (the notify-socket receiver)');

function recordingLogger(): Logger & { lines: Array<{ level: string; msg: string; obj: unknown }> } {
  const lines: Array<{ level: string; msg: string; obj: unknown }> = [];
  const mk =
    (level: string) =>
    (a: object | string, b?: string): void => {
      lines.push(typeof a === 'string' ? { level, msg: a, obj: null } : { level, msg: b ?? '', obj: a });
    };
  const l = { trace: mk('trace'), debug: mk('debug'), info: mk('info'), warn: mk('warn'), error: mk('error'), fatal: mk('fatal'), child: () => l, lines };
  return l;
}

function busyWait(ms: number): void {
  const until = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
  while (process.hrtime.bigint() < until) {
    // deliberately blocking the event loop
  }
}

const msgs = (got: readonly Datagram[]): string[] => got.map((d) => d.msg);

/** True once `marker` and a WATCHDOG=1 after it were received. */
function pingAfter(got: readonly Datagram[], marker: string): boolean {
  const at = msgs(got).indexOf(marker);
  return at >= 0 && msgs(got).lastIndexOf('WATCHDOG=1') > at;
}

describe('sd_notify without NOTIFY_SOCKET', () => {
  it('is a no-op and never loads a transport', () => {
    const n = new SdNotify({
      env: { WATCHDOG_USEC: '1000000' },
      pid: process.pid,
      logger: silentLogger(),
      transport: () => {
        throw new Error('must not be built');
      },
    });
    expect(n.enabled).toBe(false);
    expect(n.watchdogIntervalMs).toBeNull();
    n.ready('ok');
    n.status('x');
    n.reloading();
    n.watchdog();
    n.stopping();
    const w = new Watchdog({ notify: n, intervalMs: n.watchdogIntervalMs, healthy: () => true, timers: realTimers, logger: silentLogger() });
    w.start();
    expect(w.running).toBe(false);
  });
});

describe('watchdogIntervalMs', () => {
  it('is half of WATCHDOG_USEC, only for the named PID, null when absent or nonsense', () => {
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '10000000' }, 42)).toBe(5000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '10000000', WATCHDOG_PID: '42' }, 42)).toBe(5000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '10000000', WATCHDOG_PID: '41' }, 42)).toBeNull();
    expect(watchdogIntervalMs({}, 42)).toBeNull();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '0' }, 42)).toBeNull();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '-5' }, 42)).toBeNull();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '1e6' }, 42)).toBeNull();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '' }, 42)).toBeNull();
  });
});

describe('encodeAssignments', () => {
  it('keeps every value on its own line so STATUS cannot inject READY=1', () => {
    expect(encodeAssignments({ STATUS: 'web: MASTER\nREADY=1\r\nX' })).toBe('STATUS=web: MASTER READY=1 X');
    expect(encodeAssignments({ READY: '1', STATUS: 'up' })).toBe('READY=1\nSTATUS=up');
    expect(() => encodeAssignments({ 'bad\nkey': '1' })).toThrow(VipdError);
  });
});

describe('NativeNotifyTransport', () => {
  it('refuses relative, empty and over-long socket names with VIPD_E_SD_NOTIFY', () => {
    for (const p of ['run/notify', '@', '/' + 'x'.repeat(200), '@' + 'x'.repeat(107)]) {
      let err: unknown;
      try {
        new NativeNotifyTransport(p);
      } catch (e) {
        err = e;
      }
      expect(isVipdError(err) && err.code).toBe('VIPD_E_SD_NOTIFY');
    }
  });

  it('throws a transient VIPD_E_SD_NOTIFY with the errno when nobody listens at the path', async () => {
    const dir = await fs.mkdtemp(join(tmpdir(), 'vipd-sdn-'));
    try {
      const t = new NativeNotifyTransport(join(dir, 'gone.sock'));
      let err: unknown;
      try {
        t.send(Buffer.from('READY=1'));
      } catch (e) {
        err = e;
      }
      expect(isVipdError(err) && err.code).toBe('VIPD_E_SD_NOTIFY');
      expect(isVipdError(err) && err.transient).toBe(true);
      expect(isVipdError(err) && err.details.errno).toBe('ENOENT');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('not built, not loadable or not ours: VIPD_E_SD_NOTIFY from the SdNotify constructor, naming the fix', async () => {
    const dir = await fs.mkdtemp(join(tmpdir(), 'vipd-sdn-'));
    try {
      const garbage = join(dir, 'garbage.node');
      await fs.writeFile(garbage, 'not an ELF file');
      const notOurs = join(dir, 'other.js');
      await fs.writeFile(notOurs, 'module.exports = { sendGratuitousArp() {} };');
      for (const [path, words] of [
        [null, 'is not built'],
        [garbage, 'does not load'],
        [notOurs, "not vipd's systemd notify transport"],
      ] as const) {
        const build = (): SdNotify =>
          new SdNotify({
            env: { NOTIFY_SOCKET: '/run/systemd/notify' },
            pid: 1,
            logger: silentLogger(),
            transport: (p) => new NativeNotifyTransport(p, loadNotifyBinding(path)),
          });
        expect(build).toThrow(expect.objectContaining({ code: 'VIPD_E_SD_NOTIFY', message: expect.stringContaining(words) }));
        expect(build).toThrow(expect.objectContaining({ message: expect.stringContaining('npm run build:native') }));
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('sd_notify against a real notify socket', () => {
  let dir: string;
  let receiver: NotifyReceiver | null = null;
  let socketPath: string;
  const watchdogs: Watchdog[] = [];

  beforeEach(async () => {
    if (!haveReceiver) return;
    dir = await fs.mkdtemp(join(tmpdir(), 'vipd-sdn-'));
    socketPath = join(dir, 'notify');
    receiver = await NotifyReceiver.start(socketPath);
  });

  afterEach(async () => {
    watchdogs.splice(0).forEach((w) => w.stop());
    await receiver?.stop();
    receiver = null;
    if (dir !== undefined) await fs.rm(dir, { recursive: true, force: true });
  });

  function notifier(env: Record<string, string> = {}, logger: Logger = silentLogger()): SdNotify {
    return new SdNotify({ env: { NOTIFY_SOCKET: socketPath, ...env }, pid: process.pid, logger });
  }

  function rx(): NotifyReceiver {
    if (receiver === null) throw new Error('no receiver');
    return receiver;
  }

  realIt('delivers READY, STATUS, RELOADING, STOPPING from the main PID, one datagram each', async () => {
    const n = notifier();
    expect(n.enabled).toBe(true);
    n.ready('2 groups: web MASTER, db BACKUP');
    n.status('reloading config\nREADY=1');
    n.reloading();
    n.stopping('shutting down');
    await rx().waitFor((got) => got.length >= 4, '4 datagrams');
    expect(msgs(rx().received)).toEqual([
      'READY=1\nSTATUS=2 groups: web MASTER, db BACKUP',
      'STATUS=reloading config READY=1',
      'RELOADING=1',
      'STOPPING=1\nSTATUS=shutting down',
    ]);
    // systemd attributes a message to the service by the sender's PID: it
    // must be ours (NotifyAccess=main), not a helper process's.
    for (const d of rx().received) expect(d.pid).toBe(process.pid);
  });

  realIt('delivers to an abstract notify socket (@name), as sd_notify does', async () => {
    const name = `@vipd-test-${process.pid}-${Date.now()}`;
    const abstract = await NotifyReceiver.start(name);
    try {
      const n = new SdNotify({ env: { NOTIFY_SOCKET: name }, pid: process.pid, logger: silentLogger() });
      n.ready('abstract');
      await abstract.waitFor((got) => got.length >= 1, 'a datagram on the abstract socket');
      expect(abstract.received).toEqual([{ pid: process.pid, msg: 'READY=1\nSTATUS=abstract' }]);
    } finally {
      await abstract.stop();
    }
  });

  realIt('logs (does not throw) when the notify socket went away', async () => {
    const logger = recordingLogger();
    const n = notifier({}, logger);
    await rx().stop();
    await fs.rm(socketPath, { force: true });
    expect(() => n.ready()).not.toThrow();
    expect(logger.lines.some((l) => l.level === 'warn' && l.msg === 'systemd notification not delivered')).toBe(true);
  });

  realIt('pings WATCHDOG=1 at half of WATCHDOG_USEC while healthy and withholds pings while unhealthy', async () => {
    const n = notifier({ WATCHDOG_USEC: '100000', WATCHDOG_PID: String(process.pid) });
    expect(n.watchdogIntervalMs).toBe(50);
    let healthy = true;
    const w = new Watchdog({ notify: n, intervalMs: n.watchdogIntervalMs, healthy: () => healthy, timers: realTimers, logger: silentLogger() });
    watchdogs.push(w);
    w.start();
    await rx().waitFor((got) => got.filter((d) => d.msg === 'WATCHDOG=1').length >= 3, 'three pings while healthy');

    // Markers go through the same socket from the same process, so their
    // order against the pings is the order of sending: no timing involved.
    healthy = false;
    n.send({ X_VIPD_TEST: 'unhealthy' });
    const withheldBefore = w.stats.withheld;
    await waitUntil(() => w.stats.withheld >= withheldBefore + 4, 'four withheld pings');
    n.send({ X_VIPD_TEST: 'healthy-again' });
    healthy = true;
    await rx().waitFor((got) => pingAfter(got, 'X_VIPD_TEST=healthy-again'), 'a ping after recovery');

    const m = msgs(rx().received);
    const between = m.slice(m.indexOf('X_VIPD_TEST=unhealthy') + 1, m.indexOf('X_VIPD_TEST=healthy-again'));
    expect(between).toEqual([]);
    expect(rx().received.every((d) => d.pid === process.pid)).toBe(true);
  });

  realIt('sends no ping while the event loop is blocked', async () => {
    const n = notifier({ WATCHDOG_USEC: '100000' });
    // Defaults: the interval from the notifier, real timers.
    const w = new Watchdog({ notify: n, healthy: () => true, logger: silentLogger() });
    watchdogs.push(w);
    w.start();
    await rx().waitFor((got) => got.filter((d) => d.msg === 'WATCHDOG=1').length >= 2, 'pings before the block');
    n.send({ X_VIPD_TEST: 'block-start' });
    busyWait(600); // 12 ping intervals
    n.send({ X_VIPD_TEST: 'block-end' });
    await rx().waitFor((got) => pingAfter(got, 'X_VIPD_TEST=block-end'), 'a ping after the block');
    const m = msgs(rx().received);
    expect(m.slice(m.indexOf('X_VIPD_TEST=block-start') + 1, m.indexOf('X_VIPD_TEST=block-end'))).toEqual([]);
  });

  realIt('stops pinging after stop() and treats a throwing health check as unhealthy', async () => {
    const n = notifier({ WATCHDOG_USEC: '100000' });
    const logger = recordingLogger();
    let mode: 'ok' | 'throw' = 'ok';
    const w = new Watchdog({
      notify: n,
      intervalMs: n.watchdogIntervalMs,
      healthy: () => {
        if (mode === 'throw') throw new Error('status snapshot failed');
        return true;
      },
      timers: realTimers,
      logger,
    });
    watchdogs.push(w);
    w.start();
    await rx().waitFor((got) => got.some((d) => d.msg === 'WATCHDOG=1'), 'a ping');
    mode = 'throw';
    n.send({ X_VIPD_TEST: 'throwing' });
    const before = w.stats.withheld;
    await waitUntil(() => w.stats.withheld >= before + 2, 'withheld pings while the check throws');
    w.stop();
    n.send({ X_VIPD_TEST: 'stopped' });
    mode = 'ok';
    const sentAtStop = w.stats.sent;
    // Give a stopped watchdog many chances to misbehave, then check by order.
    await new Promise((r) => setTimeout(r, 300));
    n.send({ X_VIPD_TEST: 'end' });
    await rx().waitFor((got) => got.some((d) => d.msg === 'X_VIPD_TEST=end'), 'end marker');
    const m = msgs(rx().received);
    expect(m.slice(m.indexOf('X_VIPD_TEST=throwing') + 1)).toEqual(['X_VIPD_TEST=stopped', 'X_VIPD_TEST=end']);
    expect(w.stats.sent).toBe(sentAtStop);
    expect(w.running).toBe(false);
    expect(logger.lines.some((l) => l.level === 'error' && /withholding/.test(l.msg))).toBe(true);
  });
});

async function waitUntil(pred: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
