import { baseConfig, Doc, Fixture, group0, loadError, makeFixture, problemsOf } from './helpers';
import { loadConfig, LoadConfigOptions } from '../../src/config/loader';

interface BadCase {
  readonly name: string;
  /** Changes the valid base config, or replaces the whole file with text. */
  readonly bad: ((doc: Doc, fx: Fixture) => void) | string;
  readonly opts?: LoadConfigOptions;
  readonly key: string;
  /** Substrings the problem's message must contain: the value as shown, and the expectation. */
  readonly value: string;
  readonly expected: string;
}

const secondGroup = (overrides: Doc): Doc => ({
  name: 'db',
  id: 2,
  interface: 'eth0',
  vips: ['10.0.1.60'],
  peers: [{ id: 'node-b', address: '10.0.1.12' }],
  ...overrides,
});

const CASES: readonly BadCase[] = [
  {
    name: 'wrong type (port is text)',
    bad: (d) => (d['heartbeat'] = { keyFile: '/k', port: 'abc' }),
    key: 'heartbeat.port',
    value: '"abc"',
    expected: 'an integer 1-65535',
  },
  {
    name: 'wrong type (section is a scalar)',
    bad: (d) => (d['metrics'] = 5),
    key: 'metrics',
    value: '5',
    expected: 'a mapping with keys enabled, listen, port',
  },
  { name: 'wrong type (boolean in a group)', bad: (d) => (group0(d)['preempt'] = 'maybe'), key: 'groups[0].preempt', value: '"maybe"', expected: 'a boolean' },
  {
    name: 'unknown top-level key',
    bad: (d) => (d['heartbeats'] = { port: 1 }),
    key: 'heartbeats',
    value: 'unknown key',
    expected: 'one of: node, heartbeat, provider',
  },
  {
    name: 'unknown nested key',
    bad: (d) => (d['os'] = { arp: { cnt: 3 } }),
    key: 'os.arp.cnt',
    value: 'unknown key',
    expected: 'one of: sender, count, repeatDelayMs, refreshIntervalMs',
  },
  {
    name: 'negative re-announce count',
    bad: (d) => (d['os'] = { reannounce: { count: -1 } }),
    key: 'os.reannounce.count',
    value: '-1 is not valid',
    expected: 'an integer 0-100',
  },
  {
    name: 're-announce interval without a unit',
    bad: (d) => (d['os'] = { reannounce: { minIntervalMs: 'soon' } }),
    key: 'os.reannounce.minIntervalMs',
    value: '"soon"',
    expected: 'a duration',
  },
  {
    name: 'unknown key in a group',
    bad: (d) => (group0(d)['prio'] = 150),
    key: 'groups[0].prio',
    value: 'unknown key',
    expected: 'one of: name, id, priority',
  },
  {
    name: 'unknown key named like an Object member',
    bad: (d) => (group0(d)['constructor'] = 1),
    key: 'groups[0].constructor',
    value: 'unknown key',
    expected: 'one of: name, id',
  },
  { name: 'unknown top-level key named toString', bad: (d) => (d['toString'] = 'x'), key: 'toString', value: 'unknown key', expected: 'one of: node' },
  {
    name: 'env boolean named like an Object member',
    bad: () => undefined,
    opts: { env: { VIPD_METRICS_ENABLED: 'constructor' } },
    key: 'metrics.enabled',
    value: '"constructor"',
    expected: 'a boolean',
  },
  {
    name: 'tracker type named like an Object member',
    bad: (d) => (group0(d)['trackers'] = [{ name: 'x', type: 'constructor' }]),
    key: 'groups[0].trackers[0].type',
    value: '"constructor"',
    expected: 'one of "script"',
  },
  {
    name: 'unknown key in a peer',
    bad: (d) => (group0(d)['peers'] = [{ id: 'node-b', address: '10.0.1.12', prot: 1 }]),
    key: 'groups[0].peers[0].prot',
    value: 'unknown key',
    expected: 'one of: id, address, port',
  },
  { name: 'priority 0', bad: (d) => (group0(d)['priority'] = 0), key: 'groups[0].priority', value: '0 is not valid', expected: 'an integer 1-254' },
  { name: 'priority 300', bad: (d) => (group0(d)['priority'] = 300), key: 'groups[0].priority', value: '300 is not valid', expected: 'an integer 1-254' },
  {
    name: 'peer address = this host (bind 0.0.0.0: an address of the interface), same port',
    bad: (d) => (group0(d)['peers'] = [{ id: 'node-b', address: '10.0.1.11' }]),
    key: 'groups[0].peers[0].address',
    value: '"10.0.1.11"',
    expected: "another node's address: 10.0.1.11 port 9476 is this node's own heartbeat socket",
  },
  {
    name: 'peer address = heartbeat.bind, same port',
    bad: (d) => {
      d['heartbeat'] = { ...(d['heartbeat'] as object), bind: '10.0.1.11' };
      group0(d)['peers'] = [{ id: 'node-b', address: '10.0.1.11', port: 9476 }];
    },
    key: 'groups[0].peers[0].address',
    value: '"10.0.1.11"',
    expected: "this node's own heartbeat socket",
  },
  {
    name: 'peer id equal to node.id',
    bad: (d) => (group0(d)['peers'] = [{ id: 'node-a', address: '10.0.1.12' }]),
    key: 'groups[0].peers[0].id',
    value: '"node-a"',
    expected: "different from this node's node.id",
  },
  {
    name: 'duplicate peer ids',
    bad: (d) =>
      (group0(d)['peers'] = [
        { id: 'node-b', address: '10.0.1.12' },
        { id: 'node-b', address: '10.0.1.13' },
      ]),
    key: 'groups[0].peers[1].id',
    value: '"node-b"',
    expected: 'not used by another peer of this group (peers[0] has it)',
  },
  {
    name: 'duplicate group ids',
    bad: (d) => (d['groups'] as Doc[]).push(secondGroup({ id: 1 })),
    key: 'groups[1].id',
    value: '1 is not valid',
    expected: 'groups[0] has id 1',
  },
  {
    name: 'duplicate group names',
    bad: (d) => (d['groups'] as Doc[]).push(secondGroup({ name: 'web' })),
    key: 'groups[1].name',
    value: '"web"',
    expected: 'not used by another group',
  },
  {
    name: 'VIP used by two groups',
    bad: (d) => (d['groups'] as Doc[]).push(secondGroup({ vips: [{ address: '10.0.1.50' }] })),
    key: 'groups[1].vips[0].address',
    value: '"10.0.1.50"',
    expected: 'groups[0].vips[0] has it',
  },
  {
    name: 'VIP outside the interface subnet',
    bad: (d) => (group0(d)['vips'] = ['10.0.2.50']),
    key: 'groups[0].vips[0].address',
    value: '"10.0.2.50"',
    expected: "inside eth0's subnet (primary address 10.0.1.11/24)",
  },
  {
    name: 'IPv6 VIP outside the interface subnet',
    bad: (d) => (group0(d)['vips'] = ['fd00:2::50']),
    key: 'groups[0].vips[0].address',
    value: '"fd00:2::50"',
    expected: 'primary address fd00:1::11/64',
  },
  {
    name: 'VIP equal to the primary address',
    bad: (d) => (group0(d)['vips'] = ['10.0.1.11']),
    key: 'groups[0].vips[0].address',
    value: '"10.0.1.11"',
    expected: "other than eth0's primary address",
  },
  {
    name: 'interface missing on the host',
    bad: (d) => (group0(d)['interface'] = 'eth9'),
    key: 'groups[0].interface',
    value: '"eth9"',
    expected: 'an interface that exists on this host',
  },
  {
    name: 'missing key file',
    bad: (d, fx) => (d['heartbeat'] = { keyFile: `${fx.dir}/nope.key` }),
    key: 'heartbeat.keyFile',
    value: 'does not exist',
    expected: 'chmod 600',
  },
  {
    name: 'world-readable key file',
    bad: (d, fx) => (d['heartbeat'] = { keyFile: fx.write('open.key', 'abcdefghijklmnopqrstuvwxyz\n', 0o644) }),
    key: 'heartbeat.keyFile',
    value: 'mode 0644',
    expected: 'chmod 600',
  },
  {
    name: 'group-readable next key file',
    bad: (d, fx) => (d['heartbeat'] = { keyFile: fx.keyFile, nextKeyFile: fx.write('next.key', 'abcdefghijklmnopqrstuvwxyz\n', 0o640) }),
    key: 'heartbeat.nextKeyFile',
    value: 'mode 0640',
    expected: 'chmod 600',
  },
  { name: 'key file missing from the config', bad: (d) => delete d['heartbeat'], key: 'heartbeat.keyFile', value: 'missing', expected: 'an absolute path' },
  { name: 'node.id missing', bad: (d) => delete d['node'], key: 'node.id', value: 'missing', expected: '1-64 characters' },
  {
    name: 'node.id with a space',
    bad: (d) => (d['node'] = { id: 'node a' }),
    key: 'node.id',
    value: '"node a"',
    expected: '1-64 characters from A-Z a-z 0-9 . _ -',
  },
  { name: 'interval 0', bad: (d) => (group0(d)['intervalMs'] = 0), key: 'groups[0].intervalMs', value: '0 is not valid', expected: 'a duration 10ms-1m' },
  { name: 'interval above 60 s', bad: (d) => (group0(d)['intervalMs'] = '2m'), key: 'groups[0].intervalMs', value: '"2m"', expected: 'a duration 10ms-1m' },
  {
    name: 'bad duration "10 parsecs"',
    bad: (d) => (d['provider'] = { acquireDeadlineMs: '10 parsecs' }),
    key: 'provider.acquireDeadlineMs',
    value: '"10 parsecs"',
    expected: 'a duration 100ms-10m',
  },
  { name: 'negative duration', bad: (d) => (d['os'] = { commandTimeoutMs: -5 }), key: 'os.commandTimeoutMs', value: '-5', expected: 'a duration 100ms-5m' },
  { name: 'malformed YAML', bad: 'node:\n  id: [a,\n', key: '(file)', value: 'malformed YAML', expected: 'line' },
  { name: 'YAML with a duplicate key', bad: 'node:\n  id: a\n  id: b\n', key: '(file)', value: 'malformed YAML', expected: 'unique' },
  { name: 'top level is a list', bad: '- a\n- b\n', key: '(file)', value: 'the top level must be a mapping', expected: 'not a list' },
  {
    name: 'mapping where a value belongs',
    bad: (d) => (d['node'] = { id: { deep: { deeper: 1 } } }),
    key: 'node.id',
    value: '{"deep":{"deeper":1}}',
    expected: '1-64 characters',
  },
  {
    name: 'scalar section with an env override of a key inside it',
    bad: (d) => (d['heartbeat'] = 5),
    opts: { env: { VIPD_HEARTBEAT_PORT: '6000' } },
    key: 'heartbeat',
    value: '5 is not valid',
    expected: 'a mapping with keys bind, port, keyFile, nextKeyFile',
  },
  {
    name: 'bad IP address',
    bad: (d) => (group0(d)['vips'] = [{ address: '10.0.1.300' }]),
    key: 'groups[0].vips[0].address',
    value: '"10.0.1.300"',
    expected: 'an IPv4 or IPv6 address',
  },
  {
    name: 'bad peer address',
    bad: (d) => (group0(d)['peers'] = [{ id: 'node-b', address: 'node-b.local' }]),
    key: 'groups[0].peers[0].address',
    value: '"node-b.local"',
    expected: 'an IPv4 or IPv6 address',
  },
  {
    name: 'port 70000',
    bad: (d) => (group0(d)['peers'] = [{ id: 'node-b', address: '10.0.1.12', port: 70000 }]),
    key: 'groups[0].peers[0].port',
    value: '70000',
    expected: 'an integer 1-65535',
  },
  {
    name: 'env override with a bad boolean',
    bad: () => undefined,
    opts: { env: { VIPD_OS_ENABLED: 'maybe' } },
    key: 'os.enabled',
    value: '(from env VIPD_OS_ENABLED): "maybe"',
    expected: 'a boolean (true/false; also 1/0, yes/no)',
  },
  {
    name: 'env override with a bad port',
    bad: () => undefined,
    opts: { env: { VIPD_HEARTBEAT_PORT: '6000abc' } },
    key: 'heartbeat.port',
    value: '(from env VIPD_HEARTBEAT_PORT): "6000abc"',
    expected: 'an integer 1-65535',
  },
  {
    name: 'env override with a bad enum',
    bad: () => undefined,
    opts: { env: { VIPD_LOG_LEVEL: 'loud' } },
    key: 'log.level',
    value: '"loud"',
    expected: 'one of "trace", "debug"',
  },
  { name: 'empty vips', bad: (d) => (group0(d)['vips'] = []), key: 'groups[0].vips', value: '[] is not valid', expected: 'a list of at least 1 VIP item(s)' },
  { name: 'no peers', bad: (d) => delete group0(d)['peers'], key: 'groups[0].peers', value: 'missing', expected: 'a list of at least 1 peer item(s)' },
  { name: 'no groups', bad: (d) => (d['groups'] = []), key: 'groups', value: '[] is not valid', expected: 'a list of at least 1 group item(s)' },
  {
    name: 'tracker timeout >= interval',
    bad: (d) => (group0(d)['trackers'] = [{ name: 'web', type: 'tcp', host: '127.0.0.1', port: 80, intervalMs: '1s', timeoutMs: '1s' }]),
    key: 'groups[0].trackers[0].timeoutMs',
    value: '1000 is not valid',
    expected: "shorter than the tracker's intervalMs (1000 ms)",
  },
  {
    name: 'tracker of an unknown type',
    bad: (d) => (group0(d)['trackers'] = [{ name: 'x', type: 'ping' }]),
    key: 'groups[0].trackers[0].type',
    value: '"ping"',
    expected: 'one of "script", "http", "tcp", "link"',
  },
  {
    name: 'tracker missing its type-specific key',
    bad: (d) => (group0(d)['trackers'] = [{ name: 'x', type: 'http' }]),
    key: 'groups[0].trackers[0].url',
    value: 'missing',
    expected: 'an http:// or https:// URL',
  },
  {
    name: 'tracker key of another type',
    bad: (d) => (group0(d)['trackers'] = [{ name: 'x', type: 'link', interface: 'eth0', url: 'http://x/' }]),
    key: 'groups[0].trackers[0].url',
    value: 'unknown key',
    expected: 'one of: name, type',
  },
  {
    name: 'tracker weight out of range',
    bad: (d) => (group0(d)['trackers'] = [{ name: 'x', type: 'link', interface: 'eth0', weight: -300 }]),
    key: 'groups[0].trackers[0].weight',
    value: '-300',
    expected: 'an integer from -253 to 253',
  },
  {
    name: 'IPv4 prefix 33',
    bad: (d) => (group0(d)['vips'] = ['10.0.1.50/33']),
    key: 'groups[0].vips[0].prefix',
    value: '33',
    expected: 'a prefix length 1-32 for an IPv4 address',
  },
  {
    name: 'Elastic IP without AWS',
    bad: (d) => (group0(d)['vips'] = [{ address: '10.0.1.50', elasticIpAllocationId: 'eipalloc-0123456789abcdef0' }]),
    key: 'groups[0].vips[0].elasticIpAllocationId',
    value: '"eipalloc-0123456789abcdef0"',
    expected: 'only with provider.type aws',
  },
  {
    name: 'reserved public IP without OCI',
    bad: (d) => (group0(d)['vips'] = [{ address: '10.0.1.50', reservedPublicIpId: 'ocid1.publicip.oc1.iad.aaaapub' }]),
    key: 'groups[0].vips[0].reservedPublicIpId',
    value: '"ocid1.publicip.oc1.iad.aaaapub"',
    expected: 'provider.type oci only',
  },
  {
    name: 'reserved public IP that is not a public IP OCID',
    bad: (d) => (group0(d)['vips'] = [{ address: '10.0.1.50', reservedPublicIpId: 'ocid1.privateip.oc1.iad.aaaapub' }]),
    key: 'groups[0].vips[0].reservedPublicIpId',
    value: '"ocid1.privateip.oc1.iad.aaaapub"',
    expected: 'a public IP OCID',
  },
  {
    name: 'routing tables in amazon-ec2-net-utils range',
    bad: (d) => (d['os'] = { tableBase: 10050 }),
    key: 'os.tableBase',
    value: '10050',
    expected: 'amazon-ec2-net-utils',
  },
  { name: 'rule priority in oci-utils range', bad: (d) => (d['os'] = { rulePriority: 100 }), key: 'os.rulePriority', value: '100', expected: 'oci-utils' },
  {
    name: 'IPv6 peer with an IPv4 bind',
    bad: (d) => (group0(d)['peers'] = [{ id: 'node-b', address: 'fd00:1::12' }]),
    key: 'groups[0].peers[0].address',
    value: '"fd00:1::12"',
    expected: 'an IPv4 address, since heartbeat.bind is 0.0.0.0',
  },
  {
    name: 'notify hook as a shell string',
    bad: (d) => (group0(d)['notify'] = { master: '/bin/echo master' }),
    key: 'groups[0].notify.master',
    value: '"/bin/echo master"',
    expected: 'a command as a list',
  },
  {
    name: 'control socket path too long',
    bad: (d) => (d['control'] = { socket: `/run/${'x'.repeat(120)}` }),
    key: 'control.socket',
    value: '"/run/xxx',
    expected: 'at most 107 bytes',
  },
];

