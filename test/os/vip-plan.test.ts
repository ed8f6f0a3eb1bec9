import type { FamilyState, IfAddress, LinkState, RouteEntry } from '../../src/os/host-state';
import { checkNumbering, groupTableRange, tableFor } from '../../src/os/numbering';
import { expectedPrefix, planVip, primaryAddress } from '../../src/os/vip-plan';
import { group, osConfig, vip } from '../support/os-fixtures';

function addr(address: string, prefix: number, extra: Partial<IfAddress> = {}): IfAddress {
  return { family: address.includes(':') ? 6 : 4, address, prefix, scope: 'global', secondary: false, tentative: false, dadFailed: false, ...extra };
}
function link(...addresses: IfAddress[]): LinkState {
  return { name: 'eth0', mac: null, addresses };
}
function defaultRoute(gateway: string | null, extra: Partial<RouteEntry> = {}): RouteEntry {
  return { family: 4, dst: '0.0.0.0/0', table: 254, type: 'unicast', gateway, dev: 'eth0', prefsrc: null, metric: 0, onlink: false, ...extra };
}
function state(mainDefaults: RouteEntry[]): FamilyState {
  return { rules: [], ourRoutes: [], mainDefaults };
}

const NONE = new Set<string>();

describe('prefix derivation', () => {
  it('gives the VIP the subnet prefix of the primary address (10.0.1.10/24 => /24)', () => {
    expect(expectedPrefix(group({ vips: [vip('10.0.1.42')] }), 0, link(addr('10.0.1.10', 24)), NONE)).toBe(24);
    expect(expectedPrefix(group({ vips: [vip('10.0.5.42')] }), 0, link(addr('10.0.0.10', 20)), NONE)).toBe(20);
  });

  it('uses the configured prefix when there is one', () => {
    expect(expectedPrefix(group({ vips: [vip('10.0.1.42', 32)] }), 0, link(addr('10.0.1.10', 24)), NONE)).toBe(32);
    expect(() => expectedPrefix(group({ vips: [vip('10.0.1.42', 33)] }), 0, link(), NONE)).toThrow(expect.objectContaining({ code: 'VIPD_E_CONFIG' }));
  });

  it('never takes a leftover VIP, a link-local or a tentative address for the primary', () => {
    const l = link(
      addr('10.0.1.42', 32),
      addr('fe80::1', 64, { scope: 'link' }),
      addr('fd00::9', 64, { tentative: true }),
      addr('10.0.1.10', 24, { secondary: true }),
    );
    expect(primaryAddress(l, 4, new Set(['10.0.1.42']))?.address).toBe('10.0.1.10');
    expect(primaryAddress(l, 6, NONE)).toBeNull();
  });

  it('fails clearly without a primary address or with a VIP outside the subnet', () => {
    expect(() => expectedPrefix(group({ vips: [vip('10.0.1.42')] }), 0, link(), NONE)).toThrow(expect.objectContaining({ code: 'VIPD_E_INTERFACE' }));
    expect(() => expectedPrefix(group({ vips: [vip('10.0.2.42')] }), 0, link(addr('10.0.1.10', 24)), NONE)).toThrow(
      expect.objectContaining({ code: 'VIPD_E_CONFIG' }),
    );
  });
});

describe('routing plan', () => {
  const g = group({ id: 2, vips: [vip('10.0.1.42'), vip('10.0.1.43')] });
  const l = link(addr('10.0.1.10', 24));

  it('copies the lowest-metric default route through the interface, and maps tables by group and index', () => {
    const s = state([
      defaultRoute('10.0.9.1', { dev: 'eth1' }),
      defaultRoute('10.0.1.254', { metric: 200 }),
      defaultRoute('10.0.1.1', { metric: 100, onlink: true }),
    ]);
    const plan = planVip({ group: g, index: 1, link: l, state: s, vipsOnLink: NONE, config: osConfig() });
    expect(plan).toEqual({
      address: '10.0.1.43',
      family: 4,
      prefix: 24,
      iface: 'eth0',
      routing: { table: 3400 + 2 * 32 + 1, priority: 3400, gateway: '10.0.1.1', onlink: true, subnet: '10.0.1.0/24' },
    });
  });

  it('prefers os.gateway of the same family, and fails with a hint when there is no default route', () => {
    const withGw = planVip({ group: g, index: 0, link: l, state: state([]), vipsOnLink: NONE, config: osConfig({ gateway: '10.0.1.254' }) });
    expect(withGw.routing?.gateway).toBe('10.0.1.254');
    expect(() => planVip({ group: g, index: 0, link: l, state: state([]), vipsOnLink: NONE, config: osConfig() })).toThrow(
      expect.objectContaining({ code: 'VIPD_E_INTERFACE', message: expect.stringContaining('os.gateway') }),
    );
  });

  it('has no routing part with policy routing off', () => {
    expect(planVip({ group: g, index: 0, link: l, state: null, vipsOnLink: NONE, config: osConfig({ policyRouting: false }) }).routing).toBeNull();
  });
});

describe('table numbering', () => {
  it('is a pure function of tableBase, group id and VIP index, with a block of 32 per group', () => {
    expect(tableFor(3400, 1, 0)).toBe(3432);
    expect(tableFor(3400, 1, 31)).toBe(3463);
    expect(tableFor(3400, 2, 0)).toBe(3464);
    expect(groupTableRange(3400, 1)).toEqual({ first: 3432, last: 3463 });
  });

  it('refuses ranges the cloud agents or the kernel use, too many VIPs, and bad rule priorities', () => {
    const g = (id: number, n = 1): ReturnType<typeof group> => group({ id, vips: Array.from({ length: n }, (_, k) => vip(`10.0.1.${k + 1}`)) });
    expect(() => checkNumbering([g(1), g(205)], 3400, 3400)).not.toThrow();
    expect(() => checkNumbering([g(206)], 3400, 3400)).toThrow(
      expect.objectContaining({ code: 'VIPD_E_CONFIG', message: expect.stringContaining('amazon-ec2-net-utils') }),
    );
    expect(() => checkNumbering([g(1)], 100, 3400)).toThrow(expect.objectContaining({ message: expect.stringContaining('oci-utils') }));
    expect(() => checkNumbering([g(1, 33)], 3400, 3400)).toThrow(expect.objectContaining({ message: expect.stringContaining('33 VIPs') }));
    expect(() => checkNumbering([g(1)], 3400, 32766)).toThrow(expect.objectContaining({ message: expect.stringContaining('rulePriority') }));
  });
});
