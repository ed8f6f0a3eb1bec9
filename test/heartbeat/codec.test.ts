import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import type { Role } from '../../src/election/types';
import { decodePacket, encodePacket, type PacketFields } from '../../src/heartbeat/codec';
import { keyIdOf, prepareKeys } from '../../src/heartbeat/keys';
import { MAX_PACKET_BYTES, MIN_PACKET_BYTES, U32_MAX, U64_MAX } from '../../src/heartbeat/wire-format';
import { DIGEST, KEY_A, flipByte, KEY_B, KEY_WRONG, keysA, keysAB, sampleFields } from './helpers';

const ROLES: readonly Role[] = ['INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP'];

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
function u64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
}
/** Re-signs a (mutated) packet so it gets past the tag check: used to reach the field checks. */
function resign(buf: Buffer, key: Buffer = KEY_A): Buffer {
  const out = Buffer.from(buf);
  createHmac('sha256', key)
    .update(out.subarray(0, out.length - 32))
    .digest()
    .copy(out, out.length - 32);
  return out;
}
function reasonOf(buf: Buffer, keys = keysA): string {
  const r = decodePacket(buf, keys);
  return r.ok ? 'ok' : r.reason;
}
const valid = (): Buffer => encodePacket(sampleFields(), keysA.current);
/** Offset of the first byte after the node id in sampleFields() ("node-b", 6 bytes). */
const TAIL = 8 + 6;

describe('wire layout (docs/protocol.md table)', () => {
  it('matches the documented bytes exactly, built independently of the codec', () => {
    const body = Buffer.concat([
      Buffer.from('VIPD', 'ascii'),
      Buffer.from([1 /* version */, 1 /* advert */, 7 /* group */, 6 /* id length */]),
      Buffer.from('node-b', 'ascii'),
      Buffer.from([150 /* priority */, 2 /* MASTER */]),
      u32(1000),
      u64(0x0123456789abcdefn),
      u64(42n),
      DIGEST,
      Buffer.from([keyIdOf(KEY_A)]),
    ]);
    const tag = createHmac('sha256', KEY_A).update(body).digest();
    const encoded = valid();
    expect(encoded).toEqual(Buffer.concat([body, tag]));
    expect(encoded.length).toBe(71 + 6);
  });

  it('documents a reproducible example packet (hex in docs/protocol.md)', () => {
    const key = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
    const buf = encodePacket(
      { type: 'advert', groupId: 1, nodeId: 'a', priority: 100, role: 'BACKUP', intervalMs: 100, epoch: 1n, seq: 1n, vipDigest: Buffer.alloc(8) },
      prepareKeys({ current: key, next: null }).current,
    );
    expect(buf.length).toBe(MIN_PACKET_BYTES);
    // Pinned: the same hex appears in docs/protocol.md ("Example").
    expect(buf.toString('hex')).toBe(
      '56495044' +
        '01' +
        '01' +
        '01' +
        '01' +
        '61' +
        '64' +
        '01' +
        '00000064' +
        '0000000000000001' +
        '0000000000000001' +
        '0000000000000000' +
        '57' +
        '36d9f7f8a8e6ba949fc759aefc5a42b70e536894a41a9837999afdf12f711fa2',
    );
    expect(keyIdOf(key)).toBe(0x57);
  });
});

