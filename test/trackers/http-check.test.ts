import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { promisify } from 'node:util';
import { VipdError } from '../../src/errors';
import { HttpCheck } from '../../src/trackers/http-check';
import { ensureBuilt } from '../support/build';
import { itWithTool, toolAvailable } from '../systemd/require-tool';

async function failureOf(p: Promise<void>): Promise<VipdError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof VipdError)) throw new Error(`expected a VipdError, got ${String(e)}`);
  return e;
}

describe('HttpCheck against a loopback server', () => {
  let server: http.Server;
  let base: string;
  const seen: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(`${req.method ?? ''} ${req.url ?? ''}`);
      if (req.url === '/ok') res.writeHead(200).end('fine');
      else if (req.url === '/fail') res.writeHead(500).end('broken');
      else if (req.url === '/no-content') res.writeHead(204).end();
      else if (req.url === '/moved') res.writeHead(301, { location: '/ok' }).end();
      // '/hang': never answer.
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('is up on the expected status, with a GET', async () => {
    await expect(new HttpCheck(`${base}/ok`, 200).run(5000)).resolves.toBeUndefined();
    expect(seen).toContain('GET /ok');
    await expect(new HttpCheck(`${base}/no-content`, 204).run(5000)).resolves.toBeUndefined();
  });

  it('is down on another status, naming both', async () => {
    const e = await failureOf(new HttpCheck(`${base}/fail`, 200).run(5000));
    expect(e.code).toBe('VIPD_E_TRACKER');
    expect(e.message).toBe(`GET ${base}/fail answered 500, expected 200`);
    expect(e.details).toMatchObject({ status: 500, expectStatus: 200 });
  });

  it("never shows the URL's credentials in errors (they reach the log and /status)", async () => {
    const withAuth = base.replace('http://', 'http://monitor:s3cret@');
    const e = await failureOf(new HttpCheck(`${withAuth}/fail`, 200).run(5000));
    expect(e.message).not.toContain('s3cret');
    expect(JSON.stringify(e.details)).not.toContain('s3cret');
    expect(e.message).toContain('***@127.0.0.1');
  });

  it('does not follow redirects', async () => {
    const e = await failureOf(new HttpCheck(`${base}/moved`, 200).run(5000));
    expect(e.details).toMatchObject({ status: 301 });
  });

  it('times out on a server that never answers, and aborts the request', async () => {
    const before = await new Promise<number>((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    const e = await failureOf(new HttpCheck(`${base}/hang`, 200).run(300));
    expect(e.code).toBe('VIPD_E_TRACKER');
    expect(e.message).toContain('got no response within 300 ms');
    // The aborted connection goes away instead of piling up one per probe.
    for (let i = 0; i < 100; i++) {
      const n = await new Promise<number>((resolve, reject) => server.getConnections((err, c) => (err ? reject(err) : resolve(c))));
      if (n <= before) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the timed-out connection was never closed');
  });

  it('is down when nothing listens', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const e = await failureOf(new HttpCheck(`http://127.0.0.1:${port}/`, 200).run(5000));
    expect(e.message).toContain('ECONNREFUSED');
  });

  it.each([
    ['not a url', 200],
    ['ftp://127.0.0.1/x', 200],
    ['http://127.0.0.1/', 42],
  ])('rejects config url=%s expectStatus=%i', (url, status) => {
    expect(() => new HttpCheck(url, status)).toThrow(expect.objectContaining({ code: 'VIPD_E_CONFIG' }));
  });
});

const HAS_OPENSSL = toolAvailable('openssl', ['version']);
const itWithOpenssl = itWithTool(HAS_OPENSSL, 'openssl (for a self-signed certificate)');

describe('HttpCheck with an https URL', () => {
  let dir: string;
  let server: tls.Server | null = null;
  let port: number;

  beforeAll(async () => {
    if (!HAS_OPENSSL) return;
    dir = mkdtempSync(join(tmpdir(), 'vipd-https-'));
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    const selfSigned = '-x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=127.0.0.1'.split(' ');
    execFileSync('openssl', ['req', ...selfSigned, '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const created = tls.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (socket) =>
      socket.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'),
    );
    server = created;
    await new Promise<void>((resolve) => created.listen(0, '127.0.0.1', resolve));
    port = (created.address() as AddressInfo).port;
  });

  afterAll(async () => {
    if (server === null) return;
    const s = server;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  itWithOpenssl('speaks TLS and verifies the certificate (a self-signed one is down)', async () => {
    const e = await failureOf(new HttpCheck(`https://127.0.0.1:${port}/ok`, 200).run(5000));
    expect(e.code).toBe('VIPD_E_TRACKER');
    expect(e.message).toContain('DEPTH_ZERO_SELF_SIGNED_CERT');
  });
});

/*
 * node:https and tls are loaded by an https tracker only: every module loaded
 * at start stays resident in the daemon (docs/benchmarks.md, Footprint).
 */
describe('HttpCheck loads TLS only for an https URL', () => {
  beforeAll(() => ensureBuilt(), 300_000);

  async function nativesAfter(url: string): Promise<string[]> {
    const script = `
      const { HttpCheck } = require(${JSON.stringify(join(__dirname, '..', '..', 'dist', 'src', 'trackers', 'http-check.js'))});
      new HttpCheck(process.env.TRACKER_URL, 200);
      process.stdout.write(JSON.stringify(process.moduleLoadList.filter((l) => l.startsWith('NativeModule ')).map((l) => l.slice(13))));
    `;
    const out = await promisify(execFile)(process.execPath, ['-e', script], { env: { ...process.env, TRACKER_URL: url }, timeout: 60_000 });
    return JSON.parse(out.stdout) as string[];
  }

  it('an http tracker loads neither https nor tls', async () => {
    const natives = await nativesAfter('http://127.0.0.1:8080/health');
    expect(natives).toContain('http');
    expect(natives.filter((n) => n === 'https' || n === 'tls')).toEqual([]);
  });

  it('an https tracker loads https when it is created (at start or reload), not on its first probe', async () => {
    const natives = await nativesAfter('https://127.0.0.1:8443/health');
    expect(natives).toEqual(expect.arrayContaining(['https', 'tls']));
  });
});
