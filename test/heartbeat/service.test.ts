import { processClock } from '../../src/util/clock';
import type { PeerAdvert } from '../../src/election/types';
import type { VipdError } from '../../src/errors';
import { decodePacket } from '../../src/heartbeat/codec';
import { prepareKeys } from '../../src/heartbeat/keys';
import type { RejectReason } from '../../src/heartbeat/reject-reasons';
import { HeartbeatService, type HeartbeatGroup, type HeartbeatKeys } from '../../src/heartbeat/service';
import { UdpTransport, type DatagramTransport } from '../../src/heartbeat/transport';
import type { DatagramSource } from '../../src/heartbeat/types';
import { silentLogger, type Logger } from '../../src/util/logger';
import { vipDigest } from '../../src/heartbeat/vip-digest';
import { FakeTransport, KEY_A, KEY_B, KEY_WRONG, group, keysA, recordingLogger, waitFor } from './helpers';

interface Node {
  readonly id: string;
  readonly service: HeartbeatService;
  readonly transport: UdpTransport;
  readonly adverts: Array<{ groupId: number; advert: PeerAdvert; from: DatagramSource }>;
  readonly rejects: Array<{ reason: RejectReason; from: DatagramSource }>;
  readonly sendErrors: VipdError[];
  /** Every datagram this node sent, as an attacker on the wire would capture it. */
  readonly captured: Buffer[];
  port(): number;
}

const running: Node[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((n) => n.service.close()));
});

