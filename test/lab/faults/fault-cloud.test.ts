import { ALL_FAULT_PROVIDERS, selectedProviders } from './fault-cloud';

describe('fault suite columns', () => {
  it('runs every provider unless VIPD_FAULT_PROVIDERS picks some, in the suite order; a name that is no provider is an error', () => {
    expect(selectedProviders(undefined)).toEqual(['none', 'aws', 'oci', 'gcp']);
    expect(selectedProviders(' ')).toEqual(ALL_FAULT_PROVIDERS);
    expect(selectedProviders('gcp, oci')).toEqual(['oci', 'gcp']);
    expect(() => selectedProviders('none,azure')).toThrow(/"azure" is not one of none, aws, oci, gcp/);
    expect(() => selectedProviders('aws,')).toThrow(/"" is not one of/);
  });
});
