import fc from 'fast-check';
import { canonicalIpv4, cidrContains, formatIpv4Cidr, formatIpv4, ipv4Number, parseIpv4Cidr } from '../../src/util/ip';

describe('ipv4', () => {
  it('round-trips every 32-bit address', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n) => expect(ipv4Number(formatIpv4(n))).toBe(n)));
  });

  it.each(['10.0.1', '10.0.1.1.1', '10.0.1.256', '010.0.1.1', '10.0.1.-1', ' 10.0.1.1', '10.0.1.1/32', '', 'a.b.c.d', '1e1.0.0.1'])('rejects %j', (text) => {
    expect(ipv4Number(text)).toBeNull();
  });

  it('compares addresses exactly: .1 is not .10', () => {
    expect(canonicalIpv4('10.0.1.1')).not.toBe(canonicalIpv4('10.0.1.10'));
    expect(canonicalIpv4(' 10.0.1.10\n')).toBe('10.0.1.10');
  });

  it('parses CIDRs, clears host bits and tests membership', () => {
    const c = parseIpv4Cidr('10.0.1.77/24')!;
    expect(formatIpv4Cidr(c)).toBe('10.0.1.0/24');
    expect(cidrContains(c, ipv4Number('10.0.1.255')!)).toBe(true);
    expect(cidrContains(c, ipv4Number('10.0.2.0')!)).toBe(false);
    expect(parseIpv4Cidr('10.0.1.0/33')).toBeNull();
    expect(parseIpv4Cidr('10.0.1.0')).toBeNull();
    expect(parseIpv4Cidr('10.0.1.0/024')).toBeNull();
    expect(cidrContains(parseIpv4Cidr('0.0.0.0/0')!, ipv4Number('255.255.255.255')!)).toBe(true);
  });
});
