import { createConnection } from 'node:net';
import { VipdError } from '../errors';
import { MAX_RESPONSE_BYTES, decodeResponse, encodeRequest } from './protocol';

/**
 * The CLI end of the control socket: one connection per call, one request,
 * one answer. A daemon-side VipdError comes back as a VipdError with the
 * same code, so the CLI maps it to an exit status like a local one.
 */
export class ControlClient {
  private readonly path: string;
  private nextId = 1;

  constructor(path: string) {
    this.path = path;
  }

  call(method: string, params: unknown, timeoutMs: number): Promise<unknown> {
    const id = `${process.pid}-${this.nextId++}`;
    const path = this.path;
    return new Promise<unknown>((resolve, reject) => {
      let settled = false;
      let received: Buffer = Buffer.alloc(0);
      const socket = createConnection(path);
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        fn();
      };
      const fail = (message: string, opts: { transient?: boolean; cause?: unknown; details?: Record<string, unknown> } = {}): void =>
        finish(() => reject(new VipdError('VIPD_E_CONTROL', message, { ...opts, details: { socket: path, method, ...opts.details } })));

      const timer = setTimeout(() => fail(`no answer from the daemon within ${timeoutMs} ms (socket ${path})`, { transient: true }), timeoutMs);

      socket.once('connect', () => socket.write(encodeRequest({ id, method, params: params ?? null })));
      socket.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') {
          fail(`daemon not running? (socket ${path})`, { cause: e, details: { errno: e.code } });
        } else if (e.code === 'EACCES' || e.code === 'EPERM') {
          fail(`permission denied on the control socket ${path}: run as root or as a member of its group`, { cause: e, details: { errno: e.code } });
        } else {
          fail(`control socket ${path}: ${e.message}`, { cause: e, details: { errno: e.code } });
        }
      });
      socket.on('data', (chunk: Buffer) => {
        received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
        const nl = received.indexOf(0x0a);
        if (nl < 0) {
          if (received.length > MAX_RESPONSE_BYTES) fail(`daemon answer larger than ${MAX_RESPONSE_BYTES} bytes`);
          return;
        }
        const response = decodeResponse(received.subarray(0, nl).toString('utf8'));
        if (typeof response === 'string') return fail(response);
        // id null: the daemon could not read our request at all (its error says why).
        if (response.id !== id && !(response.id === null && !response.ok))
          return fail(`daemon answered request ${String(response.id)} instead of ${id}`, { details: { response } });
        if (response.ok) return finish(() => resolve(response.result));
        const { code, message, transient, details } = response.error;
        return finish(() => reject(new VipdError(code, message, { transient: transient ?? false, details: { ...details, remote: true } })));
      });
      socket.on('close', () => fail(`the daemon closed the control connection without answering (socket ${path})`));
    });
  }
}
