import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InterfaceLookup, loadConfig } from '../../src/config/loader';

const CONFIG_DIR = join(__dirname, '..', '..', 'config');

/** The hosts the examples describe (node-a / lb1 / db1). */
const EXAMPLE_HOST: InterfaceLookup = (name) => {
  switch (name) {
    case 'ens5':
      return [{ address: '10.0.1.11', prefix: 24, family: 'IPv4' }];
    case 'eth0':
      return [
        { address: '192.168.10.11', prefix: 24, family: 'IPv4' },
        { address: 'fd00:10::11', prefix: 64, family: 'IPv6' },
      ];
    case 'ens3':
      return [{ address: '10.20.0.11', prefix: 24, family: 'IPv4' }];
    default:
      return null;
  }
};

describe('example configs in config/', () => {
  const files = readdirSync(CONFIG_DIR).filter((f) => /\.(ya?ml|json)$/.test(f));

  test('there are the three documented examples', () => {
    expect(files).toEqual(expect.arrayContaining(['vipd.example.yaml', 'vipd.l2.example.yaml', 'vipd.active-active.example.yaml']));
  });

  test.each(files)('%s validates', (file) => {
    const config = loadConfig(join(CONFIG_DIR, file), { env: {}, checkFiles: false, interfaces: EXAMPLE_HOST });
    expect(config.groups.length).toBeGreaterThan(0);
  });

  test('the AWS example is an AWS pair with a tracker and hooks', () => {
    const config = loadConfig(join(CONFIG_DIR, 'vipd.example.yaml'), { env: {}, checkFiles: false, interfaces: EXAMPLE_HOST });
    expect(config.provider.type).toBe('aws');
    expect(config.groups[0]?.peers).toEqual([{ id: 'node-b', address: '10.0.1.12', port: 9476 }]);
    expect(config.groups[0]?.notify.master).toEqual(['/usr/local/bin/vipd-notify', 'master', 'web']);
  });

  test('the active-active example has one group per node at the top', () => {
    const config = loadConfig(join(CONFIG_DIR, 'vipd.active-active.example.yaml'), { env: {}, checkFiles: false, interfaces: EXAMPLE_HOST });
    expect(config.groups.map((g) => [g.name, g.priority])).toEqual([
      ['primary', 200],
      ['replica', 100],
    ]);
  });
});
