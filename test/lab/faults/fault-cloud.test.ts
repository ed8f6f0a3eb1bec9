import { ALL_FAULT_PROVIDERS, CLOUD_FAULTS, selectedProviders } from './fault-cloud';

describe('fault suite columns', () => {
  it('runs every provider unless VIPD_FAULT_PROVIDERS picks some, in the suite order; a name that is no provider is an error', () => {
    expect(selectedProviders(undefined)).toEqual(['none', 'aws', 'oci', 'gcp']);
    expect(selectedProviders(' ')).toEqual(ALL_FAULT_PROVIDERS);
    expect(selectedProviders('gcp, oci')).toEqual(['oci', 'gcp']);
    expect(() => selectedProviders('none,azure')).toThrow(/"azure" is not one of none, aws, oci, gcp/);
    expect(() => selectedProviders('aws,')).toThrow(/"" is not one of/);
  });

  it("names each cloud's move call and its throttling and server errors as that cloud's API does", () => {
    expect(CLOUD_FAULTS.aws.moveAction).toBe('AssignPrivateIpAddresses');
    expect(CLOUD_FAULTS.oci).toMatchObject({ moveAction: 'UpdatePrivateIp', throttling: { status: 429 }, serverError: { status: 500 } });
    expect(CLOUD_FAULTS.gcp).toMatchObject({ moveAction: 'instances.updateNetworkInterface', throttling: { status: 429 }, serverError: { status: 503 } });
  });
});
