import fc from 'fast-check';
import { canonicalIp, formatIp, isIpv6LinkLocal, isUnspecified, networkOf, parseCidr, parseIp, sameIp, sameNetwork } from '../../src/util/ip';

describe('util/ip', () => {
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

  it.each([
    '',
    '10.0.1',
    '10.0.1.256',
    '010.0.1.1',
    '1.2.3.4.5',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    'fe80::1%eth0',
    'g::1',
    '10.0.1.1/24',
    ':::',
    '0x0a.0.0.1',
    ' 10.0.0.1',
    '1:2:3:4:5:6:7::8:9',
    '::ffff:010.0.0.1',
  ])('rejects %p', (text) => {
    expect(parseIp(text)).toBeNull();
  });

  it('reads an embedded IPv4 tail and a full-length :: form to the same bytes', () => {
    expect(parseIp('::ffff:10.0.0.1')).toEqual(parseIp('0:0:0:0:0:ffff:a00:1'));
    expect(parseIp('1:2:3:4:5:6:7::')?.bytes.slice(12)).toEqual([0, 7, 0, 0]);
  });

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

describe('util/ip: config-side checks', () => {
  const ip = (text: string) => {
    const parsed = parseIp(text);
    if (parsed === null) throw new Error(`not an IP: ${text}`);
    return parsed;
  };

  test('rejects non-addresses', () => {
    for (const bad of ['', '10.0.0', '10.0.0.256', '010.0.0.1', 'fe80::1%eth0', 'host', '::g', '1.2.3.4/24']) expect(parseIp(bad)).toBeNull();
  });

  test('compares by value, never as text', () => {
    expect(sameIp(ip('10.0.0.1'), ip('10.0.0.10'))).toBe(false);
    expect(sameIp(ip('fd00::1'), ip('fd00:0:0::1'))).toBe(true);
    expect(sameIp(ip('FD00::A'), ip('fd00::a'))).toBe(true);
    expect(sameIp(ip('::ffff:10.0.0.1'), ip('::ffff:a00:1'))).toBe(true);
    expect(sameIp(ip('10.0.0.1'), ip('::a00:1'))).toBe(false);
  });

  test('subnet membership', () => {
    expect(sameNetwork(ip('10.0.1.50'), ip('10.0.1.11'), 24)).toBe(true);
    expect(sameNetwork(ip('10.0.2.50'), ip('10.0.1.11'), 24)).toBe(false);
    expect(sameNetwork(ip('10.0.1.50'), ip('10.0.1.11'), 32)).toBe(false);
    expect(sameNetwork(ip('fd00:1::50'), ip('fd00:1::11'), 64)).toBe(true);
    expect(sameNetwork(ip('fd00:2::50'), ip('fd00:1::11'), 64)).toBe(false);
    expect(sameNetwork(ip('10.0.1.50'), ip('fd00:1::11'), 0)).toBe(false);
  });

  test('link-local and unspecified detection', () => {
    expect(isIpv6LinkLocal(ip('fe80::1'))).toBe(true);
    expect(isIpv6LinkLocal(ip('febf::1'))).toBe(true);
    expect(isIpv6LinkLocal(ip('fec0::1'))).toBe(false);
    expect(isIpv6LinkLocal(ip('fd00::1'))).toBe(false);
    expect(isUnspecified(ip('0.0.0.0'))).toBe(true);
    expect(isUnspecified(ip('::'))).toBe(true);
    expect(isUnspecified(ip('::1'))).toBe(false);
  });

  test('every IPv4 and IPv6 spelling fast-check produces round-trips to one canonical form', () => {
    fc.assert(fc.property(fc.ipV4(), (text) => expect(formatIp(ip(text))).toBe(text)));
    fc.assert(
      fc.property(fc.ipV6(), (text) => {
        expect(sameIp(ip(new URL(`http://[${text}]/`).hostname.slice(1, -1)), ip(text))).toBe(true);
      }),
    );
  });
});
