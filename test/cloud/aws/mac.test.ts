import { normalizeMac, sysfsMacOf } from '../../../src/cloud/aws/mac';
import { VipdError } from '../../../src/errors';

describe('MAC of an OS interface', () => {
  it('reads /sys/class/net/IF/address and normalises it', async () => {
    const paths: string[] = [];
    const macOf = sysfsMacOf(async (p) => {
      paths.push(p);
      return '02:AB:00:00:01:0A\n';
    });
    expect(await macOf('eth1')).toBe('02:ab:00:00:01:0a');
    expect(paths).toEqual(['/sys/class/net/eth1/address']);
  });

  it('a missing interface or a bad file is VIPD_E_INTERFACE; a name cannot escape /sys', async () => {
    const missing = sysfsMacOf(async () => {
      throw Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
    });
    await expect(missing('eth7')).rejects.toMatchObject({ code: 'VIPD_E_INTERFACE' });
    await expect(sysfsMacOf(async () => 'not a mac')('eth0')).rejects.toBeInstanceOf(VipdError);
    await expect(sysfsMacOf(async () => '02:00:00:00:00:01')('../../etc')).rejects.toMatchObject({ code: 'VIPD_E_INTERFACE' });
  });

  it('normalizeMac accepts MAC-48 only', () => {
    expect(normalizeMac('02:00:00:00:00:01')).toBe('02:00:00:00:00:01');
    expect(normalizeMac('02-00-00-00-00-01')).toBeNull();
    expect(normalizeMac('02:00:00:00:00')).toBeNull();
  });
});
