import type { Logger } from '../util/logger';
import type { CloudCallContext, CloudHolder, CloudVip } from './provider';

export interface LocalViewFirst {
  /** True when this node's local view (instance metadata) shows every VIP on its NIC. */
  readonly local: (vips: readonly CloudVip[], ctx: CloudCallContext) => Promise<boolean>;
  /** The cloud's record, through its API. */
  readonly record: (vips: readonly CloudVip[], ctx: CloudCallContext) => Promise<ReadonlyMap<string, CloudHolder>>;
  readonly logger: Logger;
}

/**
 * `observeHolders` for a cloud whose instance metadata lists the NIC's
 * secondary addresses (AWS; GCP's ipAliases): when the local view shows
 * every VIP here, all are "me" and no API call is made, so a master
 * verifying every few seconds spends no API quota. Otherwise, or when the
 * local view cannot be read (an error is not an answer), the record says
 * who holds them. The local view lags the record by the propagation delay,
 * so a takeover is seen when traffic moves, not before. An abort is not a
 * reason to ask the API: it is rethrown.
 */
export async function observeLocalViewFirst(vips: readonly CloudVip[], ctx: CloudCallContext, via: LocalViewFirst): Promise<ReadonlyMap<string, CloudHolder>> {
  if (vips.length > 0) {
    try {
      if (await via.local(vips, ctx)) return new Map(vips.map((v) => [v.address, { kind: 'me' } as const]));
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      via.logger.debug({ err: e instanceof Error ? e.message : String(e) }, 'local view unreadable; asking the cloud API who holds the VIPs');
    }
  }
  return via.record(vips, ctx);
}
