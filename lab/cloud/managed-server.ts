import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * An HTTP listener whose availability tests can break on purpose: refuse
 * connections (listener closed), reset them on accept, or accept and never
 * answer. Answering 5xx is the handler's business (it is still an answer).
 */
export type ServerMode = 'up' | 'refuse' | 'reset' | 'hang' | 'error';

export type ListenTarget = { readonly host: string; readonly port: number } | { readonly socketPath: string };

export class ManagedServer {
  private readonly server: Server;
  private mode: ServerMode = 'up';
  private target: ListenTarget | null = null;
  private listening = false;
  private readonly hung = new Set<ServerResponse>();
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly name: string,
    handler: (req: IncomingMessage, res: ServerResponse) => void,
  ) {
    this.server = createServer((req, res) => {
      if (this.mode === 'reset') {
        req.socket.destroy();
        return;
      }
      if (this.mode === 'hang') {
        this.hung.add(res);
        res.on('close', () => this.hung.delete(res));
        return;
      }
      handler(req, res);
    });
    this.server.on('connection', (socket: Socket) => {
      if (this.mode === 'reset') {
        socket.destroy();
        return;
      }
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  get currentMode(): ServerMode {
    return this.mode;
  }

  /** Binds; returns the bound TCP port (0 asked = ephemeral) or null for a unix socket. */
  async listen(target: ListenTarget): Promise<number | null> {
    this.target = target;
    await this.bind();
    const addr = this.server.address();
    if ('host' in target && typeof addr === 'object' && addr !== null) {
      // Re-binding after a "refuse" outage must land on the same port.
      this.target = { host: target.host, port: addr.port };
      return addr.port;
    }
    return null;
  }

  async setMode(mode: ServerMode): Promise<void> {
    const previous = this.mode;
    this.mode = mode;
    if (previous === 'hang' && mode !== 'hang') this.dropHung();
    if (mode === 'refuse' && this.listening) await this.unbind();
    if (mode !== 'refuse' && !this.listening && this.target !== null) await this.bind();
    if (mode === 'reset') for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.dropHung();
    if (this.listening) await this.unbind();
  }

  private bind(): Promise<void> {
    const target = this.target!;
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      const done = (): void => {
        this.server.off('error', onError);
        this.listening = true;
        resolve();
      };
      if ('socketPath' in target) this.server.listen(target.socketPath, done);
      else this.server.listen(target.port, target.host, done);
    });
  }

  private unbind(): Promise<void> {
    return new Promise((resolve) => {
      this.listening = false;
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      for (const s of this.sockets) s.destroy();
    });
  }

  private dropHung(): void {
    for (const res of this.hung) res.socket?.destroy();
    this.hung.clear();
  }
}

/** Reads a request body up to `limit` bytes; rejects beyond it. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error(`request body larger than ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The caller's IPv4 address without the IPv4-mapped IPv6 prefix. */
export function sourceOf(req: IncomingMessage): string {
  const a = req.socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}
