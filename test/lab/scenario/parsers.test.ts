import { classifyHolders, interfaceHasAddress } from '../../../lab/scenario/holders';
import { keepalivedState } from '../../../lab/scenario/keepalived';
import { currentRole, indexOfMessage, parseLogLines, transitions, vipsReadyLines } from '../../../lab/scenario/logs';
import { killOrder, parseStatParent } from '../../../lab/scenario/process';

describe('vipd log parsing', () => {
  const text = [
    '{"level":"info","msg":"partial li', // the bounded buffer cut a line
    '{"level":"info","event":"transition","group":"web","from":"INIT","to":"BACKUP","reason":"startup","peer":null,"msg":"x"}',
    '{"level":"info","event":"transition","group":"db","from":"BACKUP","to":"MASTER","reason":"master-down","msg":"x"}',
    'not json at all',
    '[1,2]',
    '{"level":"info","event":"transition","group":"web","from":"BACKUP","to":"MASTER","reason":"master-down","peer":"n1","msg":"x"}',
    '{"level":"info","event":"transition","group":"web","to":"FAULT","msg":"no from or reason: ignored"}',
    '{"level":"info","event":"vips-ready","group":"web","phases":{"detectionMs":361.2,"cloudMs":0,"osMs":12.5,"totalMs":375},"msg":"VIPs ready on this node"}',
    '{"level":"info","event":"vips-ready","group":"web","phases":{"detectionMs":null,"cloudMs":"0","osMs":1},"msg":"bad cloudMs: ignored"}',
    '',
  ].join('\n');
  const logs = parseLogLines(text);

  it('keeps unparsable lines as unparsed instead of throwing or dropping them', () => {
    expect(logs).toHaveLength(9);
    expect(logs[0]).toEqual({ unparsed: '{"level":"info","msg":"partial li' });
    expect(logs[3]).toEqual({ unparsed: 'not json at all' });
    expect(logs[4]).toEqual({ unparsed: '[1,2]' });
  });

  it('reads transitions of one group, skipping malformed ones', () => {
    expect(transitions(logs, 'web').map((t) => [t.index, t.to, t.reason, t.peer])).toEqual([
      [1, 'BACKUP', 'startup', null],
      [5, 'MASTER', 'master-down', 'n1'],
    ]);
    expect(currentRole(logs, 'web')).toBe('MASTER');
    expect(currentRole(logs, 'nope')).toBeNull();
  });

  it('reads vips-ready phases, rejecting a line with a non-numeric phase', () => {
    expect(vipsReadyLines(logs, 'web')).toEqual([{ index: 7, group: 'web', phases: { detectionMs: 361.2, cloudMs: 0, osMs: 12.5, totalMs: 375 } }]);
    expect(indexOfMessage(logs, 'VIPs ready on this node')).toBe(7);
    expect(indexOfMessage(logs, /^nothing/)).toBeNull();
  });
});

describe('keepalived console output', () => {
  it('takes the last state the instance entered', () => {
    const out = [
      'Fri Nov 27 01:56:41 2026: (web) Entering BACKUP STATE (init)',
      'Fri Nov 27 01:56:42 2026: (other) Entering MASTER STATE',
      'Fri Nov 27 01:56:42 2026: (web) Entering MASTER STATE',
    ].join('\n');
    expect(keepalivedState(out, 'web')).toBe('MASTER');
    expect(keepalivedState(out.split('\n')[0] ?? '', 'web')).toBe('BACKUP');
    expect(keepalivedState('Starting Keepalived v2.2.7', 'web')).toBeNull();
  });
});

describe('VIP holders', () => {
  const addr = (local: string): unknown => [
    {
      ifname: 'eth0',
      addr_info: [
        { family: 'inet', local: '10.0.1.10', prefixlen: 24 },
        { family: 'inet', local, prefixlen: 24 },
      ],
    },
  ];

  it('finds the VIP in ip -json addr output', () => {
    expect(interfaceHasAddress(addr('10.0.1.100'), '10.0.1.100')).toBe(true);
    expect(interfaceHasAddress(addr('10.0.1.101'), '10.0.1.100')).toBe(false);
    expect(interfaceHasAddress([{ ifname: 'eth0' }], '10.0.1.100')).toBe(false);
  });

  it('treats malformed output as an error, never as "not there"', () => {
    expect(() => interfaceHasAddress({}, '10.0.1.100')).toThrow(/expected a list/);
    expect(() => interfaceHasAddress([null], '10.0.1.100')).toThrow(/not an object/);
    expect(() => interfaceHasAddress([{ addr_info: 'x' }], '10.0.1.100')).toThrow(/not a list/);
  });

  it('counts an address on a dead node as stale, not as a second holder', () => {
    expect(
      classifyHolders([
        { name: 'n1', holds: true, dead: true },
        { name: 'n2', holds: true, dead: false },
        { name: 'n3', holds: false, dead: false },
      ]),
    ).toEqual({ live: ['n2'], staleOnDeadNodes: ['n1'] });
  });
});

describe('process tree for a crash', () => {
  it('reads the parent pid even when the command name holds spaces and parentheses', () => {
    expect(parseStatParent('4348 (keepalived) S 4347 4347 1 0 -1')).toBe(4347);
    expect(parseStatParent('77 (a) b (c)) R 12 77 1')).toBe(12);
    expect(parseStatParent('garbage')).toBeNull();
    expect(parseStatParent('5 (x) S notanumber')).toBeNull();
  });

  it('kills children before their parent, and nothing outside the tree', () => {
    const table = [
      { pid: 10, ppid: 1 },
      { pid: 11, ppid: 10 },
      { pid: 12, ppid: 11 },
      { pid: 13, ppid: 10 },
      { pid: 20, ppid: 1 },
    ];
    const order = killOrder(10, table);
    expect(new Set(order)).toEqual(new Set([10, 11, 12, 13]));
    expect(order[order.length - 1]).toBe(10);
    expect(order.indexOf(12)).toBeLessThan(order.indexOf(11));
    expect(killOrder(99, table)).toEqual([99]);
    // A corrupt table with a cycle must not loop forever.
    expect(
      new Set(
        killOrder(30, [
          { pid: 30, ppid: 31 },
          { pid: 31, ppid: 30 },
        ]),
      ),
    ).toEqual(new Set([30, 31]));
  });
});
