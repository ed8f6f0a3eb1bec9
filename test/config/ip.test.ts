import fc from 'fast-check';
import { inSubnet, ipKey, isIpv6LinkLocal, parseIp } from '../../src/config/ip';

const ip = (text: string) => {
  const parsed = parseIp(text);
  if (parsed === null) throw new Error(`not an IP: ${text}`);
  return parsed;
};

describe('ip', () => {
  test('rejects non-addresses', () => {
    for (const bad of ['', '10.0.0', '10.0.0.256', '010.0.0.1', 'fe80::1%eth0', 'host', '::g', '1.2.3.4/24']) expect(parseIp(bad)).toBeNull();
  });

  test('compares numerically, never as text', () => {
    expect(ipKey(ip('10.0.0.1'))).not.toBe(ipKey(ip('10.0.0.10')));
    expect(ipKey(ip('fd00::1'))).toBe(ipKey(ip('fd00:0:0::1')));
    expect(ipKey(ip('FD00::A'))).toBe(ipKey(ip('fd00::a')));
    expect(ipKey(ip('::ffff:10.0.0.1'))).toBe(ipKey(ip('::ffff:a00:1')));
    expect(ipKey(ip('10.0.0.1'))).not.toBe(ipKey(ip('::a00:1')));
  });

  test('subnet membership', () => {
    expect(inSubnet(ip('10.0.1.50'), ip('10.0.1.11'), 24)).toBe(true);
    expect(inSubnet(ip('10.0.2.50'), ip('10.0.1.11'), 24)).toBe(false);
    expect(inSubnet(ip('10.0.1.50'), ip('10.0.1.11'), 32)).toBe(false);
    expect(inSubnet(ip('fd00:1::50'), ip('fd00:1::11'), 64)).toBe(true);
    expect(inSubnet(ip('fd00:2::50'), ip('fd00:1::11'), 64)).toBe(false);
    expect(inSubnet(ip('10.0.1.50'), ip('fd00:1::11'), 0)).toBe(false);
  });

  test('link-local detection', () => {
    expect(isIpv6LinkLocal(ip('fe80::1'))).toBe(true);
    expect(isIpv6LinkLocal(ip('febf::1'))).toBe(true);
    expect(isIpv6LinkLocal(ip('fec0::1'))).toBe(false);
    expect(isIpv6LinkLocal(ip('fd00::1'))).toBe(false);
  });

  test('IPv4 round trip through the numeric value', () => {
    fc.assert(
      fc.property(fc.ipV4(), (text) => {
        const value = ip(text).value;
        const back = [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join('.');
        expect(back).toBe(text);
      }),
    );
  });

  test('every IPv6 spelling fast-check produces parses to 128 bits', () => {
    fc.assert(
      fc.property(fc.ipV6(), (text) => {
        const parsed = ip(text);
        expect(parsed.value >= 0n && parsed.value < 1n << 128n).toBe(true);
        expect(ipKey(ip(new URL(`http://[${text}]/`).hostname.slice(1, -1)))).toBe(ipKey(parsed));
      }),
    );
  });
});
