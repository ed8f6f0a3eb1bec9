import { promises as fs } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { VipdError, asVipdError } from '../errors';
import type { Logger } from '../util/logger';
import { MAX_REQUEST_BYTES, decodeRequest, type ControlResponse, type RequestId } from './protocol';
import { ensureSocketDir, probeSocketPath } from './socket-file';

export type ControlHandler = (params: unknown) => Promise<unknown>;

export interface ControlServerDeps {
  readonly path: string;
  /** Method name -> handler; only own properties count (no "toString", "__proto__"). */
  readonly handlers: Readonly<Record<string, ControlHandler>>;
  readonly logger: Logger;
  readonly maxRequestBytes?: number;
  /** A connected client that sends nothing for this long is dropped. */
  readonly idleTimeoutMs?: number;
}

const SOCKET_MODE = 0o660;
const DIR_MODE = 0o750;
const MAX_CONNECTIONS = 32;

/**
 * The daemon end of the control socket. Requests on one connection are
 * answered in order; every failure (bad JSON, unknown method, a handler
 * throwing) becomes an error reply, never an exception in the daemon.
 */
export class ControlServer {
  private readonly deps: ControlServerDeps;
  private readonly maxRequestBytes: number;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  /**
   * Inode of the socket file we created. libuv already unlinks the path when the
   * server closes; this covers the case where it could not, without touching a
   * file that is not ours.
   */
  private socketIno: number | null = null;

  constructor(deps: ControlServerDeps) {
    this.deps = deps;
    this.maxRequestBytes = deps.maxRequestBytes ?? MAX_REQUEST_BYTES;
  }

