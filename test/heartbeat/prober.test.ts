import { createSocket, type Socket } from 'node:dgram';
import { processClock } from '../../src/util/clock';
import { PeerProber } from '../../src/heartbeat/prober';
import { HeartbeatService } from '../../src/heartbeat/service';
import { UdpTransport } from '../../src/heartbeat/transport';
import type { DatagramSource } from '../../src/heartbeat/types';
import { silentLogger } from '../../src/util/logger';
import { KEY_A, group, waitFor } from './helpers';

/**
 * Real sockets on loopback (exempt from the kernel's ICMP rate limit): a
 * port nobody listens on refuses, a listening one does not.
 */
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((f) => f()));
});

async function listener(type: 'udp4' | 'udp6', address: string): Promise<{ socket: Socket; port: number; received: Buffer[] }> {
  const socket = createSocket(type);
  const received: Buffer[] = [];
  socket.on('message', (m) => received.push(m));
  await new Promise<void>((resolve) => socket.bind({ address, port: 0 }, () => resolve()));
  cleanup.push(() => new Promise((resolve) => socket.close(() => resolve())));
  return { socket, port: socket.address().port, received };
}

/** A port that was just free: bound, then closed, so nothing listens there. */
async function closedPort(type: 'udp4' | 'udp6', address: string): Promise<number> {
  const socket = createSocket(type);
  await new Promise<void>((resolve) => socket.bind({ address, port: 0 }, () => resolve()));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

function prober(bindAddress: string): { prober: PeerProber; refused: DatagramSource[] } {
  const p = new PeerProber({ bindAddress, logger: silentLogger() });
  const refused: DatagramSource[] = [];
  p.onRefused((e) => refused.push(e));
  cleanup.push(() => p.close());
  return { prober: p, refused };
}

describe.each([
  ['IPv4', 'udp4', '127.0.0.1'],
  ['IPv6', 'udp6', '::1'],
] as const)('PeerProber over %s loopback', (_name, type, address) => {
  it('reports a refusal for each probe of a port nobody listens on, naming the endpoint', async () => {
    const port = await closedPort(type, address);
    const { prober: p, refused } = prober(address);
    p.probe(address, port);
    await waitFor(() => refused.length === 1, 'first refusal');
    p.probe(address, port);
    await waitFor(() => refused.length === 2, 'second refusal');
    expect(refused).toEqual([
      { address, port },
      { address, port },
    ]);
    expect(p.stats()).toEqual({ sent: 2, refused: 2, errors: 0 });
  });

  it('a listening port receives an empty datagram and refuses nothing', async () => {
    const live = await listener(type, address);
    const deadPort = await closedPort(type, address);
    const { prober: p, refused } = prober(address);
    p.probe(address, live.port);
    await waitFor(() => live.received.length === 1, 'probe received');
    // Barrier: a refusal of a later probe to a dead port has come back, so one for the live port would have too.
    p.probe(address, deadPort);
    await waitFor(() => refused.length === 1, 'refusal of the dead port');
    expect(refused).toEqual([{ address, port: deadPort }]);
    expect(live.received[0]?.length).toBe(0);
  });
});

describe('HeartbeatService with a prober', () => {
  it('maps a refusal to every (group, peer) configured at that endpoint, and counts empty datagrams as probes, not rejects', async () => {
    const deadPort = await closedPort('udp4', '127.0.0.1');
    const transport = new UdpTransport({ bindAddress: '127.0.0.1', port: 0, logger: silentLogger() });
    const p = new PeerProber({ bindAddress: '127.0.0.1', logger: silentLogger() });
    const refused: Array<[number, string]> = [];
    const rejects: string[] = [];
    const service = new HeartbeatService({
      transport,
      prober: p,
      clock: processClock,
      keys: { current: KEY_A, next: null },
      nodeId: 'node-a',
      groups: [
        group(1, [{ id: 'node-b', address: '127.0.0.1', port: deadPort }]),
        group(2, [
          { id: 'node-b', address: '127.0.0.1', port: deadPort },
          { id: 'node-c', address: '127.0.0.1', port: 1 },
        ]),
      ],
      epoch: 1n,
      logger: silentLogger(),
      onAdvert: () => undefined,
      onReject: (reason) => rejects.push(reason),
      onRefused: (groupId, peerId) => refused.push([groupId, peerId]),
    });
    await service.start();
    cleanup.push(() => service.close());
    service.probe(1, 'node-b');
    await waitFor(() => refused.length === 2, 'refusal reported to both groups');
    expect(refused.sort()).toEqual([
      [1, 'node-b'],
      [2, 'node-b'],
    ]);

    const sender = createSocket('udp4');
    cleanup.push(() => new Promise((resolve) => sender.close(() => resolve())));
    sender.send(Buffer.alloc(0), transport.localAddress().port, '127.0.0.1');
    await waitFor(() => service.stats().probesReceived === 1, 'probe counted');
    expect(rejects).toEqual([]);
  });
});
