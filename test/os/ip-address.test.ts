import fc from 'fast-check';
import { canonicalIp, formatIp, networkOf, parseCidr, parseIp, sameNetwork } from '../../src/os/ip-address';

describe('ip-address', () => {
  it('compares parsed addresses exactly: .1 is not .10', () => {
    expect(canonicalIp('10.0.1.1')).not.toBe(canonicalIp('10.0.1.10'));
    expect(canonicalIp('10.0.1.10')).toBe('10.0.1.10');
  });

  it('normalises IPv6 to RFC 5952 text', () => {
    expect(canonicalIp('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(canonicalIp('fd00:1:0::42')).toBe('fd00:1::42');
    expect(canonicalIp('2001:db8:0:1:0:0:0:1')).toBe('2001:db8:0:1::1');
    expect(canonicalIp('2001:0:0:1:0:0:0:1')).toBe('2001:0:0:1::1'); // first of two equal runs
    expect(canonicalIp('::')).toBe('::');
    expect(canonicalIp('::ffff:10.0.0.1')).toBe('::ffff:a00:1');
    expect(canonicalIp('1:2:3:4:5:6:7:8')).toBe('1:2:3:4:5:6:7:8');
  });

  it.each(['', '10.0.1', '10.0.1.256', '010.0.1.1', '1.2.3.4.5', '1::2::3', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', 'g::1', '10.0.1.1/24', ':::'])(
    'rejects %p',
    (text) => {
      expect(parseIp(text)).toBeNull();
    },
  );

  it('round-trips every IPv4 and IPv6 address (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const ip = { family: 6 as const, bytes: [...bytes] };
        const text = formatIp(ip);
        expect(parseIp(text)).toEqual(ip);
        expect(parseIp(text.toUpperCase())).toEqual(ip);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (bytes) => {
        const ip = { family: 4 as const, bytes: [...bytes] };
        expect(parseIp(formatIp(ip))).toEqual(ip);
      }),
    );
  });

  it('computes networks and CIDRs as the kernel prints them', () => {
    const ip = parseIp('10.0.1.42');
    if (!ip) throw new Error('parse');
    expect(formatIp(networkOf(ip, 24))).toBe('10.0.1.0');
    expect(formatIp(networkOf(ip, 20))).toBe('10.0.0.0');
    expect(sameNetwork(ip, parseIp('10.0.1.10') ?? ip, 24)).toBe(true);
    expect(sameNetwork(ip, parseIp('10.0.2.10') ?? ip, 24)).toBe(false);
    expect(parseCidr('default', 4)).toEqual({ ip: { family: 4, bytes: [0, 0, 0, 0] }, prefix: 0 });
    expect(parseCidr('10.0.1.42', 4)?.prefix).toBe(32);
    expect(parseCidr('fd00::/64', 6)?.prefix).toBe(64);
    expect(parseCidr('10.0.1.0/33', 4)).toBeNull();
    expect(parseCidr('10.0.1.0/2x', 4)).toBeNull();
  });
});
