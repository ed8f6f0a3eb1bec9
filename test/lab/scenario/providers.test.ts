import { noneProvider } from '../../../lab/scenario/provider';
import { scenarioProvider } from '../../../lab/scenario/providers';

describe('scenario providers', () => {
  it('none gives vipd provider none and no extra environment', async () => {
    expect(scenarioProvider('none')).toBe(noneProvider);
    const p = await noneProvider.prepare({ lab: null as never, dir: '/tmp/x', vip: '10.0.1.100', vips: ['10.0.1.100'], nodes: 2 });
    expect(p.providerSection(1)).toEqual({ type: 'none' });
    expect(p.env(2)).toEqual({});
  });

  it('aws is the emulated cloud (lab/scenario/aws-provider.ts)', () => {
    expect(scenarioProvider('aws').name).toBe('aws');
    expect(scenarioProvider('oci').name).toBe('oci');
  });

  it('an unknown provider is a config error listing the known ones', () => {
    expect(scenarioProvider('gcp').name).toBe('gcp');
    expect(() => scenarioProvider('azure')).toThrow(/unknown provider "azure"; expected one of none, aws, oci, gcp/);
  });
});
