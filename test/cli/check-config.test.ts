import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { checkConfigCommand } from '../../src/cli/check-config';
import type { HostFiles, PathKind } from '../../src/config/host-files';
import { ensureBuilt } from '../support/build';
import { VipdProcess } from '../support/vipd-process';
import { baseConfig, type Doc, type Fixture, group0, HOST, makeFixture } from '../config/helpers';
import type { TextOut } from '../../src/cli/text-out';

/**
 * check-config refuses what `vipd run` would refuse at start, naming the key;
 * both go through validateConfig. The host is described by an injected
 * interface lookup and file system, except in the real-process test.
 */
class Sink {
  text = '';
  readonly stream: TextOut = { write: (s) => (this.text += s) };
}

function fakeFiles(entries: Record<string, PathKind | 'exec'>): HostFiles {
  return {
    kind: (p) => {
      const e = entries[p];
      return e === undefined ? 'missing' : e === 'exec' ? 'file' : e;
    },
    executable: (p) => entries[p] === 'exec',
  };
}

const STATE = '/var/lib/vipd';
const GOOD_HOST = fakeFiles({ [STATE]: 'directory', '/usr/local/bin/notify': 'exec', '/usr/local/bin/check': 'exec', '/etc/vipd/plain': 'file' });

function check(
  fx: Fixture,
  doc: Doc,
  opts: { offline?: boolean; json?: boolean; hostFiles?: HostFiles; loadArpSender?: () => unknown } = {},
): { code: number; out: string; err: string } {
  const path = fx.write('vipd.yaml', stringify(doc));
  const out = new Sink();
  const err = new Sink();
  const code = checkConfigCommand(
    path,
    {
      env: {},
      interfaces: HOST,
      hostFiles: opts.hostFiles ?? GOOD_HOST,
      loadArpSender: opts.loadArpSender ?? ((): unknown => ({})),
      offline: opts.offline,
      json: opts.json,
    },
    out.stream,
    err.stream,
  );
  return { code, out: out.text, err: err.text };
}

