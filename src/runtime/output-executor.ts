import type { GroupConfig } from '../config/types';
import type { ElectionOutput } from '../election/types';
import type { Logger } from '../util/logger';
import type { ElectionEventLog } from './election-event-log';
import { hookForTransition } from './hook-job';
import type { HookSequencer } from './hook-sequencer';
import type { OwnershipOutcomes } from './ownership-outcomes';
import type { OwnershipReconciler } from './ownership';
import type { AdvertSender, RuntimeMetrics } from './ports';
import type { Transition, TransitionLog } from './transition-log';

export interface OutputExecutorDeps {
  readonly nodeId: string;
  /** The group as configured now (a reload in place replaces it). */
  readonly group: () => GroupConfig;
  readonly log: Logger;
  readonly sender: AdvertSender;
  readonly metrics: RuntimeMetrics;
  readonly ownership: Pick<OwnershipReconciler, 'want' | 'startInactive' | 'reassert' | 'announceAgain' | 'contenderHeard'>;
  readonly outcomes: Pick<OwnershipOutcomes, 'claimed' | 'abandoned'>;
  readonly transitions: TransitionLog;
  readonly events: ElectionEventLog;
  readonly hooks: Pick<HookSequencer, 'hold'>;
  /** Called after each transition has been executed (role, ownership wish and hook queued). */
  readonly roleChanged?: () => void;
}

/**
 * Carries out what one group's election core decided, output by output:
 * adverts and probes to the sender, transitions to the log, the ownership
 * wish and the held notify hook, events and announcements to the operator,
 * re-asserts and announcements to the reconciler. It decides nothing:
 * everything it needs is in the output.
 */
export class OutputExecutor {
  constructor(private readonly deps: OutputExecutorDeps) {}

  execute(out: ElectionOutput): void {
    const { sender, metrics, events, ownership } = this.deps;
    const group = this.deps.group();
    switch (out.type) {
      case 'send':
        sender.sendAdvert(group.id, out.advert, out.to);
        metrics.advertSent(group.name);
        return;
      case 'probe':
        sender.probe(group.id, out.peer);
        return;
      case 'transition':
        this.transition(group, out);
        return;
      case 'event':
        events.event(group.name, out.event);
        // A claim made after the acquire in flight began: a holder read naming that node is news, not stale.
        if (out.event.kind === 'lower-master-answered' && out.event.newClaim) ownership.contenderHeard(out.event.peer);
        return;
      case 'announce':
        events.announced(group.name, out);
        ownership.announceAgain();
        return;
      case 'reassert':
        this.deps.log.warn({ holder: out.holder }, 'the cloud does not show all VIPs on this node; re-asserting');
        ownership.reassert();
        return;
    }
  }

  private transition(group: GroupConfig, t: Transition): void {
    const { ownership, outcomes } = this.deps;
    this.deps.transitions.record(group.name, t);
    if (t.claim !== undefined) {
      outcomes.claimed(t.claim, t.at);
      ownership.want('active');
    } else if (t.from === 'MASTER' || t.to === 'FAULT' || t.to === 'STOP') {
      outcomes.abandoned();
      ownership.want('inactive');
    } else if (t.from === 'INIT') {
      ownership.startInactive();
    }
    const hook = hookForTransition(
      group,
      t,
      group.vips.map((v) => v.address),
      this.deps.nodeId,
    );
    if (hook !== null) this.deps.hooks.hold(t.to === 'MASTER' ? 'active' : 'inactive', hook);
    this.deps.roleChanged?.();
  }
}