/** Records what goes out, like a capture on the wire. */
class CapturingTransport implements DatagramTransport {
  constructor(
    private readonly inner: UdpTransport,
    private readonly captured: Buffer[],
  ) {}
  bind(): Promise<void> {
    return this.inner.bind();
  }
  send(buf: Buffer, address: string, port: number, onError?: (e: VipdError) => void): void {
    this.captured.push(Buffer.from(buf));
    this.inner.send(buf, address, port, onError);
  }
  onDatagram(cb: (buf: Buffer, from: DatagramSource) => void): void {
    this.inner.onDatagram(cb);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

async function startNode(id: string, keys: HeartbeatKeys, opts: { address?: string; port?: number; epoch?: bigint; logger?: Logger } = {}): Promise<Node> {
  const address = opts.address ?? '127.0.0.1';
  const transport = new UdpTransport({ bindAddress: address, port: opts.port ?? 0, logger: silentLogger() });
  const adverts: Node['adverts'] = [];
  const rejects: Node['rejects'] = [];
  const sendErrors: VipdError[] = [];
  const captured: Buffer[] = [];
  const service = new HeartbeatService({
    transport: new CapturingTransport(transport, captured),
    clock: processClock,
    keys,
    nodeId: id,
    // Peers are known only once every node has its port: filled in by connect().
    groups: [],
    epoch: opts.epoch ?? 1n,
    logger: opts.logger ?? silentLogger(),
    onAdvert: (groupId, advert, from) => adverts.push({ groupId, advert, from }),
    onReject: (reason, from) => rejects.push({ reason, from }),
    onSendError: (_g, _p, e) => sendErrors.push(e),
  });
  const node: Node = { id, service, transport, adverts, rejects, sendErrors, captured, port: () => transport.localAddress().port };
  await service.start();
  running.push(node);
  return node;
}

function groupsFor(self: Node, peers: readonly Node[], address = '127.0.0.1'): HeartbeatGroup[] {
  return [
    group(
      7,
      peers.filter((p) => p !== self).map((p) => ({ id: p.id, address, port: p.port() })),
    ),
  ];
}
/** Each node lists all the others as peers of group 7 (a config reload, as the runtime would do it). */
function connect(nodes: readonly Node[], address = '127.0.0.1'): void {
  for (const n of nodes) n.service.updateGroups(groupsFor(n, nodes, address));
}

const ADVERT = { kind: 'advert', priority: 200, role: 'MASTER', intervalMs: 100 } as const;

describe('HeartbeatService over loopback UDP', () => {
  it.each([
    ['IPv4', '127.0.0.1'],
    ['IPv6', '::1'],
  ])('%s: two services exchange adverts and resigns', async (_f, address) => {
    const a = await startNode('node-a', { current: KEY_A, next: null }, { address });
    const b = await startNode('node-b', { current: KEY_A, next: null }, { address });
    connect([a, b], address);

    a.service.sendAdvert(7, ADVERT);
    b.service.sendAdvert(7, { kind: 'advert', priority: 100, role: 'BACKUP', intervalMs: 1000 });
    await waitFor(() => a.adverts.length === 1 && b.adverts.length === 1, 'one advert each way');
    expect(b.adverts[0]).toEqual({
      groupId: 7,
      advert: { kind: 'advert', from: 'node-a', priority: 200, role: 'MASTER', intervalMs: 100 },
      from: { address, port: a.port() },
    });
    expect(a.adverts[0]?.advert).toEqual({ kind: 'advert', from: 'node-b', priority: 100, role: 'BACKUP', intervalMs: 1000 });

    // A resign goes out with priority 0 whatever the core passed.
    a.service.sendAdvert(7, { kind: 'resign', priority: 200, role: 'STOP', intervalMs: 100 });
    await waitFor(() => b.adverts.length === 2, 'the resign');
    expect(b.adverts[1]?.advert).toEqual({ kind: 'resign', from: 'node-a', priority: 0, role: 'STOP', intervalMs: 100 });
    expect(a.rejects).toEqual([]);
    expect(b.rejects).toEqual([]);
    expect(b.service.stats()).toMatchObject({ accepted: 2, sendErrors: 0, sent: 1 });
  });

  it("an advert for one peer (a preempted master's resign to the winner) reaches that peer only", async () => {
    const a = await startNode('node-a', { current: KEY_A, next: null });
    const b = await startNode('node-b', { current: KEY_A, next: null });
    const c = await startNode('node-c', { current: KEY_A, next: null });
    connect([a, b, c]);
    a.service.sendAdvert(7, { kind: 'resign', priority: 0, role: 'BACKUP', intervalMs: 100 }, 'node-b');
    a.service.sendAdvert(7, ADVERT);
    await waitFor(() => b.adverts.length === 2 && c.adverts.length === 1, 'the resign to b, the advert to both');
    expect(b.adverts.map((x) => x.advert.kind)).toEqual(['resign', 'advert']);
    expect(c.adverts.map((x) => x.advert.kind)).toEqual(['advert']);
  });

  it('a peer signing with a wrong key is rejected as bad-tag, counted, and never reaches onAdvert', async () => {
    const a = await startNode('node-a', { current: KEY_A, next: null });
    const b = await startNode('node-b', { current: KEY_A, next: null });
    const rogue = await startNode('node-c', { current: KEY_WRONG, next: null });
    connect([a, b, rogue]);

    rogue.service.sendAdvert(7, ADVERT);
    rogue.service.sendAdvert(7, ADVERT);
    b.service.sendAdvert(7, ADVERT);
    await waitFor(() => a.rejects.length === 2 && a.adverts.length === 1, 'two rejects and one advert at node-a');
    expect(a.rejects).toEqual([
      { reason: 'bad-tag', from: { address: '127.0.0.1', port: rogue.port() } },
      { reason: 'bad-tag', from: { address: '127.0.0.1', port: rogue.port() } },
    ]);
    expect(a.adverts.map((x) => x.advert.from)).toEqual(['node-b']);
    const stats = a.service.stats();
    expect(stats.rejected['bad-tag']).toBe(2);
    expect(stats.accepted).toBe(1);
    // Every reason is present (at 0) so metrics can initialise their counters from it.
    expect(Object.values(stats.rejected).reduce((x, y) => x + y, 0)).toBe(2);
    expect(Object.keys(stats.rejected)).toHaveLength(12);
  });

  it('rotates keys without a rejected packet (documented operator procedure)', async () => {
    const a = await startNode('node-a', { current: KEY_A, next: null });
    const b = await startNode('node-b', { current: KEY_A, next: null });
    connect([a, b]);
    let expectedAtA = 0;
    let expectedAtB = 0;
    const exchange = async (step: string): Promise<void> => {
      a.service.sendAdvert(7, ADVERT);
      b.service.sendAdvert(7, ADVERT);
      expectedAtA += 1;
      expectedAtB += 1;
      await waitFor(() => a.adverts.length === expectedAtA && b.adverts.length === expectedAtB, step);
    };
    await exchange('before');
    // Step 1, one node at a time: add the new key as "next".
    a.service.updateKeys({ current: KEY_A, next: KEY_B });
    await exchange('1a');
    b.service.updateKeys({ current: KEY_A, next: KEY_B });
    await exchange('1b');
    // Step 2, one node at a time: sign with the new key, keep the old one accepted.
    a.service.updateKeys({ current: KEY_B, next: KEY_A });
    await exchange('2a');
    expect(b.service.stats().acceptedWithNextKey).toBe(1); // b saw a's new key in its "next" slot
    b.service.updateKeys({ current: KEY_B, next: KEY_A });
    await exchange('2b');
    // Step 3: drop the old key.
    a.service.updateKeys({ current: KEY_B, next: null });
    b.service.updateKeys({ current: KEY_B, next: null });
    await exchange('3');
    expect(a.rejects).toEqual([]);
    expect(b.rejects).toEqual([]);
    // And the old key is now refused.
    const old = await startNode('node-c', { current: KEY_A, next: null });
    connect([a, b, old]);
    old.service.sendAdvert(7, ADVERT);
    await waitFor(() => a.rejects.length === 1, 'old-key reject');
    expect(a.rejects[0]?.reason).toBe('bad-tag');
  });

  it('a restarted peer (new epoch, same port) is followed; its captured old packets are refused as replay', async () => {
    const a = await startNode('node-a', { current: KEY_A, next: null });
    const b1 = await startNode('node-b', { current: KEY_A, next: null }, { epoch: 111n });
    connect([a, b1]);
    b1.service.sendAdvert(7, ADVERT);
    b1.service.sendAdvert(7, ADVERT);
    await waitFor(() => a.adverts.length === 2, 'adverts of the first run');
    const capturedFirstRun = [...b1.captured];
    const port = b1.port();
    await b1.service.close();

    const b2 = await startNode('node-b', { current: KEY_A, next: null }, { port, epoch: 222n });
    b2.service.updateGroups(groupsFor(b2, [a, b2]));
    b2.service.sendAdvert(7, ADVERT); // sequence 1 again, new epoch
    await waitFor(() => a.adverts.length === 3, 'advert after restart');

    // An attacker on b's address replays the first run's packets.
    for (const buf of capturedFirstRun) b2.transport.send(buf, '127.0.0.1', a.port());
    // ...and the current run's packet.
    b2.transport.send(b2.captured[0] ?? Buffer.alloc(0), '127.0.0.1', a.port());
    await waitFor(() => a.rejects.length === 3, 'three replays refused');
    expect(a.rejects.map((r) => r.reason)).toEqual(['replay', 'replay', 'replay']);
    expect(a.adverts).toHaveLength(3);
  });

  it('a config reload keeps the replay state of peers that stay', async () => {
    const a = await startNode('node-a', { current: KEY_A, next: null });
    const b = await startNode('node-b', { current: KEY_A, next: null });
    connect([a, b]);
    b.service.sendAdvert(7, ADVERT);
    await waitFor(() => a.adverts.length === 1, 'advert');
    connect([a, b]); // SIGHUP with the same peers
    b.transport.send(b.captured[0] ?? Buffer.alloc(0), '127.0.0.1', a.port());
    await waitFor(() => a.rejects.length === 1, 'replay after reload');
    expect(a.rejects[0]?.reason).toBe('replay');
  });

  it('send errors are counted and reported, never thrown (IPv6 peer from an IPv4 socket)', async () => {
    const a = await startNode('node-a', { current: KEY_A, next: null });
    a.service.updateGroups([
      group(7, [
        { id: 'node-b', address: '::1', port: 9 },
        { id: 'node-c', address: '127.0.0.1', port: 9 },
      ]),
    ]);
    expect(() => a.service.sendAdvert(7, ADVERT)).not.toThrow();
    await waitFor(() => a.sendErrors.length === 1, 'one send error');
    expect(a.sendErrors[0]?.code).toBe('VIPD_E_HEARTBEAT_SEND');
    expect(a.service.stats()).toMatchObject({ sent: 2, sendErrors: 1 });
  });
  it('logs a VIP set mismatch once when it starts and once when it ends, not per packet', async () => {
    const { logger, lines } = recordingLogger();
    const a = await startNode('node-a', { current: KEY_A, next: null }, { logger });
    const b = await startNode('node-b', { current: KEY_A, next: null });
    connect([a, b]);
    const [bGroup] = groupsFor(b, [a, b]);
    if (bGroup === undefined) throw new Error('unreachable');
    b.service.updateGroups([{ ...bGroup, vipDigest: vipDigest(['10.0.1.99']) }]);
    for (let i = 1; i <= 3; i++) {
      b.service.sendAdvert(7, ADVERT);
      await waitFor(() => a.adverts.length === i, `advert ${i}`);
    }
    b.service.updateGroups([bGroup]);
    b.service.sendAdvert(7, ADVERT);
    b.service.sendAdvert(7, ADVERT);
    await waitFor(() => a.adverts.length === 5, 'adverts 4 and 5');
    const drift = lines.filter((l) => /VIP set/.test(l.msg)).map((l) => l.level);
    expect(drift).toEqual(['warn', 'info']);
  });
});

describe('HeartbeatService reject logging', () => {
  it('warns once per (reason, source), at most 1024 sources, and forgets them hourly so a spoofing flood cannot mute real rejects for good', () => {
    const transport = new FakeTransport();
    const { logger, lines } = recordingLogger();
    let now = 0;
    new HeartbeatService({
      transport,
      clock: { nowMs: () => now },
      keys: { current: KEY_A, next: null },
      nodeId: 'node-a',
      groups: [group(7, [{ id: 'node-b', address: '10.0.0.2', port: 5405 }])],
      epoch: 1n,
      logger,
      onAdvert: () => undefined,
      onReject: () => undefined,
    });
    const warns = (): number => lines.filter((l) => l.level === 'warn' && l.msg.startsWith('heartbeat rejected')).length;
    for (let i = 0; i < 1100; i++) transport.deliver(Buffer.from('junk'), { address: `10.9.${i >> 8}.${i & 255}`, port: 1 });
    transport.deliver(Buffer.from('junk'), { address: '10.9.0.0', port: 1 }); // seen: debug
    expect(warns()).toBe(1024);
    transport.deliver(Buffer.from('junk'), { address: '10.0.0.2', port: 5405 }); // the real peer, new: muted by the flood
    expect(warns()).toBe(1024);
    now += 3_600_000;
    transport.deliver(Buffer.from('junk'), { address: '10.0.0.2', port: 5405 });
    expect(warns()).toBe(1025);
  });
});

describe('HeartbeatService with an in-memory transport', () => {
  function make(overrides: { onAdvert?: () => void; onReject?: () => void } = {}) {
    const transport = new FakeTransport();
    const adverts: PeerAdvert[] = [];
    const rejects: RejectReason[] = [];
    const service = new HeartbeatService({
      transport,
      clock: processClock,
      keys: { current: KEY_A, next: null },
      nodeId: 'node-a',
      groups: [
        group(7, [
          { id: 'node-b', address: '10.0.0.2', port: 5405 },
          { id: 'node-c', address: 'fd00::3', port: 5405 },
        ]),
      ],
      epoch: 0xfeedn,
      logger: silentLogger(),
      onAdvert: overrides.onAdvert ?? ((_g, adv) => adverts.push(adv)),
      onReject: overrides.onReject ?? ((reason) => rejects.push(reason)),
    });
    return { transport, service, adverts, rejects };
  }

  it('registers for datagrams before start, and start binds', async () => {
    const { transport, service } = make();
    expect(transport.bound).toBe(false);
    await service.start();
    expect(transport.bound).toBe(true);
    await service.close();
    expect(transport.closed).toBe(true);
  });

  it('encodes once per advert, sends it to every peer, with a strictly increasing sequence in our epoch', () => {
    const { transport, service } = make();
    service.sendAdvert(7, ADVERT);
    service.sendAdvert(7, ADVERT);
    expect(transport.sent.map((s) => [s.address, s.port])).toEqual([
      ['10.0.0.2', 5405],
      ['fd00::3', 5405],
      ['10.0.0.2', 5405],
      ['fd00::3', 5405],
    ]);
    expect(transport.sent[0]?.buf).toBe(transport.sent[1]?.buf);
    const decoded = transport.sent.map((s) => decodePacket(s.buf, keysA));
    const seqs = decoded.map((d) => (d.ok ? d.packet.seq : -1n));
    expect(seqs).toEqual([1n, 1n, 2n, 2n]);
    expect(decoded.every((d) => d.ok && d.packet.epoch === 0xfeedn && d.packet.nodeId === 'node-a' && d.packet.groupId === 7)).toBe(true);
  });

  it('signs with the current key after updateKeys', () => {
    const { transport, service } = make();
    service.updateKeys({ current: KEY_B, next: KEY_A });
    service.sendAdvert(7, ADVERT);
    const r = decodePacket(transport.sent[0]?.buf ?? Buffer.alloc(0), prepareKeys({ current: KEY_B, next: null }));
    expect(r.ok).toBe(true);
  });

  it('refuses a too-short key on update and keeps the old keys', () => {
    const { transport, service } = make();
    expect(() => service.updateKeys({ current: Buffer.alloc(4), next: null })).toThrow(expect.objectContaining({ code: 'VIPD_E_KEY_FILE' }));
    service.sendAdvert(7, ADVERT);
    expect(decodePacket(transport.sent[0]?.buf ?? Buffer.alloc(0), keysA).ok).toBe(true);
  });

  it('an unknown group or an unencodable advert is a counted send error, not a throw', () => {
    const { transport, service } = make();
    expect(() => service.sendAdvert(8, ADVERT)).not.toThrow();
    expect(() => service.sendAdvert(7, { ...ADVERT, priority: 300 })).not.toThrow();
    expect(transport.sent).toEqual([]);
    expect(service.stats().sendErrors).toBe(2);
  });

  it('a transport that throws on send is counted, not propagated', () => {
    const { transport, service } = make();
    transport.send = () => {
      throw new Error('boom');
    };
    expect(() => service.sendAdvert(7, ADVERT)).not.toThrow();
    expect(service.stats()).toMatchObject({ sent: 2, sendErrors: 2 });
  });

  it('asynchronous send errors from the transport are counted per datagram', () => {
    const { transport, service } = make();
    service.sendAdvert(7, ADVERT);
    transport.sent[1]?.onError?.({ code: 'VIPD_E_HEARTBEAT_SEND' } as VipdError);
    expect(service.stats().sendErrors).toBe(1);
  });

  it('counts and reports rejects by reason; garbage never throws', () => {
    const { transport, service, rejects } = make();
    transport.deliver(Buffer.from('hello'), { address: '10.0.0.9', port: 1 });
    transport.deliver(Buffer.alloc(1000), { address: '10.0.0.9', port: 1 });
    expect(rejects).toEqual(['bad-magic', 'oversize']);
    expect(service.stats().rejected).toMatchObject({ 'bad-magic': 1, oversize: 1, truncated: 0 });
  });

  it('a throwing onAdvert or onReject does not break the next packet', () => {
    let calls = 0;
    const { transport } = make({
      onReject: () => {
        calls += 1;
        throw new Error('consumer bug');
      },
    });
    transport.deliver(Buffer.from('x'), { address: '10.0.0.9', port: 1 });
    transport.deliver(Buffer.from('y'), { address: '10.0.0.9', port: 1 });
    expect(calls).toBe(2);
  });

  it('refuses an epoch outside u64 and invalid groups at construction', () => {
    const base = {
      transport: new FakeTransport(),
      clock: processClock,
      keys: { current: KEY_A, next: null },
      nodeId: 'node-a',
      groups: [],
      logger: silentLogger(),
      onAdvert: () => undefined,
      onReject: () => undefined,
    };
    expect(() => new HeartbeatService({ ...base, epoch: -1n })).toThrow(expect.objectContaining({ code: 'VIPD_E_INTERNAL' }));
    expect(() => new HeartbeatService({ ...base, epoch: 1n, groups: [group(7, [{ id: 'node-a', address: '10.0.0.1', port: 1 }])] })).toThrow(
      expect.objectContaining({ code: 'VIPD_E_CONFIG' }),
    );
  });
});