describe('loadConfig rejects bad configs, naming key, value and expectation', () => {
  let fx: Fixture;
  beforeEach(() => (fx = makeFixture()));
  afterEach(() => fx.cleanup());

  test.each(CASES)('$name', ({ bad, opts, key, value, expected }) => {
    let input: Doc | string;
    if (typeof bad === 'string') input = bad;
    else {
      input = baseConfig(fx.keyFile);
      bad(input, fx);
    }
    const error = loadError(fx, input, opts);
    expect(error.code).toBe('VIPD_E_CONFIG');
    expect(error.transient).toBe(false);
    expect(error.details['file']).toMatch(/vipd\.yaml$/);
    const problem = problemsOf(error).find((p) => p.key === key);
    if (problem === undefined) throw new Error(`no problem for ${key}; got:\n${error.message}`);
    if (key !== '(file)') expect(problem.message.startsWith(key)).toBe(true);
    if (process.env['SHOW_CONFIG_ERRORS'] !== undefined) console.log(error.message);
    expect(problem.message).toContain(value);
    expect(problem.message).toContain(expected);
    expect(error.message).toContain(problem.message);
  });

  test('the exact message for a bad priority', () => {
    const doc = baseConfig(fx.keyFile);
    group0(doc)['priority'] = 300;
    const error = loadError(fx, doc);
    expect(error.message).toMatch(/: groups\[0\]\.priority: 300 is not valid; expected an integer 1-254$/);
    expect(error.details).toMatchObject({ key: 'groups[0].priority', value: 300, expected: 'an integer 1-254' });
  });

  test('every problem is reported at once', () => {
    const doc = baseConfig(fx.keyFile);
    doc['log'] = { level: 'loud' };
    group0(doc)['priority'] = 0;
    group0(doc)['bogus'] = true;
    (doc['groups'] as Doc[]).push({ name: 'db', id: 1, interface: 'eth0', vips: ['10.0.1.99'], peers: [{ id: 'node-a', address: '10.0.1.12' }] });
    const error = loadError(fx, doc);
    const keys = problemsOf(error).map((p) => p.key);
    expect(keys).toEqual(expect.arrayContaining(['log.level', 'groups[0].priority', 'groups[0].bogus', 'groups[1].peers[0].id']));
    expect(error.message).toContain(`${keys.length} problems`);
    for (const problem of problemsOf(error)) expect(error.message).toContain(problem.message);
  });

  test('cross-group checks still run on the valid groups when another group is invalid', () => {
    const doc = baseConfig(fx.keyFile);
    group0(doc)['priority'] = 999;
    (doc['groups'] as Doc[]).push({ name: 'db', id: 2, interface: 'eth0', vips: ['10.0.1.60'], peers: [{ id: 'node-a', address: '10.0.1.12' }] });
    const keys = problemsOf(loadError(fx, doc)).map((p) => p.key);
    expect(keys).toEqual(['groups[0].priority', 'groups[1].peers[0].id']);
  });

  test('a section of the wrong shape is reported with every other problem, not alone', () => {
    const doc = baseConfig(fx.keyFile);
    doc['heartbeat'] = 'fast';
    group0(doc)['priority'] = 999;
    doc['log'] = { level: 'loud' };
    const keys = problemsOf(loadError(fx, doc)).map((p) => p.key);
    expect(keys).toEqual(expect.arrayContaining(['heartbeat', 'groups[0].priority', 'log.level']));
  });

  test('the value of an unknown key is never echoed', () => {
    const doc = baseConfig(fx.keyFile);
    doc['secretAccessKey'] = 'AKIA-very-secret-value';
    const error = loadError(fx, doc);
    expect(error.message).not.toContain('very-secret');
    expect(JSON.stringify(error.details)).not.toContain('very-secret');
  });

  test('a missing config file', () => {
    const path = `${fx.dir}/absent.yaml`;
    expect(() => loadConfig(path, { env: {} })).toThrow(
      expect.objectContaining({ code: 'VIPD_E_CONFIG', details: expect.objectContaining({ key: '(file)', file: path }) }),
    );
    expect(() => loadConfig(path, { env: {} })).toThrow(/absent\.yaml: cannot read the config file: it does not exist$/);
  });

  test('a file name without a known extension', () => {
    const error = loadError(fx, baseConfig(fx.keyFile), {}, 'vipd.conf');
    expect(error.message).toMatch(/vipd\.conf: not a \.yaml, \.yml or \.json file$/);
  });

  test('malformed JSON', () => {
    const error = loadError(fx, '{"node": ', {}, 'vipd.json');
    expect(problemsOf(error)[0]?.message).toContain('malformed JSON');
  });
});