describe('round trip', () => {
  const fieldsArb: fc.Arbitrary<PacketFields> = fc
    .record({
      type: fc.constantFrom<'advert' | 'resign'>('advert', 'resign'),
      groupId: fc.integer({ min: 1, max: 255 }),
      nodeId: fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/),
      priority: fc.integer({ min: 0, max: 255 }),
      role: fc.constantFrom(...ROLES),
      intervalMs: fc.integer({ min: 1, max: U32_MAX }),
      epoch: fc.bigInt({ min: 0n, max: U64_MAX }),
      seq: fc.bigInt({ min: 0n, max: U64_MAX }),
      vipDigest: fc.uint8Array({ minLength: 8, maxLength: 8 }).map((a) => Buffer.from(a)),
    })
    .map((f) => (f.type === 'resign' ? { ...f, priority: 0 } : f));

  it('decodes every field as encoded (property, fixed seed)', () => {
    fc.assert(
      fc.property(fieldsArb, fc.boolean(), (fields, useNext) => {
        const key = useNext ? keysAB.next : keysAB.current;
        if (key === null) throw new Error('test setup: next key missing');
        const buf = encodePacket(fields, key);
        expect(buf.length).toBeLessThanOrEqual(MAX_PACKET_BYTES);
        const r = decodePacket(buf, keysAB);
        if (!r.ok) throw new Error(`rejected ${r.reason}: ${r.detail}`);
        expect(r.packet).toEqual({ ...fields, keyId: key.id });
        expect(r.keySlot).toBe(useNext ? 'next' : 'current');
      }),
      { seed: 20240601, numRuns: 2000 },
    );
  });

  it.each(ROLES)('role %s', (role) => {
    const r = decodePacket(encodePacket(sampleFields({ role }), keysA.current), keysA);
    expect(r.ok && r.packet.role).toBe(role);
  });

  it('extremes of every numeric field and both types', () => {
    const cases: PacketFields[] = [
      sampleFields({ groupId: 1, priority: 0, intervalMs: 1, epoch: 0n, seq: 0n, nodeId: 'x' }),
      sampleFields({ groupId: 255, priority: 255, intervalMs: U32_MAX, epoch: U64_MAX, seq: U64_MAX, nodeId: 'n'.repeat(64) }),
      sampleFields({ type: 'resign', priority: 0, nodeId: 'A.b_c-9' }),
    ];
    for (const fields of cases) {
      const r = decodePacket(encodePacket(fields, keysA.current), keysA);
      expect(r).toEqual({ ok: true, packet: { ...fields, keyId: keysA.current.id }, keySlot: 'current' });
    }
  });

  it('the longest packet (64-byte node id) is 135 bytes, well under the limit', () => {
    expect(encodePacket(sampleFields({ nodeId: 'n'.repeat(64) }), keysA.current).length).toBe(135);
  });
});

describe('encoder refuses fields it would have to send malformed', () => {
  it.each<[string, Partial<PacketFields>]>([
    ['group 0', { groupId: 0 }],
    ['group 256', { groupId: 256 }],
    ['empty node id', { nodeId: '' }],
    ['65-byte node id', { nodeId: 'n'.repeat(65) }],
    ['node id with a space', { nodeId: 'node b' }],
    ['non-ASCII node id', { nodeId: 'nödé' }],
    ['priority 256', { priority: 256 }],
    ['priority 1.5', { priority: 1.5 }],
    ['resign with priority', { type: 'resign', priority: 100 }],
    ['interval 0', { intervalMs: 0 }],
    ['interval beyond u32', { intervalMs: U32_MAX + 1 }],
    ['negative epoch', { epoch: -1n }],
    ['seq beyond u64', { seq: U64_MAX + 1n }],
    ['short digest', { vipDigest: Buffer.alloc(4) }],
  ])('%s', (_name, overrides) => {
    expect(() => encodePacket(sampleFields(overrides), keysA.current)).toThrow(expect.objectContaining({ code: 'VIPD_E_INTERNAL' }));
  });
});

