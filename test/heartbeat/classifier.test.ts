import { PacketClassifier } from '../../src/heartbeat/classifier';
import { encodePacket, type PacketFields } from '../../src/heartbeat/codec';
import { prepareKeys } from '../../src/heartbeat/keys';
import { KEY_B, group, keysA, keysAB, sampleFields } from './helpers';

const B = { id: 'node-b', address: '127.0.0.1', port: 5001 };
const C = { id: 'node-c', address: '0:0:0:0:0:0:0:1', port: 5002 };
const FROM_B = { address: '127.0.0.1', port: 5001 };
const FROM_C = { address: '::1', port: 5002 };

function classifier(keys = keysA): PacketClassifier {
  return new PacketClassifier({ nodeId: 'node-a', groups: [group(7, [B, C]), group(9, [{ ...B, address: '10.0.0.2' }])], keys });
}
function packet(overrides: Partial<PacketFields> = {}): Buffer {
  return encodePacket(sampleFields(overrides), keysA.current);
}
function reason(c: PacketClassifier, buf: Buffer, from = FROM_B): string {
  const r = c.classify(buf, from, 0);
  return r.ok ? `ok:${r.replay}` : r.reason;
}

describe('PacketClassifier', () => {
  it('accepts a configured peer from its configured address and port', () => {
    const c = classifier();
    const r = c.classify(packet(), FROM_B, 0);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.peer.id).toBe('node-b');
    expect(r.group.id).toBe(7);
    expect(r.packet.priority).toBe(150);
    expect(r.keySlot).toBe('current');
    expect(r.replay).toBe('first');
  });

  it('compares addresses by value: IPv4-mapped IPv6 source and differently spelled IPv6 config', () => {
    const c = classifier();
    expect(reason(c, packet({ seq: 1n }), { address: '::ffff:127.0.0.1', port: 5001 })).toBe('ok:first');
    expect(reason(c, packet({ nodeId: 'node-c', seq: 1n }), FROM_C)).toBe('ok:first');
    expect(reason(c, packet({ nodeId: 'node-c', seq: 2n }), { address: '::0:1', port: 5002 })).toBe('ok:in-order');
  });

  it('unknown-group: authentic packet for a group we do not run', () => {
    expect(reason(classifier(), packet({ groupId: 8 }))).toBe('unknown-group');
  });

  it('unknown-sender: node id not a peer of that group (even if a peer of another group)', () => {
    const c = classifier();
    expect(reason(c, packet({ nodeId: 'node-x' }))).toBe('unknown-sender');
    expect(reason(c, packet({ nodeId: 'node-c', groupId: 9 }), FROM_C)).toBe('unknown-sender');
  });

  it('self: our own node id, e.g. our packet reflected back', () => {
    expect(reason(classifier(), packet({ nodeId: 'node-a' }))).toBe('self');
  });

  it("unknown-address: wrong address, wrong port, or another peer's address", () => {
    const c = classifier();
    expect(reason(c, packet(), { address: '127.0.0.2', port: 5001 })).toBe('unknown-address');
    expect(reason(c, packet(), { address: '127.0.0.1', port: 5009 })).toBe('unknown-address');
    expect(reason(c, packet(), FROM_C)).toBe('unknown-address');
    expect(reason(c, packet({ groupId: 9 }))).toBe('unknown-address'); // in group 9 node-b lives at 10.0.0.2
    expect(reason(c, packet(), { address: 'not-an-ip', port: 5001 })).toBe('unknown-address');
    const r = c.classify(packet(), { address: '127.0.0.2', port: 5001 }, 0);
    expect(!r.ok && r.detail).toContain('configured at 127.0.0.1:5001, packet came from 127.0.0.2:5001');
  });

  it('codec reasons pass through unchanged', () => {
    const c = classifier();
    expect(reason(c, Buffer.alloc(3))).toBe('truncated');
    expect(reason(c, encodePacket(sampleFields(), prepareKeys({ current: KEY_B, next: null }).current))).toBe('bad-tag');
  });

  describe('replay', () => {
    it('within an epoch: only a higher sequence passes (duplicate, older, equal)', () => {
      const c = classifier();
      expect(reason(c, packet({ seq: 10n }))).toBe('ok:first');
      expect(reason(c, packet({ seq: 10n }))).toBe('replay');
      expect(reason(c, packet({ seq: 9n }))).toBe('replay');
      expect(reason(c, packet({ seq: 11n }))).toBe('ok:in-order');
      expect(reason(c, packet({ seq: 1000n }))).toBe('ok:in-order'); // gaps are fine (lost packets)
      expect(reason(c, packet({ seq: 999n }))).toBe('replay');
    });

    it('a restarted peer (new epoch) is accepted at any sequence; its old epoch never again', () => {
      const c = classifier();
      const old1 = packet({ epoch: 1n, seq: 500n });
      const old2 = packet({ epoch: 1n, seq: 501n });
      expect(reason(c, old1)).toBe('ok:first');
      expect(reason(c, packet({ epoch: 2n, seq: 1n }))).toBe('ok:new-epoch');
      // A captured packet of the previous run, even one we never saw, is refused.
      expect(reason(c, old2)).toBe('replay');
      expect(reason(c, old1)).toBe('replay');
      expect(reason(c, packet({ epoch: 2n, seq: 2n }))).toBe('ok:in-order');
      // ...and does not disturb the current epoch's window.
      expect(reason(c, packet({ epoch: 2n, seq: 2n }))).toBe('replay');
    });

    it('is kept per (group, sender)', () => {
      const c = new PacketClassifier({ nodeId: 'node-a', groups: [group(7, [B]), group(8, [B])], keys: keysA });
      expect(reason(c, packet({ groupId: 7, seq: 5n }))).toBe('ok:first');
      expect(reason(c, packet({ groupId: 8, seq: 5n }))).toBe('ok:first');
      expect(reason(c, packet({ groupId: 8, seq: 5n }))).toBe('replay');
    });

    it('only fully accepted packets move the window: a misaddressed copy with a high sequence does not', () => {
      const c = classifier();
      expect(reason(c, packet({ seq: 1n }))).toBe('ok:first');
      expect(reason(c, packet({ seq: 100n }), { address: '127.0.0.9', port: 5001 })).toBe('unknown-address');
      expect(reason(c, packet({ seq: 2n }))).toBe('ok:in-order');
    });
  });

  describe('setGroups (reload)', () => {
    it('keeps the replay state of peers that stay, even if their address changes', () => {
      const c = classifier();
      expect(reason(c, packet({ seq: 5n }))).toBe('ok:first');
      c.setGroups([group(7, [{ ...B, port: 6001 }])]);
      expect(reason(c, packet({ seq: 5n }), { address: '127.0.0.1', port: 6001 })).toBe('replay');
      expect(reason(c, packet({ seq: 6n }), { address: '127.0.0.1', port: 6001 })).toBe('ok:in-order');
    });

    it('forgets removed peers and groups', () => {
      const c = classifier();
      expect(reason(c, packet({ seq: 5n }))).toBe('ok:first');
      c.setGroups([group(7, [C])]);
      expect(reason(c, packet({ seq: 6n }))).toBe('unknown-sender');
      c.setGroups([group(7, [B, C])]);
      expect(reason(c, packet({ seq: 5n }))).toBe('ok:first');
      c.setGroups([group(9, [B])]);
      expect(reason(c, packet({ groupId: 7, seq: 7n }))).toBe('unknown-group');
    });

    it.each<[string, () => Parameters<PacketClassifier['setGroups']>[0]]>([
      ['duplicate group id', () => [group(7, [B]), group(7, [C])]],
      ['group id 0', () => [group(0, [B])]],
      ['peer listed twice', () => [group(7, [B, B])]],
      ['peer with our own id', () => [group(7, [{ ...B, id: 'node-a' }])]],
      ['peer address not an IP', () => [group(7, [{ ...B, address: 'peer.example' }])]],
      ['peer port 0', () => [group(7, [{ ...B, port: 0 }])]],
      ['bad peer id', () => [group(7, [{ ...B, id: 'node b' }])]],
      ['digest of the wrong size', () => [{ ...group(7, [B]), vipDigest: Buffer.alloc(3) }]],
    ])('rejects %s with VIPD_E_CONFIG and keeps the old table', (_name, groups) => {
      const c = classifier();
      expect(reason(c, packet({ seq: 1n }))).toBe('ok:first');
      expect(() => c.setGroups(groups())).toThrow(expect.objectContaining({ code: 'VIPD_E_CONFIG' }));
      expect(reason(c, packet({ seq: 2n }))).toBe('ok:in-order');
    });
  });

  it('setKeys takes effect for the next packet', () => {
    const c = classifier(keysA);
    const signedWithB = encodePacket(sampleFields({ seq: 1n }), prepareKeys({ current: KEY_B, next: null }).current);
    expect(reason(c, signedWithB)).toBe('bad-tag');
    c.setKeys(keysAB);
    expect(reason(c, signedWithB)).toBe('ok:first');
  });

  it('refuses an invalid own node id', () => {
    expect(() => new PacketClassifier({ nodeId: '', groups: [], keys: keysA })).toThrow(expect.objectContaining({ code: 'VIPD_E_CONFIG' }));
  });
});
