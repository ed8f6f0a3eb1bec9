import { convergeChanges, releaseChanges } from '../../src/os/changes';
import type { FamilyState, LinkState, RouteEntry, RuleEntry } from '../../src/os/host-state';
import type { VipPlan } from '../../src/os/vip-plan';

const PLAN: VipPlan = {
  address: '10.0.1.42',
  family: 4,
  prefix: 24,
  iface: 'eth0',
  routing: { table: 3432, priority: 3400, gateway: '10.0.1.1', onlink: false, subnet: '10.0.1.0/24' },
};
const LINK: LinkState = {
  name: 'eth0',
  mac: null,
  addresses: [{ family: 4, address: '10.0.1.10', prefix: 24, scope: 'global', secondary: false, tentative: false, dadFailed: false }],
};
const withVip = (prefix: number): LinkState => ({
  ...LINK,
  addresses: [...LINK.addresses, { ...LINK.addresses[0]!, address: '10.0.1.42', prefix, secondary: true }],
});
const rule = (extra: Partial<RuleEntry> = {}): RuleEntry => ({
  family: 4,
  priority: 3400,
  src: '10.0.1.42',
  srcLen: 32,
  table: 3432,
  protocol: 86,
  extraSelectors: false,
  ...extra,
});
const route = (extra: Partial<RouteEntry>): RouteEntry => ({
  family: 4,
  dst: '0.0.0.0/0',
  table: 3432,
  type: 'unicast',
  gateway: '10.0.1.1',
  dev: 'eth0',
  prefsrc: null,
  metric: 0,
  onlink: false,
  ...extra,
});
const complete: FamilyState = {
  rules: [rule()],
  ourRoutes: [route({}), route({ dst: '10.0.1.0/24', gateway: null, prefsrc: '10.0.1.42' })],
  mainDefaults: [],
};
const empty: FamilyState = { rules: [], ourRoutes: [], mainDefaults: [] };

describe('convergeChanges', () => {
  it('adds address, then rule, then routes on an empty host', () => {
    expect(convergeChanges([PLAN], LINK, { v4: empty, v6: null }).map((c) => c.command)).toEqual([
      'address replace 10.0.1.42/24 dev eth0',
      'rule add from 10.0.1.42/32 lookup 3432 priority 3400 protocol 86',
      'route replace 0.0.0.0/0 via 10.0.1.1 dev eth0 table 3432 proto 86',
      'route replace 10.0.1.0/24 dev eth0 src 10.0.1.42 table 3432 proto 86',
    ]);
  });

  it('changes nothing when everything is in place', () => {
    expect(convergeChanges([PLAN], withVip(24), { v4: complete, v6: null })).toEqual([]);
  });

  it('adds our /24 next to a foreign /32 of the same address', () => {
    expect(convergeChanges([PLAN], withVip(32), { v4: complete, v6: null }).map((c) => c.command)).toEqual(['address replace 10.0.1.42/24 dev eth0']);
  });

  it('removes our stale rule (old table) and stale routes first, and ignores foreign rules', () => {
    const s: FamilyState = {
      rules: [rule({ table: 3440 }), rule({ protocol: 0, table: 254, priority: 500 })],
      ourRoutes: [...complete.ourRoutes, route({ dst: '192.168.0.0/16', gateway: null })],
      mainDefaults: [],
    };
    expect(convergeChanges([PLAN], withVip(24), { v4: s, v6: null }).map((c) => c.command)).toEqual([
      'rule del from 10.0.1.42/32 lookup 3440 priority 3400 protocol 86',
      'route del 192.168.0.0/16 dev eth0 table 3432 proto 86',
      'rule add from 10.0.1.42/32 lookup 3432 priority 3400 protocol 86',
    ]);
  });

  it('replaces a default route whose gateway changed (no delete needed)', () => {
    const s: FamilyState = { ...complete, ourRoutes: [route({ gateway: '10.0.1.254' }), complete.ourRoutes[1]!] };
    expect(convergeChanges([PLAN], withVip(24), { v4: s, v6: null }).map((c) => c.command)).toEqual([
      'route replace 0.0.0.0/0 via 10.0.1.1 dev eth0 table 3432 proto 86',
    ]);
  });

  it('gives IPv6 addresses nodad', () => {
    const v6: VipPlan = { address: 'fd00::42', family: 6, prefix: 64, iface: 'eth0', routing: null };
    expect(convergeChanges([v6], LINK, { v4: null, v6: empty }).map((c) => c.command)).toEqual(['address replace fd00::42/64 dev eth0 nodad']);
  });
});

describe('releaseChanges', () => {
  const target = { address: '10.0.1.42', family: 4 as const, iface: 'eth0', prefix: 24, tables: [3432] };

  it('removes rules, then routes, then the address', () => {
    expect(releaseChanges([target], withVip(24), { v4: complete, v6: null }).map((c) => c.command)).toEqual([
      'rule del from 10.0.1.42/32 lookup 3432 priority 3400 protocol 86',
      'route del 0.0.0.0/0 via 10.0.1.1 dev eth0 table 3432 proto 86',
      'route del 10.0.1.0/24 dev eth0 table 3432 proto 86',
      'address del 10.0.1.42/24 dev eth0',
    ]);
  });

  it('leaves an address with another prefix, an unknown prefix, and rules without our protocol', () => {
    const s: FamilyState = { ...empty, rules: [rule({ protocol: 0 })] };
    expect(releaseChanges([target], withVip(32), { v4: s, v6: null })).toEqual([]);
    expect(releaseChanges([{ ...target, prefix: null }], withVip(24), { v4: s, v6: null })).toEqual([]);
  });

  it('finds a whole group block for orphan cleanup, deduplicated', () => {
    const s: FamilyState = { rules: [rule({ src: '10.0.1.99', table: 3440 })], ourRoutes: [route({ table: 3440 })], mainDefaults: [] };
    const changes = releaseChanges([target, { ...target, address: '10.0.1.43', tables: [3433] }], LINK, { v4: s, v6: null }, { rulesInTables: [3440] });
    expect(changes.map((c) => c.command)).toEqual([
      'rule del from 10.0.1.99/32 lookup 3440 priority 3400 protocol 86',
      'route del 0.0.0.0/0 via 10.0.1.1 dev eth0 table 3440 proto 86',
    ]);
  });
});
