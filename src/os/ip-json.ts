import { VipdError } from '../errors';
import type { FamilyState, IfAddress, LinkState, RouteEntry, RuleEntry } from './host-state';
import { type Family, canonicalIp, formatCidr, fullPrefix, networkOf, parseCidr } from '../util/ip';

/**
 * Parsers for `ip -N -json ...` output. Anything unexpected is an error
 * (VIPD_E_OS_STATE), never "nothing there": a half-read table must not make
 * the configurator add or remove things.
 */
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

function bad(what: string, detail: string, raw?: unknown): VipdError {
  return new VipdError('VIPD_E_OS_STATE', `cannot parse ${what}: ${detail}`, {
    details: raw === undefined ? {} : { raw: String(JSON.stringify(raw)).slice(0, 500) },
  });
}

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseJsonArray(text: string, what: string): JsonObject[] {
  let value: Json;
  try {
    value = JSON.parse(text) as Json;
  } catch (e) {
    throw bad(what, `not JSON (${(e as Error).message})`, text);
  }
  if (!Array.isArray(value)) throw bad(what, 'expected a JSON array', value);
  return value.map((item) => {
    if (!isObject(item)) throw bad(what, 'array item is not an object', item);
    return item;
  });
}

/**
 * `ip -json -batch` prints one JSON document per show command, each on its
 * own line. Exactly `expected` documents must be there.
 */
export function splitBatchJson(stdout: string, expected: number, what: string): JsonObject[][] {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  if (lines.length !== expected) {
    throw bad(what, `expected ${expected} JSON documents, got ${lines.length}`, stdout);
  }
  return lines.map((l, i) => parseJsonArray(l, `${what} #${i + 1}`));
}

function str(o: JsonObject, key: string, what: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw bad(what, `field "${key}" missing or not a string`, o);
  return v;
}

function optStr(o: JsonObject, key: string, what: string): string | null {
  const v = o[key];
  if (v === undefined) return null;
  if (typeof v !== 'string') throw bad(what, `field "${key}" is not a string`, o);
  return v;
}

function num(o: JsonObject, key: string, what: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v)) throw bad(what, `field "${key}" missing or not an integer`, o);
  return v;
}

function flag(o: JsonObject, key: string): boolean {
  return o[key] === true;
}

function addrIp(text: string, what: string, raw: unknown): string {
  const ip = canonicalIp(text);
  if (ip === null) throw bad(what, `"${text}" is not an IP address`, raw);
  return ip;
}

function familyOfField(v: string, what: string, raw: unknown): Family {
  if (v === 'inet') return 4;
  if (v === 'inet6') return 6;
  throw bad(what, `unknown family "${v}"`, raw);
}

/** `ip -json addr show dev IF`: exactly one link. */
export function parseLinkAddresses(docs: readonly JsonObject[], ifname: string): LinkState {
  const what = `addresses of ${ifname}`;
  if (docs.length !== 1) throw bad(what, `expected one link, got ${docs.length}`, docs);
  const link = docs[0] as JsonObject;
  const name = str(link, 'ifname', what);
  if (name !== ifname) throw bad(what, `asked for ${ifname}, got ${name}`, link);
  const infos = link.addr_info ?? [];
  if (!Array.isArray(infos)) throw bad(what, 'addr_info is not an array', link);
  const addresses: IfAddress[] = [];
  for (const info of infos) {
    if (!isObject(info)) throw bad(what, 'addr_info item is not an object', info);
    // Families we do not manage (e.g. AF_PACKET entries) are ignored, not errors.
    const fam = info.family;
    if (fam !== 'inet' && fam !== 'inet6') continue;
    addresses.push({
      family: familyOfField(fam, what, info),
      address: addrIp(str(info, 'local', what), what, info),
      prefix: num(info, 'prefixlen', what),
      scope: scopeName(optStr(info, 'scope', what) ?? 'global'),
      secondary: flag(info, 'secondary'),
      tentative: flag(info, 'tentative'),
      dadFailed: flag(info, 'dadfailed'),
    });
  }
  return { name, mac: optStr(link, 'address', what), addresses };
}

/** ip -N prints scopes as numbers (0 universe/global, 200 site, 253 link, 254 host). */
const SCOPE_NAMES: Readonly<Record<string, string>> = { '0': 'global', '200': 'site', '253': 'link', '254': 'host', '255': 'nowhere' };
function scopeName(v: string): string {
  return SCOPE_NAMES[v] ?? v;
}

