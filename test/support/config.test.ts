import { testConfig, testGroup } from './config';

describe('test config builder', () => {
  it('returns a loaded, frozen config with the defaults filled', () => {
    const config = testConfig();
    expect(config.node.id).toBe('node-a');
    expect(config.groups[0]?.intervalMs).toBeGreaterThan(0);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('applies a group patch through the loader, with its parsing', () => {
    const g = testGroup((doc) => {
      doc.vips = ['10.0.1.60', '10.0.1.61'];
      doc.intervalMs = '20ms';
    });
    expect(g.vips.map((v) => v.address)).toEqual(['10.0.1.60', '10.0.1.61']);
    expect(g.intervalMs).toBe(20);
  });

  it('refuses a config the loader would refuse, instead of handing it to a test', () => {
    expect(() => testGroup((doc) => void (doc.vips = ['not-an-address']))).toThrow(expect.objectContaining({ code: 'VIPD_E_CONFIG' }));
  });
});
