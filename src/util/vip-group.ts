import type { Family } from './ip';

/**
 * A group as the layers below the daemon see it (owner, OS layer, cloud
 * mover): derived once when the configuration is loaded, so no adapter
 * parses or re-checks an address and none depends on the config layer.
 */
export interface VipGroup {
  readonly name: string;
  /** 1-255; the OS layer numbers its routing tables from it. */
  readonly id: number;
  readonly interface: string;
  readonly vips: readonly Vip[];
}

export interface Vip {
  /** Canonical text (util/ip formatIp): compared by string equality everywhere below. */
  readonly address: string;
  readonly family: Family;
  /** Prefix length put on the interface, already valid for the family; null: the subnet's. */
  readonly prefix: number | null;
}
