import { PacketClassifier } from '../../src/heartbeat/classifier';
import { decodePacket, encodePacket, type PacketFields } from '../../src/heartbeat/codec';
import { prepareKeys } from '../../src/heartbeat/keys';
import { REJECT_REASONS } from '../../src/heartbeat/reject-reasons';
import { KEY_B, KEY_WRONG, group, keysAB, sampleFields } from './helpers';
import type { Role } from '../../src/election/types';
import { seededRandom as prng } from '../support/prng';

const SEED = 0x5eed_0001;
const TOTAL = 120_000;
const ROLES: readonly Role[] = ['INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP'];

describe('decoder and classifier fuzz', () => {
  it(`classifies ${TOTAL} random and mutated packets without throwing; anything accepted is byte-identical to a valid packet`, () => {
    const rand = prng(SEED);
    const int = (n: number): number => Math.floor(rand() * n);
    const bytes = (n: number): Buffer => {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = int(256);
      return b;
    };

    const signers = [keysAB.current, prepareKeys({ current: KEY_B, next: null }).current, prepareKeys({ current: KEY_WRONG, next: null }).current];
    const seeds: Buffer[] = [];
    for (let i = 0; i < 64; i++) {
      const type = int(4) === 0 ? 'resign' : 'advert';
      const fields: PacketFields = sampleFields({
        type,
        groupId: [7, 9, 1 + int(255)][int(3)] ?? 7,
        nodeId: ['node-b', 'node-c', 'node-a', 'x', 'n'.repeat(1 + int(64))][int(5)] ?? 'node-b',
        priority: type === 'resign' ? 0 : int(256),
        role: ROLES[int(ROLES.length)] ?? 'BACKUP',
        intervalMs: 1 + int(100_000),
        epoch: BigInt(int(4)),
        seq: BigInt(int(1_000_000)),
      });
      seeds.push(encodePacket(fields, signers[int(signers.length)] ?? keysAB.current));
    }
    // Everything the decoder may legitimately accept: the valid seeds signed with an accepted key.
    const acceptable = new Set(seeds.filter((s) => decodePacket(s, keysAB).ok).map((s) => s.toString('hex')));
    expect(acceptable.size).toBeGreaterThan(20);

    const pick = (): Buffer => Buffer.from(seeds[int(seeds.length)] ?? Buffer.alloc(0));
    const mutators: Array<() => Buffer> = [
      // bit flips
      () => {
        const b = pick();
        for (let k = 1 + int(4); k > 0; k--) {
          const i = int(b.length);
          b.writeUInt8(b.readUInt8(i) ^ (1 << int(8)), i);
        }
        return b;
      },
      // a random byte anywhere, including the header
      () => {
        const b = pick();
        b.writeUInt8(int(256), int(Math.min(b.length, 12)));
        return b;
      },
      // truncation
      () => pick().subarray(0, int(140)),
      // extension
      () => Buffer.concat([pick(), bytes(1 + int(200))]),
      // swap two fields of equal size (priority<->role, epoch<->seq, group<->type)
      () => {
        const b = pick();
        const tail = 8 + b.readUInt8(7);
        const pairs: Array<[number, number, number]> = [
          [tail, tail + 1, 1],
          [tail + 6, tail + 14, 8],
          [5, 6, 1],
          [tail + 22, tail + 6, 8],
        ];
        const [x, y, n] = pairs[int(pairs.length)] ?? [0, 0, 0];
        if (y + n > b.length) return b;
        const tmp = Buffer.from(b.subarray(x, x + n));
        b.copy(b, x, y, y + n);
        tmp.copy(b, y);
        return b;
      },
      // splice: head of one valid packet, tail of another
      () => {
        const a = pick();
        const c = pick();
        const cut = int(Math.min(a.length, c.length));
        return Buffer.concat([a.subarray(0, cut), c.subarray(cut)]);
      },
      // node id length lies
      () => {
        const b = pick();
        b.writeUInt8(int(256), 7);
        return b;
      },
      // pure random bytes of any size, up to beyond the limit
      () => bytes(int(300)),
      // random bytes behind a valid magic, version and type
      () => Buffer.concat([Buffer.from('VIPD'), Buffer.from([1, 1 + int(2)]), bytes(int(200))]),
      // an untouched valid packet (the replay path gets exercised too)
      () => pick(),
    ];

    const classifier = new PacketClassifier({
      nodeId: 'node-a',
      groups: [
        group(7, [
          { id: 'node-b', address: '127.0.0.1', port: 5001 },
          { id: 'x', address: '127.0.0.1', port: 5001 },
        ]),
        group(9, [{ id: 'node-c', address: '::1', port: 5002 }]),
      ],
      keys: keysAB,
    });
    const froms = [
      { address: '127.0.0.1', port: 5001 },
      { address: '::ffff:127.0.0.1', port: 5001 },
      { address: '::1', port: 5002 },
      { address: 'garbage', port: -1 },
    ];
    const known = new Set<string>(['ok', ...REJECT_REASONS]);
    const seen = new Map<string, number>();

    for (let i = 0; i < TOTAL; i++) {
      const mutator = mutators[int(mutators.length)];
      if (mutator === undefined) throw new Error('unreachable');
      const buf = mutator();
      const decoded = decodePacket(buf, keysAB);
      if (decoded.ok) {
        // The tag makes any accepted input one of the packets really signed: nothing else verifies.
        if (!acceptable.has(buf.toString('hex'))) throw new Error(`iteration ${i}: accepted a packet that no signer produced: ${buf.toString('hex')}`);
        const signer = decoded.keySlot === 'current' ? keysAB.current : keysAB.next;
        if (signer === null) throw new Error('unreachable');
        const { keyId: _keyId, ...fields } = decoded.packet;
        expect(encodePacket(fields, signer).equals(buf)).toBe(true);
      } else if (!known.has(decoded.reason)) {
        throw new Error(`iteration ${i}: unknown reason ${decoded.reason}`);
      }
      const r = classifier.classify(buf, froms[int(froms.length)] ?? { address: '', port: 0 }, 0);
      const label = r.ok ? 'ok' : r.reason;
      if (!known.has(label)) throw new Error(`iteration ${i}: unknown reason ${label}`);
      seen.set(label, (seen.get(label) ?? 0) + 1);
    }

    const total = [...seen.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(TOTAL);
    // The mix must actually reach every stage, or the fuzz proves little.
    const missing = ['ok', ...REJECT_REASONS].filter((reason) => !seen.has(reason));
    expect(missing).toEqual([]);
  });
});
