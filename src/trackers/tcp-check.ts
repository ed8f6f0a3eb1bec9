import * as net from 'node:net';
import { VipdError } from '../errors';
import type { TrackerCheck } from './tracker-check';

/** Up when a TCP connection to host:port completes within the timeout; it is closed at once. */
export class TcpCheck implements TrackerCheck {
  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    if (host.length === 0) throw new VipdError('VIPD_E_CONFIG', 'tcp tracker has an empty host');
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new VipdError('VIPD_E_CONFIG', `tcp tracker port ${port} is not a TCP port (1-65535)`);
    }
  }

  run(timeoutMs: number): Promise<void> {
    const target = net.isIPv6(this.host) ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`;
    return new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host: this.host, port: this.port });
      let settled = false;
      const settle = (err: VipdError | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => {
        settle(
          new VipdError('VIPD_E_TRACKER', `TCP connect to ${target} did not complete within ${timeoutMs} ms`, {
            transient: true,
            details: { target, timeoutMs },
          }),
        );
      }, timeoutMs);
      socket.once('connect', () => settle(null));
      socket.once('error', (e: NodeJS.ErrnoException) => {
        settle(
          new VipdError('VIPD_E_TRACKER', `TCP connect to ${target} failed: ${e.code ?? e.message}`, {
            transient: true,
            cause: e,
            details: { target, errno: e.code ?? null },
          }),
        );
      });
    });
  }
}
