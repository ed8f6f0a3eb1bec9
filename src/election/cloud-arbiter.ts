import { outranks, type Ranked } from './rank';
import type { Role } from './types';

/**
 * Issue-4 arbitration: the cloud's record of who holds the VIP is the last
 * word when heartbeats cannot settle it (a pair has no majority).
 *
 * - 'clear'   the cloud shows us or nobody: any suspicion is over.
 * - 'ignore'  we are not MASTER, so another holder is expected.
 * - 'contest' we stay MASTER and the shell re-asserts ownership.
 * - 'yield'   we step down and do not claim again until we hear the holder.
 */
export type CloudVerdict = 'clear' | 'ignore' | 'contest' | 'yield';

export interface CloudFacts {
  readonly holder: string | null;
  readonly self: Ranked;
  readonly role: Role;
  /** The holder is a configured peer of this group. */
  readonly holderIsPeer: boolean;
  /** The last message heard from the holder was a resign (priority 0): it announced it is leaving. */
  readonly holderResigned: boolean;
  /** The holder's priority from its last non-resign advert; null if never heard advertising. */
  readonly holderPriority: number | null;
  /** This mastership began by declaring this peer dead (master-down), not heard since; null otherwise. */
  readonly tookOverFrom: string | null;
  /** We already contested this same holder during this mastership and have not heard it since. */
  readonly contestedBefore: boolean;
}

/**
 * The rules, in order (docs/election.md, "Cloud arbitration"):
 * 1. not a member: contest, never yield (it takes no part in the election and
 *    would never be heard, so yielding would be for good);
 * 1b. the holder's last word was a resign: contest, never yield. It said it
 *    is stepping down or stopping (SIGTERM, switchover, maintenance); if it
 *    still holds the VIP, that is a request of its that landed late (an
 *    assign in flight when it stopped), and yielding to it would leave the
 *    VIP on a node that is going away;
 * 2. the holder is the master we declared dead (and have not heard since):
 *    yield — it is evidently alive and was master before us, our claim
 *    rested on a guess;
 * 3. we contested this holder once already (without hearing it since) and it
 *    took the VIP again: yield — both sides believe they win (priorities
 *    moved during the partition), so stop after one round, no ping-pong;
 * 4. otherwise rank on its last heard priority (every live node heartbeats,
 *    backups included, so this is normally current); if it was never heard
 *    since we started (unreachable all along), assume its priority equals
 *    ours and let the tie-break decide: two nodes that never heard each other
 *    then reach the same verdict.
 * With static priorities this moves the VIP at most twice after a partition
 * starts in a pair: the backup's claim, then possibly our re-assert.
 */
export function judgeCloudHolder(f: CloudFacts): CloudVerdict {
  if (f.holder === null || f.holder === f.self.id) return 'clear';
  if (f.role !== 'MASTER') return 'ignore';
  if (!f.holderIsPeer) return 'contest';
  if (f.holderResigned) return 'contest';
  if (f.holder === f.tookOverFrom) return 'yield';
  if (f.contestedBefore) return 'yield';
  const theirs = f.holderPriority ?? f.self.priority;
  return outranks(f.self, { id: f.holder, priority: theirs }) ? 'contest' : 'yield';
}
