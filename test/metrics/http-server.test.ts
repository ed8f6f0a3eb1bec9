import { request, Agent } from 'node:http';
import { StatusHttpServer } from '../../src/metrics/http-server';
import { VipdMetrics } from '../../src/metrics/metrics';
import { isVipdError } from '../../src/errors';
import { silentLogger } from '../../src/util/logger';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(port: number, path: string, method = 'GET', agent?: Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('StatusHttpServer', () => {
  let healthy = true;
  let healthThrows = false;
  let status: () => unknown = () => ({ node: 'n1', groups: [{ name: 'web', role: 'MASTER' }] });
  const metrics = new VipdMetrics({ version: '9.9.9', groups: ['web'], rejectReasons: [], provider: 'none', processMetrics: false });
  const server = new StatusHttpServer({
    listen: '127.0.0.1',
    port: 0,
    metrics,
    status: () => status(),
    healthy: () => {
      if (healthThrows) throw new Error('health check broke');
      return healthy;
    },
    logger: silentLogger(),
  });

  beforeAll(() => server.start());
  afterAll(() => server.close());

  it('serves the registry in Prometheus text format on /metrics', async () => {
    metrics.transition('web', 'BACKUP', 'MASTER');
    const r = await get(server.port, '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(r.body).toContain('vipd_build_info{version="9.9.9"} 1');
    expect(r.body).toContain('vipd_state{group="web"} 2');
    expect(r.body).toContain('# TYPE vipd_transitions_total counter');
  });

  it('answers /healthz 200 "ok" while healthy and 503 when not, or when the callback throws', async () => {
    healthy = true;
    const ok = await get(server.port, '/healthz');
    expect([ok.status, ok.body]).toEqual([200, 'ok\n']);
    healthy = false;
    const bad = await get(server.port, '/healthz');
    expect(bad.status).toBe(503);
    expect(bad.body).toBe('unhealthy\n');
    healthy = true;
    healthThrows = true;
    expect((await get(server.port, '/healthz')).status).toBe(503);
    healthThrows = false;
  });

  it('serves status() as JSON on /status, and a 500 with an error code when status() throws', async () => {
    const r = await get(server.port, '/status?pretty=1');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(r.body)).toEqual({ node: 'n1', groups: [{ name: 'web', role: 'MASTER' }] });
    const saved = status;
    status = () => {
      throw new Error('snapshot failed');
    };
    try {
      const e = await get(server.port, '/status');
      expect(e.status).toBe(500);
      expect(JSON.parse(e.body)).toEqual({ error: { code: 'VIPD_E_INTERNAL', message: 'snapshot failed' } });
    } finally {
      status = saved;
    }
    // The server is still fine after a failing handler.
    expect((await get(server.port, '/healthz')).status).toBe(200);
  });

  it('refuses writes with 405 and unknown paths with 404; HEAD has no body', async () => {
    const post = await get(server.port, '/metrics', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect((await get(server.port, '/nope')).status).toBe(404);
    const head = await get(server.port, '/healthz', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('fails with VIPD_E_HTTP_BIND when the port is taken', async () => {
    const other = new StatusHttpServer({
      listen: '127.0.0.1',
      port: server.port,
      metrics,
      status: () => ({}),
      healthy: () => true,
      logger: silentLogger(),
    });
    const err: unknown = await other.start().then(
      () => null,
      (e: unknown) => e,
    );
    expect(isVipdError(err) && err.code).toBe('VIPD_E_HTTP_BIND');
    expect(isVipdError(err) && err.details.errno).toBe('EADDRINUSE');
    await other.close();
  });

  it('closes promptly even while a scraper holds a keep-alive connection', async () => {
    const s = new StatusHttpServer({ listen: '127.0.0.1', port: 0, metrics, status: () => ({}), healthy: () => true, logger: silentLogger() });
    await s.start();
    const agent = new Agent({ keepAlive: true });
    try {
      expect((await get(s.port, '/healthz', 'GET', agent)).status).toBe(200);
      await s.close();
      await expect(get(s.port, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      agent.destroy();
    }
  });
});