  async start(): Promise<void> {
    if (this.server !== null) throw new VipdError('VIPD_E_INTERNAL', 'ControlServer started twice');
    const { path, logger } = this.deps;
    await ensureSocketDir(path, DIR_MODE);
    const found = await probeSocketPath(path);
    if (found === 'listening') {
      throw new VipdError('VIPD_E_CONTROL', `another process (a running vipd?) is listening on the control socket ${path}`, { details: { path } });
    }
    if (found === 'stale') {
      logger.warn({ path }, 'removing stale control socket left by a previous run');
      await fs.unlink(path).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw new VipdError('VIPD_E_CONTROL', `cannot remove stale control socket ${path}: ${e.message}`, { cause: e });
      });
    }

    const server = createServer((socket) => this.accept(socket));
    server.maxConnections = MAX_CONNECTIONS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(new VipdError('VIPD_E_CONTROL', `cannot listen on control socket ${path}: ${e.message}`, { cause: e, details: { path, errno: e.code } })),
      );
      server.listen(path, () => resolve());
    });
    server.on('error', (e) => logger.error({ err: e }, 'control server error'));
    this.server = server;
    try {
      await fs.chmod(path, SOCKET_MODE);
      this.socketIno = (await fs.stat(path)).ino;
    } catch (e) {
      await this.close();
      throw new VipdError('VIPD_E_CONTROL', `cannot set mode of control socket ${path}: ${(e as Error).message}`, { cause: e });
    }
    logger.info({ path }, 'control socket listening');
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
    await this.removeOwnSocketFile();
  }

  private async removeOwnSocketFile(): Promise<void> {
    const { path } = this.deps;
    if (this.socketIno === null) return;
    try {
      if ((await fs.lstat(path)).ino === this.socketIno) await fs.unlink(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.deps.logger.warn({ err: e, path }, 'could not remove control socket');
    }
    this.socketIno = null;
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    let inFlight = 0;
    let awaitingReader = false;
    const idleMs = this.deps.idleTimeoutMs ?? 60_000;
    // Idle means no request pending: a switchover may legitimately take longer than idleMs. A client
    // that stopped reading our replies is idle too, whatever it has queued.
    socket.setTimeout(idleMs);
    socket.on('timeout', () => (inFlight > 0 && !awaitingReader ? socket.setTimeout(idleMs) : socket.destroy()));
    // A client that disconnects before its answer must not crash the daemon.
    socket.on('error', (e) => this.deps.logger.debug({ err: e }, 'control client connection error'));
    socket.on('close', () => this.sockets.delete(socket));

    let pending: Buffer = Buffer.alloc(0);
    let queue: Promise<void> = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let nl: number;
      while ((nl = pending.indexOf(0x0a)) >= 0) {
        const line = pending.subarray(0, nl).toString('utf8').trim();
        pending = pending.subarray(nl + 1);
        if (nl + 1 > this.maxRequestBytes) {
          this.tooLarge(socket);
          return;
        }
        if (line.length === 0) continue;
        inFlight++;
        // Backpressure: a client that pipelines requests and never reads must not grow our memory.
        if (inFlight >= MAX_PIPELINED) socket.pause();
        queue = queue
          .then(async () => {
            if (socket.writableLength > MAX_UNREAD_REPLY_BYTES) {
              awaitingReader = true;
              await drained(socket);
              awaitingReader = false;
            }
            if (socket.destroyed) return;
            await this.answer(socket, line);
          })
          .catch((e: unknown) => this.deps.logger.error({ err: e }, 'control request crashed'))
          .finally(() => {
            inFlight--;
            if (socket.isPaused() && inFlight <= MAX_PIPELINED / 2 && !socket.destroyed) socket.resume();
          });
      }
      if (pending.length > this.maxRequestBytes) this.tooLarge(socket);
    });
  }

  /** An over-long line cannot be resynchronised: answer once and hang up. */
  private tooLarge(socket: Socket): void {
    this.deps.logger.warn({ limit: this.maxRequestBytes }, 'control request too large; closing the connection');
    this.write(socket, {
      id: null,
      ok: false,
      error: { code: 'VIPD_E_CONTROL', message: `request larger than ${this.maxRequestBytes} bytes` },
    });
    socket.end();
    socket.removeAllListeners('data');
  }

  private async answer(socket: Socket, line: string): Promise<void> {
    const decoded = decodeRequest(line);
    if (!decoded.ok) {
      this.write(socket, { id: decoded.id, ok: false, error: { code: 'VIPD_E_CONTROL', message: decoded.message } });
      return;
    }
    const { id, method, params } = decoded.request;
    const handlers = this.deps.handlers;
    const handler = Object.prototype.hasOwnProperty.call(handlers, method) ? handlers[method] : undefined;
    if (handler === undefined) {
      this.write(socket, {
        id,
        ok: false,
        error: { code: 'VIPD_E_CONTROL', message: `unknown method "${method}"`, details: { methods: Object.keys(handlers).sort() } },
      });
      return;
    }
    this.deps.logger.debug({ method, id }, 'control request');
    let response: ControlResponse;
    try {
      response = { id, ok: true, result: (await handler(params)) ?? null };
    } catch (e) {
      response = { id, ok: false, error: errorBody(e) };
      this.deps.logger.info({ method, err: response.error }, 'control request failed');
    }
    this.write(socket, response);
  }

  private write(socket: Socket, response: ControlResponse): void {
    if (socket.destroyed || !socket.writable) return;
    socket.write(serialise(response, this.deps.logger));
  }
}

/** Requests of one connection queued before it stops reading more. */
const MAX_PIPELINED = 32;
/** Replies the client has not read yet before answering waits for it to read. */
const MAX_UNREAD_REPLY_BYTES = 1024 * 1024;

function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

function errorBody(e: unknown): { code: VipdError['code']; message: string; transient: boolean; details: Record<string, unknown> } {
  const err = asVipdError(e);
  return { code: err.code, message: err.message, transient: err.transient, details: err.details };
}

/** A result or details that JSON cannot express (cycles, BigInt) becomes an internal error reply, not a crash. */
function serialise(response: ControlResponse, logger: Logger): string {
  try {
    return JSON.stringify(response) + '\n';
  } catch (e) {
    logger.error({ err: e }, 'control response not serialisable');
    const id: RequestId | null = response.id;
    return JSON.stringify({ id, ok: false, error: { code: 'VIPD_E_INTERNAL', message: `response not serialisable: ${(e as Error).message}` } }) + '\n';
  }
}
