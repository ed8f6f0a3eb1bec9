import type { PeerAdvert } from '../election/types';
import type { Logger } from '../util/logger';

/**
 * Each node times the master by its own intervalMs: a backup set to 100 ms
 * under a master at 1 s claims between every advert. Said once per peer
 * (and once more when it matches again), like the VIP digest.
 */
export class IntervalDriftWarner {
  /** Peers whose advertised interval differs from ours (warned once each). */
  private readonly mismatched = new Set<string>();

  constructor(private readonly log: Logger) {}

  check(advert: PeerAdvert, ourIntervalMs: number): void {
    if (advert.kind === 'resign') return;
    const differs = advert.intervalMs !== ourIntervalMs;
    if (differs === this.mismatched.has(advert.from)) return;
    if (differs) {
      this.mismatched.add(advert.from);
      this.log.warn(
        { peer: advert.from, theirs: advert.intervalMs, ours: ourIntervalMs },
        `peer ${advert.from} advertises every ${advert.intervalMs} ms, this node expects ${ourIntervalMs} ms (groups[].intervalMs must be the same on every node, or the faster side flaps)`,
      );
    } else {
      this.mismatched.delete(advert.from);
      this.log.info({ peer: advert.from, intervalMs: advert.intervalMs }, `peer ${advert.from} advertises at this node's interval again`);
    }
  }
}
