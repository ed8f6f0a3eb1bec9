import type { Family } from '../util/ip';

/**
 * What the kernel reported, already parsed and normalised (canonical address
 * text, numeric tables and protocols). The configurator plans against this;
 * nothing here is read by substring.
 */
export interface IfAddress {
  readonly family: Family;
  readonly address: string;
  readonly prefix: number;
  readonly scope: string;
  /** IPv4: not the first address of its subnet on the link. */
  readonly secondary: boolean;
  /** IPv6: still in (or failed) duplicate address detection; not usable as a primary. */
  readonly tentative: boolean;
  readonly dadFailed: boolean;
}

export interface LinkState {
  readonly name: string;
  readonly mac: string | null;
  readonly addresses: readonly IfAddress[];
}

export interface RuleEntry {
  readonly family: Family;
  readonly priority: number;
  /** Canonical source address, or null for "from all". */
  readonly src: string | null;
  readonly srcLen: number;
  /** Numeric table (printed with ip -N); null when the rule is not a lookup. */
  readonly table: number | null;
  readonly protocol: number;
  /** The rule also selects on something we never set (dst, iif, fwmark, not...). */
  readonly extraSelectors: boolean;
}

export interface RouteEntry {
  readonly family: Family;
  /** Canonical "net/len" ("0.0.0.0/0" for default). */
  readonly dst: string;
  readonly table: number;
  readonly type: string;
  readonly gateway: string | null;
  readonly dev: string | null;
  readonly prefsrc: string | null;
  readonly metric: number;
  readonly onlink: boolean;
}

/** One family's rules and routes, as much as the configurator needs. */
export interface FamilyState {
  readonly rules: readonly RuleEntry[];
  /** Routes carrying our protocol number, in every table. */
  readonly ourRoutes: readonly RouteEntry[];
  /** Default routes of the main table (any device; filtered by the planner). */
  readonly mainDefaults: readonly RouteEntry[];
}

export interface HostSnapshot {
  readonly link: LinkState;
  /** null when the family was not read (no VIP of that family). */
  readonly v4: FamilyState | null;
  readonly v6: FamilyState | null;
}
