import { familyStateFrom, parseJsonArray, parseLinkAddresses, parseRoutes, parseRules, splitBatchJson } from '../../src/os/ip-json';

// Captured from `ip -N -json` (iproute2 6.1) in a lab namespace.
const ADDR = `[{"ifindex":3,"link":"d1","ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"address":"da:20:46:d8:b7:24","addr_info":[{"family":"inet","local":"10.0.1.10","prefixlen":24,"scope":"0","label":"eth0"},{"family":"inet","local":"10.0.1.42","prefixlen":24,"scope":"0","secondary":true,"label":"eth0"},{"family":"inet6","local":"FD00::10","prefixlen":64,"scope":"0","nodad":true},{"family":"inet6","local":"fe80::d820:46ff:fed8:b724","prefixlen":64,"scope":"253","tentative":true}]}]`;
const RULES = `[{"priority":0,"src":"all","table":"255"},{"priority":3400,"src":"10.0.1.42","table":"3432","protocol":"86"},{"priority":500,"src":"10.0.1.0","srclen":24,"table":"254"},{"priority":600,"src":"10.0.1.43","iif":"eth1","table":"254"},{"priority":32766,"src":"all","table":"254"}]`;
const OUR_ROUTES = `[{"dst":"default","gateway":"10.0.1.1","dev":"eth0","table":"3432","flags":[]},{"dst":"10.0.1.0/24","dev":"eth0","table":"3432","scope":"253","prefsrc":"10.0.1.42","flags":[]},{"type":"blackhole","dst":"10.0.1.99","table":"3433","flags":[]}]`;
const MAIN_DEFAULTS = `[{"dst":"default","gateway":"10.0.1.1","dev":"eth0","protocol":"4","metric":100,"flags":["onlink"]},{"dst":"default","nexthops":[{"gateway":"10.0.9.1","dev":"eth1","weight":1,"flags":[]}],"metric":200}]`;

describe('ip -json parsing', () => {
  it('reads addresses with canonical text, numeric scopes and flags', () => {
    const link = parseLinkAddresses(parseJsonArray(ADDR, 'addr'), 'eth0');
    expect(link.mac).toBe('da:20:46:d8:b7:24');
    expect(link.addresses).toEqual([
      { family: 4, address: '10.0.1.10', prefix: 24, scope: 'global', secondary: false, tentative: false, dadFailed: false },
      { family: 4, address: '10.0.1.42', prefix: 24, scope: 'global', secondary: true, tentative: false, dadFailed: false },
      { family: 6, address: 'fd00::10', prefix: 64, scope: 'global', secondary: false, tentative: false, dadFailed: false },
      { family: 6, address: 'fe80::d820:46ff:fed8:b724', prefix: 64, scope: 'link', secondary: false, tentative: true, dadFailed: false },
    ]);
  });

  it('reads rules: full-length sources, numeric tables and protocols, extra selectors flagged', () => {
    const rules = parseRules(parseJsonArray(RULES, 'rules'), 4);
    expect(rules[0]).toMatchObject({ src: null, srcLen: 0, table: 255, protocol: 0 });
    expect(rules[1]).toEqual({ family: 4, priority: 3400, src: '10.0.1.42', srcLen: 32, table: 3432, protocol: 86, extraSelectors: false });
    expect(rules[2]).toMatchObject({ src: '10.0.1.0', srcLen: 24, table: 254 });
    expect(rules[3]).toMatchObject({ src: '10.0.1.43', extraSelectors: true });
  });

  it('reads routes: default as 0/0, host routes as /32, types, multipath first hop, onlink', () => {
    const ours = parseRoutes(parseJsonArray(OUR_ROUTES, 'routes'), 4, 254);
    expect(ours).toEqual([
      { family: 4, dst: '0.0.0.0/0', table: 3432, type: 'unicast', gateway: '10.0.1.1', dev: 'eth0', prefsrc: null, metric: 0, onlink: false },
      { family: 4, dst: '10.0.1.0/24', table: 3432, type: 'unicast', gateway: null, dev: 'eth0', prefsrc: '10.0.1.42', metric: 0, onlink: false },
      { family: 4, dst: '10.0.1.99/32', table: 3433, type: 'blackhole', gateway: null, dev: null, prefsrc: null, metric: 0, onlink: false },
    ]);
    const main = familyStateFrom(4, [], [], parseJsonArray(MAIN_DEFAULTS, 'main')).mainDefaults;
    expect(main[0]).toMatchObject({ table: 254, gateway: '10.0.1.1', metric: 100, onlink: true });
    expect(main[1]).toMatchObject({ gateway: '10.0.9.1', dev: 'eth1', metric: 200 });
  });

  it('splits a batch answer into one document per command, and refuses a short one', () => {
    const docs = splitBatchJson(`${ADDR}\n[]\n${OUR_ROUTES}\n`, 3, 'batch');
    expect(docs.map((d) => d.length)).toEqual([1, 0, 3]);
    expect(() => splitBatchJson(`${ADDR}\n`, 3, 'batch')).toThrow(expect.objectContaining({ code: 'VIPD_E_OS_STATE' }));
  });

  it.each([
    ['not JSON', () => parseJsonArray('{oops', 'x')],
    ['not an array', () => parseJsonArray('{}', 'x')],
    ['wrong link', () => parseLinkAddresses(parseJsonArray(ADDR, 'x'), 'eth1')],
    ['bad address', () => parseLinkAddresses([{ ifname: 'eth0', addr_info: [{ family: 'inet', local: '10.0.1.300', prefixlen: 24 }] }], 'eth0')],
    ['missing prefix', () => parseLinkAddresses([{ ifname: 'eth0', addr_info: [{ family: 'inet', local: '10.0.1.3' }] }], 'eth0')],
    ['named table', () => parseRules([{ priority: 1, src: 'all', table: 'ort3' }], 4)],
    ['bad destination', () => parseRoutes([{ dst: 'fd00::/64', dev: 'eth0', table: '1' }], 4, null)],
    ['no table', () => parseRoutes([{ dst: 'default', dev: 'eth0' }], 4, null)],
  ])('refuses %s with VIPD_E_OS_STATE', (_name, fn) => {
    expect(fn).toThrow(expect.objectContaining({ code: 'VIPD_E_OS_STATE' }));
  });
});
