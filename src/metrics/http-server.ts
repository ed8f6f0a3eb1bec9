import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VipdError, asVipdError } from '../errors';
import type { Logger } from '../util/logger';
import type { VipdMetrics } from './metrics';

export interface StatusHttpServerDeps {
  /** Address to listen on; 127.0.0.1 by default in the config (status reveals topology). */
  readonly listen: string;
  /** 0 picks a free port (tests); read the bound one from `port` after start(). */
  readonly port: number;
  readonly metrics: VipdMetrics;
  /** The same snapshot `vipd status --json` prints. */
  readonly status: () => unknown;
  /** false turns /healthz into 503 (main loop stalled, fatal error...). */
  readonly healthy: () => boolean;
  readonly logger: Logger;
}

/**
 * GET /metrics (Prometheus text), /healthz (200 "ok" or 503), /status (JSON).
 * Read-only by design: nothing here can change the daemon, so it needs no
 * authentication beyond where it listens.
 */
export class StatusHttpServer {
  private readonly deps: StatusHttpServerDeps;
  private server: Server | null = null;
  private boundPort: number | null = null;

  constructor(deps: StatusHttpServerDeps) {
    this.deps = deps;
  }

  /** The port actually bound; throws before start() resolved. */
  get port(): number {
    if (this.boundPort === null) throw new VipdError('VIPD_E_INTERNAL', 'StatusHttpServer.port read before start()');
    return this.boundPort;
  }

  start(): Promise<void> {
    if (this.server !== null) return Promise.reject(new VipdError('VIPD_E_INTERNAL', 'StatusHttpServer started twice'));
    // connectionsCheckingInterval: how often the timeouts below are enforced (Node's default 30 s lets a slow client sit 40 s).
    const server = createServer({ connectionsCheckingInterval: 2000 }, (req, res) => this.handle(req, res));
    // Scrapers send small requests: bound how long a slow client may hold a socket, and how many.
    server.maxConnections = 64;
    server.headersTimeout = 10_000;
    server.requestTimeout = 15_000;
    server.keepAliveTimeout = 5_000;
    server.maxHeadersCount = 50;
    this.server = server;
    const { listen, port } = this.deps;
    return new Promise<void>((resolve, reject) => {
      const onError = (e: Error): void => {
        this.server = null;
        reject(
          new VipdError('VIPD_E_HTTP_BIND', `metrics/status HTTP server cannot listen on ${listen}:${port}: ${e.message}`, {
            cause: e,
            details: { listen, port, errno: (e as NodeJS.ErrnoException).code },
          }),
        );
      };
      server.once('error', onError);
      server.listen({ host: listen, port, exclusive: true }, () => {
        server.off('error', onError);
        server.on('error', (e) => this.deps.logger.error({ err: e }, 'metrics/status HTTP server error'));
        this.boundPort = (server.address() as AddressInfo).port;
        this.deps.logger.info({ listen, port: this.boundPort }, 'metrics/status HTTP server listening');
        resolve();
      });
    });
  }

  close(): Promise<void> {
    const server = this.server;
    if (server === null) return Promise.resolve();
    this.server = null;
    return new Promise<void>((resolve) => {
      server.close(() => resolve());
      // A scraper holding a keep-alive connection must not delay shutdown.
      server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      this.send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
      return;
    }
    switch (path) {
      case '/metrics':
        this.deps.metrics.registry.metrics().then(
          (text) => this.send(res, 200, this.deps.metrics.registry.contentType, text),
          (e: unknown) => this.fail(res, '/metrics', e),
        );
        return;
      case '/healthz':
        this.respondHealth(res);
        return;
      case '/status':
        this.respondStatus(res);
        return;
      default:
        this.send(res, 404, 'text/plain; charset=utf-8', 'not found; try /metrics, /healthz or /status\n');
    }
  }

  private respondHealth(res: ServerResponse): void {
    let healthy: boolean;
    try {
      healthy = this.deps.healthy();
    } catch (e) {
      // A health callback that throws is itself a sign of an unhealthy daemon.
      this.deps.logger.error({ err: asVipdError(e) }, 'health callback threw');
      healthy = false;
    }
    this.send(res, healthy ? 200 : 503, 'text/plain; charset=utf-8', healthy ? 'ok\n' : 'unhealthy\n');
  }

  private respondStatus(res: ServerResponse): void {
    let body: string;
    try {
      body = JSON.stringify(this.deps.status(), null, 2) + '\n';
    } catch (e) {
      this.fail(res, '/status', e);
      return;
    }
    this.send(res, 200, 'application/json; charset=utf-8', body);
  }

  private fail(res: ServerResponse, path: string, e: unknown): void {
    const err = asVipdError(e);
    this.deps.logger.error({ err, path }, 'status endpoint failed');
    this.send(res, 500, 'application/json; charset=utf-8', JSON.stringify({ error: { code: err.code, message: err.message } }) + '\n');
  }

  private send(res: ServerResponse, status: number, contentType: string, body: string): void {
    if (res.writableEnded) return;
    res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  }
}
