import { createHash } from 'node:crypto';
import { canonicalPeerIp } from '../../src/util/ip';
import { vipDigest } from '../../src/heartbeat/vip-digest';

describe('canonicalPeerIp', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1', 4],
    ['::ffff:10.0.0.1', '10.0.0.1', 4],
    ['::FFFF:7f00:1', '127.0.0.1', 4],
    ['0:0:0:0:0:0:0:1', '::1', 6],
    ['FD00:0::2', 'fd00::2', 6],
    ['fe80::1%eth0', 'fe80::1', 6],
  ])('%s -> %s', (input, address, family) => {
    expect(canonicalPeerIp(input)).toEqual({ address, family });
  });

  it.each(['', 'localhost', '10.0.0', '10.0.0.256', '::g', '%eth0'])('%j is not an IP', (input) => {
    expect(canonicalPeerIp(input)).toBeNull();
  });
});

describe('vipDigest', () => {
  it('is 8 bytes, independent of order, spelling and duplicates', () => {
    const d = vipDigest(['10.0.1.42', 'fd00::42', '10.0.1.43']);
    expect(d.length).toBe(8);
    expect(vipDigest(['FD00:0::42', '10.0.1.43', '10.0.1.42', '10.0.1.42'])).toEqual(d);
  });

  it('differs when the set differs (address, prefix, member)', () => {
    const base = vipDigest(['10.0.1.42']);
    expect(vipDigest(['10.0.1.43'])).not.toEqual(base);
    expect(vipDigest(['10.0.1.42/24'])).not.toEqual(base);
    expect(vipDigest(['10.0.1.42', '10.0.1.43'])).not.toEqual(base);
    expect(vipDigest([])).not.toEqual(base);
  });

  it('is SHA-256 of the sorted entries joined by newlines, first 8 bytes (as documented)', () => {
    expect(vipDigest(['10.0.1.43', '10.0.1.42/24'])).toEqual(createHash('sha256').update('10.0.1.42/24\n10.0.1.43').digest().subarray(0, 8));
  });

  it('refuses what is not an address with VIPD_E_CONFIG', () => {
    expect(() => vipDigest(['vip.example'])).toThrow(expect.objectContaining({ code: 'VIPD_E_CONFIG' }));
    expect(() => vipDigest(['10.0.0.1/x'])).toThrow(expect.objectContaining({ code: 'VIPD_E_CONFIG' }));
    expect(() => vipDigest(['10.0.0.1/24/1'])).toThrow(expect.objectContaining({ code: 'VIPD_E_CONFIG' }));
  });
});
