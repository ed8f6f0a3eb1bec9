import { isSingleAddress, withVips, withoutVips } from '../../../src/cloud/gcp/alias-ranges';

describe('alias ranges', () => {
  it('compares parsed ranges: 10.0.1.42 is 10.0.1.42/32; 10.0.1.4 is not 10.0.1.42', () => {
    expect(isSingleAddress('10.0.1.42', '10.0.1.42', 'x')).toBe(true);
    expect(isSingleAddress('10.0.1.42/32', '10.0.1.42', 'x')).toBe(true);
    expect(isSingleAddress('10.0.1.4/32', '10.0.1.42', 'x')).toBe(false);
    expect(() => isSingleAddress('bogus', '10.0.1.42', 'x')).toThrow(expect.objectContaining({ code: 'VIPD_E_CLOUD_RESPONSE' }));
  });

  it('removal keeps every other range with its range name; a wider range covering a VIP is refused, not dropped', () => {
    const ranges = [{ ipCidrRange: '10.0.1.42' }, { ipCidrRange: '10.8.1.0/24', subnetworkRangeName: 'pods' }];
    expect(withoutVips(ranges, ['10.0.1.42'], 'b/nic0')).toEqual([{ ipCidrRange: '10.8.1.0/24', subnetworkRangeName: 'pods' }]);
    expect(() => withoutVips(ranges, ['10.8.1.7'], 'b/nic0')).toThrow(expect.objectContaining({ code: 'VIPD_E_CLOUD_INVALID' }));
  });

  it('addition appends only missing VIPs as /32 (idempotent)', () => {
    expect(withVips([{ ipCidrRange: '10.0.1.42/32' }], ['10.0.1.42', '10.0.1.43'], 'a/nic1')).toEqual([
      { ipCidrRange: '10.0.1.42/32' },
      { ipCidrRange: '10.0.1.43/32' },
    ]);
  });
});
