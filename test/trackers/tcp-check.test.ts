import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { VipdError } from '../../src/errors';
import { TcpCheck } from '../../src/trackers/tcp-check';

async function listen(server: net.Server, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

describe('TcpCheck against loopback ports', () => {
  it('is up when the port accepts, and closes the connection', async () => {
    let accepted = 0;
    let closed = 0;
    const server = net.createServer((sock) => {
      accepted++;
      sock.on('close', () => closed++);
    });
    const port = await listen(server, '127.0.0.1');
    try {
      await expect(new TcpCheck('127.0.0.1', port).run(5000)).resolves.toBeUndefined();
      for (let i = 0; i < 100 && closed < 1; i++) await new Promise((r) => setTimeout(r, 20));
      expect(accepted).toBe(1);
      expect(closed).toBe(1);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('is down with ECONNREFUSED on a closed port', async () => {
    const server = net.createServer();
    const port = await listen(server, '127.0.0.1');
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const e = await new TcpCheck('127.0.0.1', port).run(5000).then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(VipdError);
    expect(e).toMatchObject({ code: 'VIPD_E_TRACKER', message: `TCP connect to 127.0.0.1:${port} failed: ECONNREFUSED` });
  });

  it('brackets IPv6 targets in its reasons', async () => {
    const server = net.createServer();
    let port: number;
    try {
      port = await listen(server, '::1');
    } catch {
      return; // no IPv6 loopback on this machine
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await expect(new TcpCheck('::1', port).run(5000)).rejects.toMatchObject({ message: `TCP connect to [::1]:${port} failed: ECONNREFUSED` });
  });

  it.each([
    ['', 80],
    ['127.0.0.1', 0],
    ['127.0.0.1', 70000],
    ['127.0.0.1', 1.5],
  ])('rejects config host=%j port=%d', (host, port) => {
    expect(() => new TcpCheck(host, port)).toThrow(expect.objectContaining({ code: 'VIPD_E_CONFIG' }));
  });
});
