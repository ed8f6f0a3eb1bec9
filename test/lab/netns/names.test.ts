import { labNames, labPrefix, ownerPid, parseNetnsList } from '../../../lab/netns/names';
import { fabricBatch, nodeBatch, secondUplinkBatches } from '../../../lab/netns/topology';
import { parseFlags, intFlag } from '../../../lab/cli-args';

describe('lab names', () => {
  it('encodes the owner pid so a sweep can find dead runs', () => {
    const prefix = labPrefix(123456, () => 0.5);
    expect(prefix).toBe('vl-2n9c-iiii-');
    expect(ownerPid(`${prefix}fab`)).toBe(123456);
    expect(ownerPid('vl-2n9c-iii-fab')).toBeNull();
    expect(ownerPid('myns')).toBeNull();
    expect(labNames(prefix, 2)).toEqual({ fabric: `${prefix}fab`, client: `${prefix}c`, nodes: [`${prefix}n1`, `${prefix}n2`] });
  });

  it('parses `ip netns list` with and without ids', () => {
    expect(parseNetnsList('a (id: 3)\nb\n\n')).toEqual(['a', 'b']);
  });
});

describe('lab topology', () => {
  it('creates every veth inside the fabric with its peer placed in the other namespace', () => {
    const lines = fabricBatch({ client: 'C', nodes: ['N1', 'N2'] }, false);
    expect(lines.filter((l) => l.includes('type veth'))).toEqual([
      'link add p-n1 type veth peer name eth0 netns N1',
      'link add p-n2 type veth peer name eth0 netns N2',
      'link add p-c type veth peer name eth0 netns C',
    ]);
    expect(lines.some((l) => l.startsWith('route'))).toBe(false);
    expect(nodeBatch(2, false)).toContain('address add 10.0.1.11/24 dev eth0');
    expect(secondUplinkBatches(1, 'N1').node).toContain('route add default via 10.0.101.1 dev eth1 metric 10');
  });
});

describe('lab entry-point flags', () => {
  it('parses known flags and rejects the rest', () => {
    const f = parseFlags(['--port', '8080', '--name', 'n1'], ['port', 'name']);
    expect(intFlag(f, 'port', null, 1, 65535)).toBe(8080);
    expect(() => parseFlags(['--bogus', '1'], ['port'])).toThrow(/unknown option/);
    expect(() => parseFlags(['--port'], ['port'])).toThrow(/needs a value/);
    expect(() => intFlag(parseFlags(['--port', '0'], ['port']), 'port', null, 1, 65535)).toThrow(/1-65535/);
    expect(() => intFlag(new Map(), 'port', null, 1, 2)).toThrow(/required/);
  });
});