const TABLE_NAMES: Readonly<Record<string, number>> = { unspec: 0, default: 253, main: 254, local: 255 };
const PROTO_NAMES: Readonly<Record<string, number>> = { unspec: 0, redirect: 1, kernel: 2, boot: 3, static: 4, ra: 9, dhcp: 16 };

/** ip -N prints numbers; names are accepted for the few fixed ones in case -N is ignored. */
function numericName(v: string, names: Readonly<Record<string, number>>, what: string, raw: unknown): number {
  if (/^[0-9]{1,10}$/.test(v)) return Number(v);
  const n = names[v];
  if (n === undefined) throw bad(what, `"${v}" is not a number (was ip run with -N?)`, raw);
  return n;
}

const RULE_OWN_KEYS = new Set(['priority', 'src', 'srclen', 'table', 'protocol', 'action', 'flags']);

export function parseRules(docs: readonly JsonObject[], family: Family): RuleEntry[] {
  const what = `IPv${family} rules`;
  return docs.map((r) => {
    const srcText = str(r, 'src', what);
    let src: string | null = null;
    let srcLen = 0;
    if (srcText !== 'all') {
      src = addrIp(srcText, what, r);
      srcLen = r.srclen === undefined ? fullPrefix(family) : num(r, 'srclen', what);
    }
    const table = optStr(r, 'table', what);
    const protocol = optStr(r, 'protocol', what);
    return {
      family,
      priority: num(r, 'priority', what),
      src,
      srcLen,
      table: table === null ? null : numericName(table, TABLE_NAMES, what, r),
      protocol: protocol === null ? 0 : numericName(protocol, PROTO_NAMES, what, r),
      extraSelectors: Object.keys(r).some((k) => !RULE_OWN_KEYS.has(k)),
    };
  });
}

/**
 * Routes of `ip -N -json route show ...`. `tableIfAbsent` is the table that
 * was asked for when the kernel omits it (main is omitted for `table main`).
 */
export function parseRoutes(docs: readonly JsonObject[], family: Family, tableIfAbsent: number | null): RouteEntry[] {
  const what = `IPv${family} routes`;
  return docs.map((r) => {
    const dstText = str(r, 'dst', what);
    const dst = parseCidr(dstText, family);
    if (!dst || dst.ip.family !== family) throw bad(what, `bad destination "${dstText}"`, r);
    const tableText = optStr(r, 'table', what);
    let table: number;
    if (tableText !== null) table = numericName(tableText, TABLE_NAMES, what, r);
    else if (tableIfAbsent !== null) table = tableIfAbsent;
    else throw bad(what, 'route without a table', r);
    let gateway = optStr(r, 'gateway', what);
    let dev = optStr(r, 'dev', what);
    const flags = Array.isArray(r.flags) ? r.flags : [];
    let onlink = flags.includes('onlink');
    // A multipath route: keep the first hop; the planner only mirrors the main default.
    if (gateway === null && dev === null && Array.isArray(r.nexthops) && isObject(r.nexthops[0])) {
      const hop = r.nexthops[0];
      gateway = optStr(hop, 'gateway', what);
      dev = optStr(hop, 'dev', what);
      onlink = Array.isArray(hop.flags) && hop.flags.includes('onlink');
    }
    return {
      family,
      dst: formatCidr(networkOf(dst.ip, dst.prefix), dst.prefix),
      table,
      type: optStr(r, 'type', what) ?? 'unicast',
      gateway: gateway === null ? null : addrIp(gateway, what, r),
      dev,
      prefsrc: (() => {
        const p = optStr(r, 'prefsrc', what);
        return p === null ? null : addrIp(p, what, r);
      })(),
      metric: r.metric === undefined ? 0 : num(r, 'metric', what),
      onlink,
    };
  });
}

export type { JsonObject };

/** Assembles one family's state from the three documents the observer asks for. */
export function familyStateFrom(
  family: Family,
  rules: readonly JsonObject[],
  ourRoutes: readonly JsonObject[],
  mainDefaults: readonly JsonObject[],
): FamilyState {
  return {
    rules: parseRules(rules, family),
    // `show table all` omits the table only for main.
    ourRoutes: parseRoutes(ourRoutes, family, 254),
    mainDefaults: parseRoutes(mainDefaults, family, 254),
  };
}
