import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/loader';
import type { GroupConfig } from '../../src/config/types';
import { baseConfig, Fixture, group0, HOST, load, makeFixture } from './helpers';

describe('loadConfig on valid configs', () => {
  let fx: Fixture;
  beforeEach(() => (fx = makeFixture()));
  afterEach(() => fx.cleanup());

  test('applies the documented top-level defaults', () => {
    const config = load(fx, baseConfig(fx.keyFile));
    expect(config.node.id).toBe('node-a');
    expect(config.heartbeat).toEqual({ bind: '0.0.0.0', port: 9476, keyFile: fx.keyFile, nextKeyFile: null });
    expect(config.provider).toEqual({
      type: 'none',
      acquireDeadlineMs: 20_000,
      verifyIntervalMs: 5000,
      faultHoldMs: 30_000,
      aws: { region: null, endpoint: null, metadataEndpoint: null },
      oci: { auth: 'instance_principal', region: null, endpoint: null, metadataEndpoint: null, federationEndpoint: null, configFile: null, profile: 'DEFAULT' },
      gcp: { project: null, zone: null, peers: [], endpoint: null, metadataEndpoint: null },
    });
    expect(config.os).toEqual({
      enabled: true,
      policyRouting: true,
      tableBase: 1000,
      rulePriority: 3400,
      gateway: null,
      arp: { sender: 'native', count: 3, repeatDelayMs: 1000, refreshIntervalMs: 0 },
      reannounce: { count: 3, delayMs: 1000, minIntervalMs: 1000 },
      reconcileIntervalMs: 3000,
      commandTimeoutMs: 5000,
    });
    expect(config.metrics).toEqual({ enabled: true, listen: '127.0.0.1', port: 9477 });
    expect(config.control).toEqual({ socket: '/run/vipd/control.sock' });
    expect(config.log).toEqual({ level: 'info' });
  });

  test('applies item defaults inside groups, VIPs, peers, trackers and notify', () => {
    const doc = baseConfig(fx.keyFile);
    group0(doc)['trackers'] = [
      { name: 'up', type: 'link', interface: 'eth0' },
      { name: 'web', type: 'http', url: 'http://127.0.0.1/healthz' },
      { name: 'chk', type: 'script', command: '/usr/local/bin/check' },
    ];
    const [group] = load(fx, doc).groups;
    const expected: GroupConfig = {
      name: 'web',
      id: 1,
      priority: 100,
      preempt: true,
      preemptDelayMs: 0,
      intervalMs: 1000,
      claimOnRefusal: true,
      deadAfter: 3,
      interface: 'eth0',
      vips: [{ address: '10.0.1.50', family: 4, prefix: null, elasticIpAllocationId: null, reservedPublicIpId: null }],
      peers: [{ id: 'node-b', address: '10.0.1.12', port: 9476 }],
      trackers: [
        { name: 'up', type: 'link', intervalMs: 2000, timeoutMs: 1000, rise: 2, fall: 2, weight: 0, interface: 'eth0' },
        { name: 'web', type: 'http', intervalMs: 2000, timeoutMs: 1000, rise: 2, fall: 2, weight: 0, url: 'http://127.0.0.1/healthz', expectStatus: 200 },
        { name: 'chk', type: 'script', intervalMs: 2000, timeoutMs: 1000, rise: 2, fall: 2, weight: 0, command: '/usr/local/bin/check', args: [] },
      ],
      notify: { master: null, backup: null, fault: null, stop: null, timeoutMs: 10_000 },
      servicePorts: [],
    };
    expect(group).toEqual(expected);
  });

  test('parses durations, VIP shorthand with a prefix, IPv6 VIPs and explicit values', () => {
    const doc = baseConfig(fx.keyFile);
    Object.assign(group0(doc), {
      intervalMs: '250ms',
      preemptDelayMs: '1.5s',
      vips: ['10.0.1.50/32', { address: 'fd00:1::50', prefix: 64 }],
      priority: 254,
      preempt: 'no',
    });
    doc['os'] = { arp: { refreshIntervalMs: '2m' }, reannounce: { count: 0, delayMs: '2.5s', minIntervalMs: '0ms' } };
    const config = load(fx, doc);
    const [group] = config.groups;
    expect(group?.intervalMs).toBe(250);
    expect(group?.preemptDelayMs).toBe(1500);
    expect(group?.preempt).toBe(false);
    expect(group?.vips).toEqual([
      { address: '10.0.1.50', family: 4, prefix: 32, elasticIpAllocationId: null, reservedPublicIpId: null },
      { address: 'fd00:1::50', family: 6, prefix: 64, elasticIpAllocationId: null, reservedPublicIpId: null },
    ]);
    expect(config.os.arp.refreshIntervalMs).toBe(120_000);
    expect(config.os.reannounce).toEqual({ count: 0, delayMs: 2500, minIntervalMs: 0 });
  });

  test('hands VIPs on as values: canonical address text and family, however they were written', () => {
    const doc = baseConfig(fx.keyFile);
    Object.assign(group0(doc), { vips: ['FD00:1:0:0::50/64', { address: '10.0.1.50' }] });
    const [group] = load(fx, doc).groups;
    expect(group?.vips.map((v) => [v.address, v.family, v.prefix])).toEqual([
      ['fd00:1::50', 6, 64],
      ['10.0.1.50', 4, null],
    ]);
  });

  test('environment overrides win over the file and are parsed strictly', () => {
    const doc = baseConfig(fx.keyFile);
    doc['log'] = { level: 'warn' };
    const config = load(fx, doc, {
      env: {
        VIPD_HEARTBEAT_PORT: '6000',
        VIPD_LOG_LEVEL: 'debug',
        VIPD_OS_ENABLED: '0',
        VIPD_METRICS_ENABLED: 'no',
        VIPD_OS_POLICY_ROUTING: 'YES',
        VIPD_PROVIDER_ACQUIRE_DEADLINE_MS: '30s',
        VIPD_NODE_ID: 'node-z',
        UNRELATED: 'x',
      },
    });
    expect(config.heartbeat.port).toBe(6000);
    // A peer's port defaults to heartbeat.port, after overrides.
    expect(config.groups[0]?.peers[0]?.port).toBe(6000);
    expect(config.log.level).toBe('debug');
    expect(config.os.enabled).toBe(false);
    expect(config.metrics.enabled).toBe(false);
    expect(config.os.policyRouting).toBe(true);
    expect(config.provider.acquireDeadlineMs).toBe(30_000);
    expect(config.node.id).toBe('node-z');
  });

  test('an Elastic IP is accepted with provider aws', () => {
    const doc = baseConfig(fx.keyFile);
    doc['provider'] = { type: 'aws', aws: { region: 'eu-west-1', endpoint: 'http://127.0.0.1:4566' } };
    group0(doc)['vips'] = [{ address: '10.0.1.50', elasticIpAllocationId: 'eipalloc-0123456789abcdef0' }];
    const config = load(fx, doc);
    expect(config.groups[0]?.vips[0]?.elasticIpAllocationId).toBe('eipalloc-0123456789abcdef0');
    expect(config.provider.aws.region).toBe('eu-west-1');
  });

  test('a reserved public IP is accepted with provider oci', () => {
    const doc = baseConfig(fx.keyFile);
    doc['provider'] = { type: 'oci', oci: { auth: 'api_key', endpoint: 'http://127.0.0.1:4567' } };
    group0(doc)['vips'] = [{ address: '10.0.1.50', reservedPublicIpId: 'ocid1.publicip.oc1.iad.aaaaaaaa5jm2ndrsnzzpvyxgmlpwbz3s4kdkrhm7lnzw4ctgp2tflffkfwaq' }];
    const config = load(fx, doc);
    expect(config.groups[0]?.vips[0]?.reservedPublicIpId).toBe('ocid1.publicip.oc1.iad.aaaaaaaa5jm2ndrsnzzpvyxgmlpwbz3s4kdkrhm7lnzw4ctgp2tflffkfwaq');
  });

  test('the result is deep-frozen: writes throw', () => {
    const config = load(fx, baseConfig(fx.keyFile));
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config.node as { id: string }).id = 'other';
    }).toThrow(TypeError);
    expect(() => {
      (config.groups as GroupConfig[]).push(config.groups[0] as GroupConfig);
    }).toThrow(TypeError);
    expect(() => {
      (config.groups[0]?.vips[0] as { address: string }).address = '10.0.1.99';
    }).toThrow(TypeError);
    expect(config.node.id).toBe('node-a');
  });

  test('JSON files load like YAML', () => {
    const config = load(fx, JSON.stringify(baseConfig(fx.keyFile)), {}, 'vipd.json');
    expect(config.groups[0]?.name).toBe('web');
  });

  test('checkFiles: false skips key files and, without an injected lookup, interfaces', () => {
    const doc = baseConfig(`${fx.dir}/not-on-this-machine.key`);
    group0(doc)['interface'] = 'ens5';
    const path = fx.write('other-host.yaml', stringify(doc));
    expect(loadConfig(path, { env: {}, checkFiles: false }).groups[0]?.interface).toBe('ens5');
  });

  test('with os.enabled false a missing interface is not an error', () => {
    const doc = baseConfig(fx.keyFile);
    doc['os'] = { enabled: false };
    group0(doc)['interface'] = 'eth9';
    expect(load(fx, doc, { interfaces: HOST }).os.enabled).toBe(false);
  });

  test('the default interface lookup reads this host (loopback exists everywhere)', () => {
    const doc = baseConfig(fx.keyFile);
    group0(doc)['interface'] = 'lo';
    group0(doc)['vips'] = ['127.0.0.50'];
    group0(doc)['peers'] = [{ id: 'node-b', address: '127.0.0.2' }];
    const path = fx.write('lo.yaml', stringify(doc));
    expect(loadConfig(path, { env: {} }).groups[0]?.interface).toBe('lo');
  });

  test('an empty file reports every required key', () => {
    expect(() => load(fx, '')).toThrow(/node\.id: missing[\s\S]*heartbeat\.keyFile: missing[\s\S]*groups: missing/);
  });
});
