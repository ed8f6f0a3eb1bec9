/**
 * What the OS layer is told to do: the `os` section of the configuration
 * (config/types.ts names this type OsConfig; the schema documents each key).
 * Declared here so the OS layer depends on no other layer's types.
 */
export interface OsSettings {
  /** false: do not touch addresses, rules or ARP (the "log only" owner). */
  readonly enabled: boolean;
  readonly policyRouting: boolean;
  /** First routing table number; group N's VIP k uses tableBase + index. */
  readonly tableBase: number;
  readonly rulePriority: number;
  /** null = derived from the main table's default route on the interface. */
  readonly gateway: string | null;
  readonly arp: {
    readonly sender: 'native' | 'arping';
    readonly count: number;
    readonly repeatDelayMs: number;
    readonly refreshIntervalMs: number; // 0 = off
  };
  /** After another node claimed a group this MASTER keeps (keepalived's garp_lower_prio_repeat / _delay). */
  readonly reannounce: {
    readonly count: number; // 0 = no ARP/NA, the cloud is still re-checked
    readonly delayMs: number; // second burst; 0 = none
    readonly minIntervalMs: number;
  };
  readonly reconcileIntervalMs: number;
  readonly commandTimeoutMs: number;
}
