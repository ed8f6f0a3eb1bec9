import { labCloudSpecOf, parseLabCloudSpec } from '../../../../lab/cloud/spec';
import { LAB_REGION, labCloudEnv, labCloudEnvOverrides, labCloudSpec, labEniId, labInstanceId, parseFabricRoute } from '../../../../lab/cloud/aws/in-lab';

const NODES = [
  { mac: '02:11:22:33:44:01', primaryIp: '10.0.1.10' },
  { mac: '02:11:22:33:44:02', primaryIp: '10.0.1.11' },
];

describe('lab cloud state for a Lab', () => {
  it('one instance and ENI per node, by the node MAC and primary address; valid for the emulator', () => {
    const spec = labCloudSpecOf(
      parseLabCloudSpec(labCloudSpec(NODES, { vips: ['10.0.1.100', '10.0.1.101'], propagationMs: 2000, allowedActions: { 2: ['DescribeNetworkInterfaces'] } })),
      'aws',
    );
    expect(spec.region).toBe(LAB_REGION);
    expect(spec.subnets).toEqual([{ id: 'subnet-0lab0001', vpcId: 'vpc-0lab0001', cidr: '10.0.1.0/24' }]);
    expect(spec.instances.map((i) => [i.id, i.role, i.sourceAddresses, i.allowedActions])).toEqual([
      [labInstanceId(1), 'vipd-node', ['10.0.1.10'], null],
      [labInstanceId(2), 'vipd-node', ['10.0.1.11'], ['DescribeNetworkInterfaces']],
    ]);
    expect(spec.networkInterfaces.map((e) => [e.id, e.mac, e.instanceId, e.deviceIndex, e.privateIps])).toEqual([
      [labEniId(1), '02:11:22:33:44:01', labInstanceId(1), 0, ['10.0.1.10']],
      [labEniId(2), '02:11:22:33:44:02', labInstanceId(2), 0, ['10.0.1.11']],
    ]);
    expect(spec.vips).toEqual(['10.0.1.100', '10.0.1.101']);
    expect(spec.propagationDelayMs).toBe(2000);
  });

  it('a malformed VIP is refused by the emulator spec check, named by its path', () => {
    expect(() => parseLabCloudSpec(labCloudSpec(NODES, { vips: ['10.0.1.100', '10.0.1.0100'] }))).toThrow(/\$\.vips\[1\]/);
  });
});

describe('environment for processes that talk to the lab cloud', () => {
  const host = {
    PATH: '/usr/bin',
    HOME: '/root',
    AWS_ACCESS_KEY_ID: 'AKIAHOST',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_PROFILE: 'prod',
    AWS_ENDPOINT_URL: 'https://ec2.example',
    AWS_REGION: 'us-east-1',
  };

  it('drops every host AWS_* variable and points the default chain at the emulated metadata service only', () => {
    const env = labCloudEnv(host);
    expect(env.PATH).toBe('/usr/bin');
    expect(
      Object.keys(env)
        .filter((k) => k.startsWith('AWS_'))
        .sort(),
    ).toEqual(['AWS_CONFIG_FILE', 'AWS_DEFAULT_REGION', 'AWS_EC2_METADATA_SERVICE_ENDPOINT', 'AWS_PAGER', 'AWS_REGION', 'AWS_SHARED_CREDENTIALS_FILE']);
    expect(env).toMatchObject({
      AWS_REGION: LAB_REGION,
      AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://169.254.169.254/',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_CONFIG_FILE: '/dev/null',
    });
  });

  it('as overrides on top of the host environment: host credentials blanked, nothing else touched', () => {
    const merged = { ...host, ...labCloudEnvOverrides(host) };
    expect(merged).toMatchObject({
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_PROFILE: '',
      AWS_ENDPOINT_URL: '',
      AWS_REGION: LAB_REGION,
      HOME: '/root',
    });
  });
});

describe('parseFabricRoute', () => {
  it('reads a blackhole, a route via a node, and the connected fallback', () => {
    expect(parseFabricRoute([{ type: 'blackhole', dst: '10.0.1.100' }], [], '10.0.1.100')).toEqual({ kind: 'blackhole' });
    expect(parseFabricRoute([{ dst: '10.0.1.100', gateway: '10.0.1.11', dev: 'br0' }], [], '10.0.1.100')).toEqual({ kind: 'via', gateway: '10.0.1.11' });
    expect(parseFabricRoute([], [{ dst: '10.0.1.10', dev: 'br0', prefsrc: '10.0.1.1' }], '10.0.1.10')).toEqual({ kind: 'connected', dev: 'br0' });
  });

  it('anything else is an error, never a guess', () => {
    expect(() => parseFabricRoute({}, [], '10.0.1.100')).toThrow(/expected lists/);
    expect(() => parseFabricRoute([{ dst: '10.0.1.100', type: 'unreachable' }], [], '10.0.1.100')).toThrow(/neither a blackhole nor via a node/);
    expect(() => parseFabricRoute([], [], '10.0.1.100')).toThrow(/no route/);
  });
});
