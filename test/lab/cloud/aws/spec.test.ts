import { labCloudSpecOf, parseLabCloudSpec } from '../../../../lab/cloud/spec';
import { NODE1, labSpecJson } from '../fixtures';

function withPatch(patch: (s: Record<string, unknown>) => void): unknown {
  const s = labSpecJson();
  patch(s);
  return s;
}

const enis = (s: Record<string, unknown>) => s.networkInterfaces as Record<string, unknown>[];

describe('lab cloud state file', () => {
  it('accepts the fixture and fills defaults (source addresses, account, delay)', () => {
    const spec = labCloudSpecOf(
      parseLabCloudSpec(
        withPatch((s) => {
          delete (s.instances as Record<string, unknown>[])[1]!.sourceAddresses;
        }),
      ),
      'aws',
    );
    expect(spec.accountId).toBe('123456789012');
    expect(spec.propagationDelayMs).toBe(0);
    expect(spec.instances[0]!.sourceAddresses).toEqual([NODE1.source]);
    expect(spec.instances[1]!.sourceAddresses).toEqual(['10.0.1.11']);
    expect(spec.networkInterfaces[1]!.sourceDestCheck).toBe(false);
  });

  it('names its flavour: aws when written, aws when absent; oci and gcp are flavours of their own; anything else is refused', () => {
    expect(parseLabCloudSpec(withPatch((s) => void (s.cloud = 'aws'))).cloud).toBe('aws');
    expect(parseLabCloudSpec(labSpecJson()).cloud).toBe('aws');
    // An aws state file named gcp or oci is checked as one of theirs, and is not one.
    expect(() => parseLabCloudSpec(withPatch((s) => void (s.cloud = 'gcp')))).toThrow(/lab cloud state/);
    expect(() => parseLabCloudSpec(withPatch((s) => void (s.cloud = 'oci')))).toThrow(/lab cloud state/);
    expect(() => parseLabCloudSpec(withPatch((s) => void (s.cloud = 'azure')))).toThrow(/\$\.cloud must be one of aws\|oci\|gcp/);
    expect(() => parseLabCloudSpec([])).toThrow(/\$ must be an object/);
  });

  it.each<[string, (s: Record<string, unknown>) => void, RegExp]>([
    ['an address outside its subnet', (s) => void (enis(s)[2]!.privateIps = ['10.0.9.9']), /outside 10\.0\.1\.0\/24/],
    ['a duplicate address', (s) => void (enis(s)[2]!.privateIps = [NODE1.primary]), /duplicate private address/],
    ['a duplicate MAC', (s) => void (enis(s)[2]!.mac = NODE1.mac), /duplicate mac/],
    ['an unknown subnet', (s) => void (enis(s)[2]!.subnetId = 'subnet-0ffffffffffffffff'), /unknown subnet/],
    ['an unknown instance', (s) => void (enis(s)[2]!.instanceId = 'i-0fffffffffffffff'), /unknown instance/],
    ['a non-canonical address', (s) => void (enis(s)[2]!.privateIps = ['10.0.1.011']), /canonical IPv4/],
    ['a bad MAC', (s) => void (enis(s)[2]!.mac = 'zz'), /MAC address/],
    ['an instance without device 0', (s) => void (enis(s)[2]!.deviceIndex = 3), /deviceIndex 0/],
    ['a bad region', (s) => void (s.region = 'mars'), /\$\.region/],
    ['a negative delay', (s) => void (s.propagationDelayMs = -1), /propagationDelayMs/],
    ['not an object', (s) => void (s.subnets = 'x'), /\$\.subnets: must be an array/],
  ])('rejects %s with the path of the problem', (_what, patch, message) => {
    expect(() => parseLabCloudSpec(withPatch(patch))).toThrow(expect.objectContaining({ code: 'VIPD_E_CONFIG', message: expect.stringMatching(message) }));
  });
});
