import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlClient } from '../../src/control/client';
import { ControlServer, type ControlHandler } from '../../src/control/server';
import { VipdError, isVipdError } from '../../src/errors';
import { silentLogger } from '../../src/util/logger';

let dir: string;
const servers: ControlServer[] = [];
const children: ChildProcess[] = [];

beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'vipd-ctl-'));
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await fs.rm(dir, { recursive: true, force: true });
});

function startServer(
  path: string,
  handlers: Record<string, ControlHandler>,
  extra: { maxRequestBytes?: number; idleTimeoutMs?: number } = {},
): Promise<ControlServer> {
  const s = new ControlServer({ path, handlers, logger: silentLogger(), ...extra });
  servers.push(s);
  return s.start().then(() => s);
}

async function caught(p: Promise<unknown>): Promise<VipdError> {
  const e: unknown = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
  if (!isVipdError(e)) throw new Error(`expected a VipdError, got ${String(e)}`);
  return e;
}

/** Sends raw bytes and collects answer lines until `lines` arrived or the server hung up. */
function raw(path: string, payload: string | Buffer, lines: number): Promise<{ answers: unknown[]; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const answers: unknown[] = [];
    let buf = '';
    const s = createConnection(path, () => s.write(payload));
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        answers.push(JSON.parse(buf.slice(0, nl)));
        buf = buf.slice(nl + 1);
      }
      if (answers.length >= lines) {
        s.destroy();
        resolve({ answers, closedByServer: false });
      }
    });
    s.on('end', () => resolve({ answers, closedByServer: true }));
    s.on('error', reject);
  });
}