describe('vipd check-config refuses what run would refuse', () => {
  let fx: Fixture;
  beforeEach(() => (fx = makeFixture()));
  afterEach(() => fx.cleanup());
  const doc = (): Doc => ({ ...baseConfig(fx.keyFile), node: { id: 'node-a', stateDir: STATE } });

  it('accepts a good config on a good host', () => {
    expect(check(fx, doc())).toMatchObject({ code: 0, out: expect.stringContaining(': OK (node node-a, 1 group(s): web)') });
  });

  it('refuses an unknown provider.type (run exits 78 with it)', () => {
    const d = doc();
    d['provider'] = { type: 'azure' };
    const r = check(fx, d);
    expect(r.code).toBe(78);
    expect(r.err).toContain('provider.type: "azure" is not valid');
  });

  it('accepts provider.type oci with its section', () => {
    const d = doc();
    d['provider'] = { type: 'oci', oci: { auth: 'instance_principal', endpoint: 'http://127.0.0.1:1', federationEndpoint: 'http://127.0.0.1:1' } };
    expect(check(fx, d)).toMatchObject({ code: 0 });
  });

  it('refuses an unknown provider.oci.auth', () => {
    const d = doc();
    d['provider'] = { type: 'oci', oci: { auth: 'password' } };
    const r = check(fx, d);
    expect(r.code).toBe(78);
    expect(r.err).toContain('provider.oci.auth');
  });

  it.each<[string, (d: Doc) => void, string]>([
    [
      'a missing hook program',
      (d) => (group0(d)['notify'] = { master: ['/usr/local/bin/nope', 'master'] }),
      'groups[0].notify.master[0]: "/usr/local/bin/nope" is not valid; expected an existing program (/usr/local/bin/nope does not exist)',
    ],
    [
      'a hook that is not executable',
      (d) => (group0(d)['notify'] = { fault: ['/etc/vipd/plain'] }),
      'groups[0].notify.fault[0]: "/etc/vipd/plain" is not valid; expected an executable program',
    ],
    [
      'a missing tracker program',
      (d) => (group0(d)['trackers'] = [{ name: 'chk', type: 'script', command: '/opt/missing-check' }]),
      'groups[0].trackers[0].command: "/opt/missing-check" is not valid; expected an existing program',
    ],
    [
      'a missing state directory',
      (d) => (d['node'] = { id: 'node-a', stateDir: '/nonexistent/state' }),
      'node.stateDir: "/nonexistent/state" is not valid; expected an existing directory',
    ],
    [
      "the subnet's network address",
      (d) => (group0(d)['vips'] = ['10.0.1.0']),
      'groups[0].vips[0].address: "10.0.1.0" is not valid; expected an address other than the network address of 10.0.1.0/24',
    ],
    ["the subnet's broadcast address", (d) => (group0(d)['vips'] = ['10.0.1.255']), 'expected an address other than the broadcast address of 10.0.1.0/24'],
    ["the interface's own address", (d) => (group0(d)['vips'] = ['10.0.1.11']), "expected an address other than eth0's primary address"],
  ])('refuses %s, naming the key', (_name, change, message) => {
    const d = doc();
    change(d);
    const r = check(fx, d);
    expect(r.code).toBe(78);
    expect(r.err).toContain(message);
  });

  it('AWS: the first four and the last address of the subnet are refused; provider none allows .2', () => {
    for (const vip of ['10.0.1.1', '10.0.1.2', '10.0.1.3']) {
      const d = doc();
      d['provider'] = { type: 'aws' };
      group0(d)['vips'] = [vip];
      const r = check(fx, d);
      expect([vip, r.code]).toEqual([vip, 78]);
      expect(r.err).toContain('AWS reserves the first four and the last address of every subnet (here 10.0.1.0/24)');
    }
    const d = doc();
    group0(d)['vips'] = ['10.0.1.2'];
    expect(check(fx, d).code).toBe(0);
  });

  it('refuses os.arp.sender native when the addon does not load here (run would fail at start)', () => {
    const notBuilt = (): never => {
      throw new Error('the in-process ARP sender (vipd_garp.node) is not built');
    };
    const r = check(fx, doc(), { loadArpSender: notBuilt });
    expect(r.code).toBe(78);
    expect(r.err).toContain('os.arp.sender: "native" cannot be used here: the in-process ARP sender (vipd_garp.node) is not built');
    const arping = doc();
    arping['os'] = { arp: { sender: 'arping' } };
    expect(check(fx, arping, { loadArpSender: notBuilt }).code).toBe(0);
  });

  it('every problem at once, each with its key', () => {
    const d = doc();
    d['provider'] = { type: 'azure' };
    d['node'] = { id: 'node-a', stateDir: '/nonexistent' };
    group0(d)['notify'] = { stop: ['/nope'] };
    const r = check(fx, d);
    expect(r.code).toBe(78);
    expect(r.err).toContain('3 problems');
    for (const key of ['provider.type', 'node.stateDir', 'groups[0].notify.stop[0]']) expect(r.err).toContain(`${key}:`);
  });

  it('--json: the problems with their keys', () => {
    const d = doc();
    d['provider'] = { type: 'azure' };
    const r = check(fx, d, { json: true });
    expect(r.code).toBe(78);
    const parsed = JSON.parse(r.out) as { valid: boolean; problems: Array<{ key: string }> };
    expect(parsed.valid).toBe(false);
    expect(parsed.problems.map((p) => p.key)).toEqual(['provider.type']);
  });

  describe('--offline', () => {
    it('skips the host checks and says so', () => {
      const d = doc();
      d['node'] = { id: 'node-a', stateDir: '/nonexistent' };
      group0(d)['interface'] = 'ens9'; // not on this host
      group0(d)['notify'] = { master: ['/nope'] };
      d['heartbeat'] = { keyFile: '/nonexistent/key' };
      const r = check(fx, d, { offline: true, hostFiles: fakeFiles({}) });
      expect(r.code).toBe(0);
      expect(r.out).toContain(
        'offline: host checks skipped (heartbeat key files, interfaces and the VIPs against their subnets, hook and tracker programs, node.stateDir, the native ARP sender)',
      );
      const json = JSON.parse(check(fx, d, { offline: true, json: true }).out) as { valid: boolean; hostChecksSkipped: string[] };
      expect(json.valid).toBe(true);
      expect(json.hostChecksSkipped).toContain('node.stateDir');
    });

    it("still refuses schema and cross-key problems: an unimplemented provider, a VIP that is its own prefix's broadcast address", () => {
      const d = doc();
      d['provider'] = { type: 'azure' };
      group0(d)['vips'] = ['10.9.0.255/24'];
      const r = check(fx, d, { offline: true });
      expect(r.code).toBe(78);
      expect(r.err).toContain('provider.type');
      expect(r.err).toContain('groups[0].vips[0].address: "10.9.0.255" is not valid; expected an address other than the broadcast address of 10.9.0.0/24');
      expect(r.err).toContain('offline: host checks skipped');
    });
  });
});

