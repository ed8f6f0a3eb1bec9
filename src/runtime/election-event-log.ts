import type { ElectionOutput } from '../election/types';
import type { Logger } from '../util/logger';
import type { RuntimeMetrics } from './ports';

export type ElectionEventOutput = Extract<ElectionOutput, { type: 'event' }>['event'];
export type Announcement = Extract<ElectionOutput, { type: 'announce' }>;

/**
 * The core's events and announcements, said and counted for the operator:
 * a suspected split brain is logged once when it starts and once when it
 * clears (the gauge follows every report), an announcement with its reason.
 */
export class ElectionEventLog {
  private splitBrain = false;

  constructor(private readonly deps: { readonly log: Logger; readonly metrics: RuntimeMetrics; readonly wallSeconds: () => number }) {}

  get splitBrainSuspected(): boolean {
    return this.splitBrain;
  }

  event(group: string, event: ElectionEventOutput): void {
    const { log, metrics } = this.deps;
    switch (event.kind) {
      case 'split-brain-suspected':
        if (!this.splitBrain) log.error({ holder: event.holder }, `split brain suspected: the cloud shows ${event.holder} holding the VIPs of ${group}`);
        this.splitBrain = true;
        metrics.splitBrainSuspected(group, true);
        return;
      case 'split-brain-cleared':
        if (this.splitBrain) log.warn('split brain cleared');
        this.splitBrain = false;
        metrics.splitBrainSuspected(group, false);
        return;
      case 'master-seen':
        log.debug({ peer: event.peer, priority: event.priority }, `peer ${event.peer} is MASTER`);
        return;
      case 'lower-master-answered':
        log.warn({ peer: event.peer }, `peer ${event.peer} claims MASTER with lower priority; answered at once`);
        return;
      case 'refusal-contradicted':
        log.warn(
          { peer: event.peer },
          `peer ${event.peer} refused our probe yet its adverts arrive: a firewall REJECT on its heartbeat port? Its refusals are ignored (takeover by the down timer only) until this node changes role`,
        );
        return;
    }
  }

  announced(group: string, a: Announcement): void {
    const peer = a.peer ?? 'a peer';
    const why: Record<typeof a.reason, string> = {
      'lower-master': `${peer} claimed MASTER`,
      'peer-returned': `${peer} is heard again after a silence (it may have claimed meanwhile)`,
      'peer-stepped-down': `${peer} stepped down from MASTER`,
      stall: 'this node resumed from a stall',
      'cloud-split': `the cloud shows ${peer} holding them`,
    };
    this.deps.log.warn(
      { event: 'reannounce', reason: a.reason, peer: a.peer ?? null, coalesced: a.coalesced },
      `announcing the VIPs of ${group} again: ${why[a.reason]}`,
    );
    this.deps.metrics.reannounce(group, a.reason, this.deps.wallSeconds());
  }
}