/** A process that listens on `path` and is then SIGKILLed: leaves a stale socket file behind. */
async function leaveStaleSocket(path: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('ready'))`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`listener exited early (${String(code)})`)));
  });
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  expect((await fs.lstat(path)).isSocket()).toBe(true);
}

describe('control socket', () => {
  it('creates the directory 0750 and the socket 0660, answers calls, and removes the socket on close', async () => {
    const path = join(dir, 'run', 'vipd', 'control.sock');
    const server = await startServer(path, {
      status: async () => ({ node: 'n1', groups: ['web'] }),
      echo: async (params) => params,
    });
    expect((await fs.stat(join(dir, 'run', 'vipd'))).mode & 0o777).toBe(0o750);
    const st = await fs.lstat(path);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o660);

    const client = new ControlClient(path);
    expect(await client.call('status', null, 5000)).toEqual({ node: 'n1', groups: ['web'] });
    expect(await client.call('echo', { a: [1, 'x'] }, 5000)).toEqual({ a: [1, 'x'] });
    await server.close();
    await expect(fs.lstat(path)).rejects.toMatchObject({ code: 'ENOENT' });
    const e = await caught(client.call('status', null, 5000));
    expect(e.code).toBe('VIPD_E_CONTROL');
    expect(e.message).toBe(`daemon not running? (socket ${path})`);
  });

  it('leaves an existing directory mode alone', async () => {
    await fs.chmod(dir, 0o711);
    await startServer(join(dir, 'c.sock'), {});
    expect((await fs.stat(dir)).mode & 0o777).toBe(0o711);
  });

  it('passes a handler VipdError through with its code, transient flag and details', async () => {
    const path = join(dir, 'c.sock');
    await startServer(path, {
      switchover: async () => {
        throw new VipdError('VIPD_E_CLOUD_PERMISSION', 'ec2:AssignPrivateIpAddresses denied', { details: { vip: '10.0.1.42' } });
      },
      crash: async () => {
        throw new TypeError('undefined is not a function');
      },
    });
    const client = new ControlClient(path);
    const e = await caught(client.call('switchover', { group: 'web' }, 5000));
    expect(e.code).toBe('VIPD_E_CLOUD_PERMISSION');
    expect(e.message).toBe('ec2:AssignPrivateIpAddresses denied');
    expect(e.details).toMatchObject({ vip: '10.0.1.42', remote: true });
    const c = await caught(client.call('crash', null, 5000));
    expect(c.code).toBe('VIPD_E_INTERNAL');
    expect(c.message).toBe('undefined is not a function');
  });

  it('answers unknown methods (including prototype names) with an error listing the real ones', async () => {
    const path = join(dir, 'c.sock');
    await startServer(path, { status: async () => 'ok', maintenance: async () => 'ok' });
    const client = new ControlClient(path);
    for (const method of ['nope', 'toString', '__proto__', 'constructor', 'hasOwnProperty']) {
      const e = await caught(client.call(method, null, 5000));
      expect(e.code).toBe('VIPD_E_CONTROL');
      expect(e.message).toBe(`unknown method "${method}"`);
      expect(e.details.methods).toEqual(['maintenance', 'status']);
    }
    expect(await client.call('status', null, 5000)).toBe('ok');
  });

  it('answers malformed lines with an error and keeps serving the same connection', async () => {
    const path = join(dir, 'c.sock');
    await startServer(path, { status: async () => ({ up: true }) });
    const payload =
      [
        '{not json',
        '[1,2]',
        '"str"',
        '{"method":"status"}',
        '{"id":{"x":1},"method":"status"}',
        '{"id":7}',
        '{"id":8,"method":""}',
        '',
        '{"id":9,"method":"status"}',
      ].join('\n') + '\n';
    const { answers } = await raw(path, payload, 8);
    expect(answers).toHaveLength(8);
    const errs = answers.slice(0, 7) as Array<{ id: unknown; ok: boolean; error: { code: string; message: string } }>;
    for (const a of errs) {
      expect(a.ok).toBe(false);
      expect(a.error.code).toBe('VIPD_E_CONTROL');
    }
    expect(errs[0]?.error.message).toMatch(/^malformed JSON/);
    expect(errs[1]?.error.message).toBe('a request must be a JSON object');
    expect(errs[5]?.id).toBe(7);
    expect(errs[6]?.id).toBe(8);
    expect(answers[7]).toEqual({ id: 9, ok: true, result: { up: true } });
  });

  it('answers pipelined requests on one connection in order', async () => {
    const path = join(dir, 'c.sock');
    let n = 0;
    await startServer(path, {
      slow: async () => new Promise((r) => setTimeout(() => r(`slow-${++n}`), 50)),
      fast: async () => `fast-${++n}`,
    });
    const { answers } = await raw(path, '{"id":1,"method":"slow"}\n{"id":2,"method":"fast"}\n', 2);
    expect(answers).toEqual([
      { id: 1, ok: true, result: 'slow-1' },
      { id: 2, ok: true, result: 'fast-2' },
    ]);
  });

  it('a client that pipelines many requests and reads nothing is throttled, not buffered without limit; all are answered once it reads', async () => {
    const path = join(dir, 'c.sock');
    let handled = 0;
    const big = 'x'.repeat(64 * 1024);
    await startServer(path, { status: async () => (++handled, big) });
    const count = 400; // 400 x 64 KiB = 25 MiB of replies if nothing held back
    const s = createConnection(path);
    await new Promise<void>((r) => s.once('connect', () => r()));
    s.pause(); // reads nothing
    s.write(Array.from({ length: count }, (_, i) => `{"id":${i},"method":"status"}\n`).join(''));
    await new Promise((r) => setTimeout(r, 500));
    // Replies stop at what the socket buffers take plus the unread-reply cap; the rest waits unread.
    expect(handled).toBeGreaterThan(0);
    expect(handled).toBeLessThan(count);
    const ids: number[] = [];
    let buf = '';
    s.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      s.on('data', (d: string) => {
        buf += d;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          ids.push((JSON.parse(buf.slice(0, nl)) as { id: number }).id);
          buf = buf.slice(nl + 1);
        }
        if (ids.length === count) resolve();
      });
      s.on('error', reject);
      s.resume();
    });
    s.destroy();
    expect(ids).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(handled).toBe(count);
  });

  it('a client that stopped reading is dropped at the idle timeout, its queued requests notwithstanding', async () => {
    const path = join(dir, 'c.sock');
    const big = 'x'.repeat(64 * 1024);
    await startServer(path, { status: async () => big }, { idleTimeoutMs: 300 });
    const s = createConnection(path);
    await new Promise<void>((r) => s.once('connect', () => r()));
    s.pause();
    s.write(Array.from({ length: 200 }, (_, i) => `{"id":${i},"method":"status"}\n`).join(''));
    // Several idle timeouts pass with the client not reading; then it reads what is there.
    await new Promise((r) => setTimeout(r, 2000));
    let replies = 0;
    s.setEncoding('utf8');
    s.on('data', (d: string) => (replies += d.split('\n').length - 1));
    const closed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000);
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      s.once('close', done);
      s.on('error', done);
      s.resume();
    });
    s.destroy();
    expect(closed).toBe(true); // the daemon hung up
    expect(replies).toBeLessThan(200);
  });

  it('serves concurrent clients, each getting its own answer', async () => {
    const path = join(dir, 'c.sock');
    await startServer(path, { echo: async (p) => p });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => new ControlClient(path).call('echo', { i }, 10_000)));
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => ({ i })));
  });

  it('bounds the request size: an over-long line gets one error and the connection is closed', async () => {
    const path = join(dir, 'c.sock');
    await startServer(path, { status: async () => 'ok' }, { maxRequestBytes: 1024 });
    const big = Buffer.alloc(5000, 'a');
    const { answers, closedByServer } = await raw(path, big, 1);
    expect(answers).toEqual([{ id: null, ok: false, error: { code: 'VIPD_E_CONTROL', message: 'request larger than 1024 bytes' } }]);
    // Whichever came first, the server must hang up after answering.
    if (!closedByServer) {
      const again = await raw(path, Buffer.alloc(3000, 'b'), 1);
      expect(again.answers).toHaveLength(1);
    }
    // A long line that ends with a newline within one chunk is also refused.
    const overLine = await raw(path, '{"id":1,"method":"status","params":"' + 'x'.repeat(2000) + '"}\n', 1);
    expect((overLine.answers[0] as { ok: boolean }).ok).toBe(false);
    // The daemon keeps serving.
    expect(await new ControlClient(path).call('status', null, 5000)).toBe('ok');
  });

  it('turns an unserialisable result into an internal error reply', async () => {
    const path = join(dir, 'c.sock');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await startServer(path, { bad: async () => cyclic, big: async () => 10n });
    const client = new ControlClient(path);
    expect((await caught(client.call('bad', null, 5000))).code).toBe('VIPD_E_INTERNAL');
    expect((await caught(client.call('big', null, 5000))).code).toBe('VIPD_E_INTERNAL');
  });

  it('times out a call the daemon does not answer, and survives the client leaving early', async () => {
    const path = join(dir, 'c.sock');
    let release: (v: string) => void = () => undefined;
    let called = 0;
    await startServer(path, {
      hang: () =>
        new Promise<string>((r) => {
          called++;
          release = r;
        }),
      status: async () => 'ok',
    });
    const e = await caught(new ControlClient(path).call('hang', null, 200));
    expect(e.code).toBe('VIPD_E_CONTROL');
    expect(e.transient).toBe(true);
    expect(e.message).toMatch(/no answer from the daemon within 200 ms/);
    expect(called).toBe(1);
    release('late'); // written to a closed connection: must not crash the server
    expect(await new ControlClient(path).call('status', null, 5000)).toBe('ok');
  });

  it('reports a missing socket and a stale one as "daemon not running?"', async () => {
    const missing = join(dir, 'missing.sock');
    const e1 = await caught(new ControlClient(missing).call('status', null, 5000));
    expect([e1.code, e1.message]).toEqual(['VIPD_E_CONTROL', `daemon not running? (socket ${missing})`]);

    const stale = join(dir, 'stale.sock');
    await leaveStaleSocket(stale);
    const e2 = await caught(new ControlClient(stale).call('status', null, 5000));
    expect([e2.code, e2.message]).toEqual(['VIPD_E_CONTROL', `daemon not running? (socket ${stale})`]);
  });

  it('replaces a stale socket file at start', async () => {
    const path = join(dir, 'c.sock');
    await leaveStaleSocket(path);
    await startServer(path, { status: async () => 'fresh' });
    expect(await new ControlClient(path).call('status', null, 5000)).toBe('fresh');
  });

  it('refuses to start while another daemon listens, and leaves that daemon working', async () => {
    const path = join(dir, 'c.sock');
    await startServer(path, { status: async () => 'first' });
    const second = new ControlServer({ path, handlers: { status: async () => 'second' }, logger: silentLogger() });
    const e = await caught(second.start());
    expect(e.code).toBe('VIPD_E_CONTROL');
    expect(e.message).toMatch(/another process .* is listening/);
    await second.close();
    expect(await new ControlClient(path).call('status', null, 5000)).toBe('first');
  });

  it('refuses to replace something at the path that is not a socket', async () => {
    const path = join(dir, 'c.sock');
    await fs.writeFile(path, 'precious');
    const s = new ControlServer({ path, handlers: {}, logger: silentLogger() });
    const e = await caught(s.start());
    expect(e.code).toBe('VIPD_E_CONTROL');
    expect(e.message).toMatch(/not a socket/);
    expect(await fs.readFile(path, 'utf8')).toBe('precious');
  });

  it('rejects a garbage answer from something that is not vipd', async () => {
    const path = join(dir, 'fake.sock');
    const { createServer } = await import('node:net');
    const conns: Array<{ destroy(): void }> = [];
    const fake = createServer((s) => {
      conns.push(s);
      s.end('HTTP/1.1 400 Bad Request\r\n\r\n\n');
    });
    await new Promise<void>((r) => fake.listen(path, r));
    try {
      const e = await caught(new ControlClient(path).call('status', null, 5000));
      expect(e.code).toBe('VIPD_E_CONTROL');
      expect(e.message).toMatch(/malformed JSON from daemon/);
    } finally {
      conns.forEach((c) => c.destroy());
      await new Promise((r) => fake.close(r));
    }
  });
});