describe('vipd run and vipd check-config agree (real processes)', () => {
  jest.setTimeout(60_000);
  beforeAll(() => ensureBuilt());
  let fx: Fixture;
  beforeEach(() => (fx = makeFixture()));
  afterEach(() => fx.cleanup());

  async function both(doc: Doc): Promise<Array<{ code: number | null; stderr: string }>> {
    const path = fx.write('vipd.yaml', stringify(doc));
    const out = [];
    for (const argv of [
      ['check-config', path],
      ['check-config', '-c', path],
      ['run', '-c', path],
    ]) {
      const p = new VipdProcess(argv[0] ?? 'vipd', argv);
      const { code } = await p.wait();
      out.push({ code, stderr: p.stderr.join('\n') });
    }
    return out;
  }

  function loopbackDoc(stateDir: string): Doc {
    return {
      node: { id: 'n1', stateDir },
      heartbeat: { bind: '127.0.0.1', port: 1, keyFile: fx.keyFile },
      provider: { type: 'none' },
      os: { enabled: false },
      metrics: { enabled: false },
      control: { socket: join(fx.dir, 'n1.sock') },
      groups: [{ name: 'web', id: 1, interface: 'lo', vips: ['127.0.0.101'], peers: [{ id: 'n2', address: '127.0.0.1', port: 2 }] }],
    };
  }

  it.each<[string, (d: Doc, dir: string) => void, string]>([
    ['an unknown provider', (d) => (d['provider'] = { type: 'azure' }), 'provider.type'],
    ['a missing hook program', (d) => ((d['groups'] as Doc[])[0]!['notify'] = { master: ['/nonexistent/hook'] }), 'groups[0].notify.master[0]'],
    [
      'a tracker program that is not executable',
      (d, dir) => {
        const script = join(dir, 'check.sh');
        fx.write('check.sh', '#!/bin/sh\nexit 0\n', 0o644);
        chmodSync(script, 0o644);
        (d['groups'] as Doc[])[0]!['trackers'] = [{ name: 'chk', type: 'script', command: script }];
      },
      'groups[0].trackers[0].command',
    ],
    ['a missing state directory', (d, dir) => (d['node'] = { id: 'n1', stateDir: join(dir, 'no-state') }), 'node.stateDir'],
  ])('%s: both exit 78 naming the key', async (_name, change, key) => {
    const state = join(fx.dir, 'state');
    mkdirSync(state);
    const d = loopbackDoc(state);
    change(d, fx.dir);
    for (const r of await both(d)) {
      expect(r.code).toBe(78);
      expect(r.stderr).toContain(`${key}: `);
    }
  });
});
