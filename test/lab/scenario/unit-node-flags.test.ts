import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unitNodeFlags } from '../../../lab/scenario/unit-node-flags';

describe('unitNodeFlags: the lab starts vipd with the shipped unit flags', () => {
  it("reads the repository's unit: the young-generation cap", () => {
    expect(unitNodeFlags(readFileSync(join(__dirname, '..', '..', '..', 'systemd', 'vipd.service'), 'utf8'))).toEqual(['--max-semi-space-size=1']);
  });

  it('takes every word between node and main.js, and none when there are none', () => {
    expect(unitNodeFlags('[Service]\nExecStart=/usr/local/bin/node --disable-sigusr1 --a=1 /opt/vipd/dist/src/cli/main.js run\n')).toEqual([
      '--disable-sigusr1',
      '--a=1',
    ]);
    expect(unitNodeFlags('ExecStart=/usr/bin/node /opt/vipd/dist/src/cli/main.js run')).toEqual([]);
  });

  it('says what is wrong with a unit it cannot read', () => {
    expect(() => unitNodeFlags('[Service]\nType=notify\n')).toThrow('the unit has no ExecStart= line');
    expect(() => unitNodeFlags('ExecStart=/usr/bin/vipd run')).toThrow('does not run node .../cli/main.js');
  });
});
