import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../../src/config/loader';
import { advertIntSeconds, keepalivedConfig, scenarioPriority, vipdNodeConfig } from '../../../lab/scenario/config';

const n1 = { id: 'n1', address: '10.0.1.10' };
const n2 = { id: 'n2', address: '10.0.1.11' };

describe('scenario configs', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'scenario-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a vipd config the real loader accepts, with the lab addresses, interval, priority and provider', () => {
    const keyFile = join(dir, 'key');
    writeFileSync(keyFile, 'scenario-test-key-0123456789abcdef\n', { mode: 0o600 });
    const file = join(dir, 'n1.yaml');
    const doc = vipdNodeConfig({
      self: n1,
      peers: [n2],
      priority: 200,
      intervalMs: 20,
      keyFile,
      controlSocket: join(dir, 'n1.sock'),
      stateDir: join(dir, 'state'),
      provider: { type: 'none' },
    });
    writeFileSync(file, stringify(doc));
    const c = loadConfig(file, { checkFiles: false, env: {} });
    expect(c.node.id).toBe('n1');
    expect(c.heartbeat).toMatchObject({ bind: '10.0.1.10', port: 9476, keyFile });
    expect(c.provider.type).toBe('none');
    expect(c.os).toMatchObject({ enabled: true, policyRouting: true });
    expect(c.metrics).toMatchObject({ enabled: true, listen: '10.0.1.10' });
    expect(c.control.socket).toBe(join(dir, 'n1.sock'));
    expect(c.node.stateDir).toBe(join(dir, 'state'));
    const g = c.groups[0];
    expect(g).toMatchObject({ name: 'web', id: 1, priority: 200, intervalMs: 20, interface: 'eth0' });
    expect(g?.vips.map((v) => v.address)).toEqual(['10.0.1.100']);
    expect(g?.peers).toEqual([{ id: 'n2', address: '10.0.1.11', port: 9476 }]);
  });

  it('ranks node 1 highest and the last node lowest', () => {
    expect([scenarioPriority(1, 2), scenarioPriority(2, 2)]).toEqual([200, 100]);
    expect([1, 2, 3].map((i) => scenarioPriority(i, 3))).toEqual([200, 150, 100]);
    expect(() => scenarioPriority(3, 2)).toThrow(/not one of 1-2/);
  });

  it('writes keepalived.conf one statement per line, VRRPv3, unicast, with the same VIP and interval', () => {
    const text = keepalivedConfig({ self: n2, peers: [n1], priority: 100, intervalMs: 20 });
    const lines = text.split('\n').map((l) => l.trim());
    // keepalived silently ignored `vrrp_version 3` when it shared a line with other statements.
    expect(lines).toContain('vrrp_version 3');
    expect(lines).toContain('advert_int 0.02');
    expect(lines).toContain('unicast_src_ip 10.0.1.11');
    expect(lines).toContain('10.0.1.10');
    expect(lines).toContain('10.0.1.100/24 dev eth0');
    expect(lines).toContain('priority 100');
    expect(lines).toContain('state BACKUP');
    expect(text.split('\n').filter((l) => l.includes(';'))).toEqual([]);
    expect(text.split('{').length).toBe(text.split('}').length);
  });

  it('accepts only intervals VRRPv3 can express', () => {
    expect(advertIntSeconds(10)).toBe('0.01');
    expect(advertIntSeconds(100)).toBe('0.1');
    expect(advertIntSeconds(1000)).toBe('1');
    for (const bad of [0, 5, 15, 20.5, -10, 41_000]) expect(() => advertIntSeconds(bad)).toThrow(/multiple of 10 ms/);
  });
});
