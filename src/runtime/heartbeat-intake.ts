import type { GroupConfig } from '../config/types';
import type { PeerAdvert } from '../election/types';
import type { Logger } from '../util/logger';
import { IntervalDriftWarner } from './interval-drift';
import type { RuntimeMetrics } from './ports';

/**
 * What the heartbeat brings one group, counted and logged before the core
 * judges it: adverts (with the warning about a peer timed differently) and
 * refused probes.
 */
export class HeartbeatIntake {
  private readonly drift: IntervalDriftWarner;

  constructor(private readonly deps: { readonly metrics: RuntimeMetrics; readonly log: Logger; readonly wallSeconds: () => number }) {
    this.drift = new IntervalDriftWarner(deps.log);
  }

  advert(group: GroupConfig, advert: PeerAdvert): void {
    this.deps.metrics.advertReceived(group.name);
    this.deps.metrics.peerSeen(group.name, advert.from, this.deps.wallSeconds());
    this.drift.check(advert, group.intervalMs);
  }

  /** False for a node that is not a peer of this group: the core never hears of it. */
  refusal(group: GroupConfig, peer: string): boolean {
    if (!group.peers.some((p) => p.id === peer)) return false;
    this.deps.metrics.peerRefused(group.name, peer);
    this.deps.log.debug({ peer }, `peer ${peer} refused a probe (ICMP port unreachable)`);
    return true;
  }
}
