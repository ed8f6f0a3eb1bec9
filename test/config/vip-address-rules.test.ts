import { subnetOf, unusableVipReason } from '../../src/config/vip-address-rules';
import { parseIp, type ParsedIp } from '../../src/util/ip';

const ip = (s: string): ParsedIp => {
  const p = parseIp(s);
  if (p === null) throw new Error(s);
  return p;
};
const reason = (vip: string, cidr: string, provider: string | null = 'none'): string | null => {
  const [net, prefix] = cidr.split('/');
  return unusableVipReason(ip(vip), subnetOf(ip(net ?? ''), Number(prefix)), provider);
};

describe('VIP addresses that can never work', () => {
  it.each<[string, string, string | null, RegExp | null]>([
    ['10.0.1.0', '10.0.1.0/24', 'none', /network address of 10\.0\.1\.0\/24/],
    ['10.0.1.255', '10.0.1.0/24', 'none', /broadcast address of 10\.0\.1\.0\/24/],
    ['10.0.1.1', '10.0.1.0/24', 'none', null],
    ['10.0.1.254', '10.0.1.0/24', 'none', null],
    ['10.0.0.0', '10.0.0.0/31', 'none', null], // RFC 3021: both addresses usable
    ['10.0.0.1', '10.0.0.1/32', 'none', null],
    ['10.0.1.1', '10.0.1.0/24', 'aws', /AWS reserves the first four and the last address of every subnet \(here 10\.0\.1\.0\/24\)/],
    ['10.0.1.3', '10.0.1.0/24', 'aws', /AWS reserves/],
    ['10.0.1.4', '10.0.1.0/24', 'aws', null],
    ['10.0.1.255', '10.0.1.0/24', 'aws', /AWS reserves/],
    ['10.0.1.0', '10.0.1.0/24', 'aws', /AWS reserves/],
    ['10.0.17.15', '10.0.16.0/20', 'aws', null],
    ['10.0.31.255', '10.0.16.0/20', 'aws', /AWS reserves.*10\.0\.16\.0\/20/],
    ['10.0.1.1', '10.0.1.0/24', 'gcp', /GCP reserves the network, gateway, second-to-last and broadcast/],
    ['10.0.1.254', '10.0.1.0/24', 'gcp', /GCP reserves/],
    ['10.0.1.2', '10.0.1.0/24', 'gcp', null],
    ['10.0.1.253', '10.0.1.0/24', 'gcp', null],
    ['fd00:1::', 'fd00:1::/64', 'none', /subnet-router anycast address of fd00:1::\/64/],
    ['fd00:1::1', 'fd00:1::/64', 'none', null],
    ['fd00:1::3', 'fd00:1::/64', 'aws', /AWS reserves/],
    ['fd00:1::ffff:ffff:ffff:ffff', 'fd00:1::/64', 'aws', /AWS reserves/],
    ['fd00:1::ffff:ffff:ffff:ffff', 'fd00:1::/64', 'none', null],
  ])('%s in %s with provider %s', (vip, cidr, provider, expected) => {
    const r = reason(vip, cidr, provider);
    if (expected === null) expect(r).toBeNull();
    else expect(r).toMatch(expected);
  });
});