describe('reject reasons decided by the packet alone', () => {
  it('truncated: shorter than the header or than the node id length says', () => {
    const buf = valid();
    for (const len of [0, 1, 3, 4, 5, 6, 7, MIN_PACKET_BYTES - 1, buf.length - 1, buf.length - 32]) {
      expect([len, reasonOf(buf.subarray(0, len))]).toEqual([len, 'truncated']);
    }
  });

  it('oversize: longer than 256 bytes, whatever it starts with', () => {
    expect(reasonOf(Buffer.concat([valid(), Buffer.alloc(MAX_PACKET_BYTES + 1 - valid().length)]))).toBe('oversize');
    expect(reasonOf(Buffer.alloc(65_000))).toBe('oversize');
  });

  it('bad-magic', () => {
    const buf = valid();
    buf[0] = 0x58;
    expect(reasonOf(buf)).toBe('bad-magic');
    expect(reasonOf(Buffer.from('GET / HTTP/1.1\r\n\r\n'))).toBe('bad-magic');
  });

  it.each([0, 2, 255])('wrong-version %i', (version) => {
    const buf = valid();
    buf[4] = version;
    expect(reasonOf(buf)).toBe('wrong-version');
    // Decided before the length: a v2 packet may be laid out differently.
    expect(reasonOf(buf.subarray(0, 5))).toBe('wrong-version');
  });

  it.each([0, 3, 255])('bad-type %i', (type) => {
    const buf = valid();
    buf[5] = type;
    expect(reasonOf(buf)).toBe('bad-type');
  });

  it('malformed: node id length 0 or above 64, trailing bytes', () => {
    const zero = valid();
    zero[7] = 0;
    expect(reasonOf(zero)).toBe('malformed');
    const long = Buffer.concat([valid(), Buffer.alloc(100)]);
    long[7] = 65;
    expect(reasonOf(long)).toBe('malformed');
    expect(reasonOf(Buffer.concat([valid(), Buffer.from([0])]))).toBe('malformed');
  });

  it('malformed: authentic packets with invalid field values', () => {
    const mutate = (f: (b: Buffer) => void): Buffer => {
      const b = valid();
      f(b);
      return resign(b);
    };
    expect(reasonOf(mutate((b) => (b[6] = 0)))).toBe('malformed'); // group 0
    expect(reasonOf(mutate((b) => (b[8] = 0x20)))).toBe('malformed'); // space in node id
    expect(reasonOf(mutate((b) => (b[8] = 0xc3)))).toBe('malformed'); // non-ASCII byte
    expect(reasonOf(mutate((b) => (b[TAIL + 1] = 5)))).toBe('malformed'); // role 5
    expect(reasonOf(mutate((b) => b.writeUInt32BE(0, TAIL + 2)))).toBe('malformed'); // interval 0
    expect(reasonOf(mutate((b) => (b[5] = 2)))).toBe('malformed'); // resign with priority 150
    // Sanity: the helper itself produces accepted packets when nothing is wrong.
    expect(reasonOf(mutate(() => undefined))).toBe('ok');
  });

  it('bad-tag: any changed byte, a changed tag, or another key', () => {
    const body = valid();
    flipByte(body, TAIL, 0x01); // priority 150 -> 151
    expect(reasonOf(body)).toBe('bad-tag');
    const tag = valid();
    flipByte(tag, tag.length - 1, 0x80);
    expect(reasonOf(tag)).toBe('bad-tag');
    const other = encodePacket(sampleFields(), prepareKeys({ current: KEY_WRONG, next: null }).current);
    expect(reasonOf(other)).toBe('bad-tag');
  });

  it('bad-tag detail tells a key mismatch from corruption, by key id', () => {
    const other = decodePacket(encodePacket(sampleFields(), prepareKeys({ current: KEY_WRONG, next: null }).current), keysA);
    expect(!other.ok && other.detail).toMatch(/none of ours.*key files differ/);
    const corrupted = valid();
    flipByte(corrupted, TAIL, 1);
    const r = decodePacket(corrupted, keysA);
    expect(!r.ok && r.detail).toMatch(/one of ours.*corrupted or forged/);
  });
});

describe('key rotation', () => {
  const signedWithB = (): Buffer => encodePacket(sampleFields(), prepareKeys({ current: KEY_B, next: null }).current);

  it('accepts a packet signed with the next key and says so', () => {
    const r = decodePacket(signedWithB(), keysAB);
    expect(r.ok && r.keySlot).toBe('next');
    expect(r.ok && r.packet.keyId).toBe(keyIdOf(KEY_B));
  });

  it('accepts the current key while a next key is configured', () => {
    const r = decodePacket(valid(), keysAB);
    expect(r.ok && r.keySlot).toBe('current');
  });

  it('rejects the next key once it is no longer configured, and a key that is neither', () => {
    expect(reasonOf(signedWithB(), keysA)).toBe('bad-tag');
    expect(reasonOf(encodePacket(sampleFields(), prepareKeys({ current: KEY_WRONG, next: null }).current), keysAB)).toBe('bad-tag');
  });

  it('a lying key id does not select the key: the tag decides', () => {
    const buf = signedWithB();
    buf[TAIL + 30] = keysAB.current.id; // claim the current key
    expect(reasonOf(buf, keysAB)).toBe('bad-tag'); // the key id is covered by the tag
  });

  it('refuses keys shorter than 16 bytes', () => {
    expect(() => prepareKeys({ current: Buffer.alloc(15, 1), next: null })).toThrow(expect.objectContaining({ code: 'VIPD_E_KEY_FILE' }));
    expect(() => prepareKeys({ current: KEY_A, next: Buffer.alloc(0) })).toThrow(expect.objectContaining({ code: 'VIPD_E_KEY_FILE' }));
  });
});
