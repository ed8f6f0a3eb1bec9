/**
 * Inputs and outputs of the pure election core (one core per group).
 * The core never reads a clock, a socket or a random source of its own:
 * the shell passes `now` (monotonic ms) and a `random()` function.
 */
export type Role = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';

/** What the core knows of a heard, authenticated advert (decoded by heartbeat/). */
export interface PeerAdvert {
  readonly kind: 'advert' | 'resign';
  /** Sender's node id (already checked against the configured peers). */
  readonly from: string;
  /** Sender's effective priority, 0 for a resign. */
  readonly priority: number;
  readonly role: Role;
  readonly intervalMs: number;
}

/** An advert the core wants sent to every peer of the group. */
export interface OutgoingAdvert {
  readonly kind: 'advert' | 'resign';
  readonly priority: number;
  readonly role: Role;
  readonly intervalMs: number;
}

export interface ElectionOptions {
  readonly nodeId: string;
  readonly peers: readonly string[];
  /** Base priority 1-254. */
  readonly priority: number;
  readonly preempt: boolean;
  readonly preemptDelayMs: number;
  readonly intervalMs: number;
  readonly deadAfter: number;
  /** Injected randomness in [0,1); used only where a choice must be randomised. */
  readonly random: () => number;
  /** Least time between two re-announcements (announce outputs); default 1000 ms. 0 = no limit. */
  readonly reannounceMinIntervalMs?: number;
}

export type ElectionOutput =
  | { readonly type: 'send'; readonly advert: OutgoingAdvert }
  | {
      readonly type: 'transition';
      readonly from: Role;
      readonly to: Role;
      readonly reason: TransitionReason;
      /** The peer whose message caused it, when one did. */
      readonly peer?: string;
      readonly at: number;
    }
  | { readonly type: 'event'; readonly event: ElectionEvent; readonly at: number }
  | {
      /**
       * While MASTER: tell the link again that the VIPs live here (gratuitous
       * ARP / unsolicited NA) and, on a cloud, re-check and re-assert the
       * assignment, because another node claimed the group meanwhile.
       */
      readonly type: 'announce';
      readonly reason: AnnounceReason;
      /** The peer the reason is about (every reason but stall). */
      readonly peer?: string;
      /** Further requests folded into this one by the rate limit. */
      readonly coalesced: number;
      readonly at: number;
    };

/** Why a MASTER announces its VIPs again: each is a sign that another node may have claimed them. */
export type AnnounceReason =
  /** A lower-ranked peer claimed MASTER (a healed partition, or its down timer fired on heartbeat loss). */
  | 'lower-master'
  /** A peer heard after a silence longer than the down interval, or for the first time: it may have claimed unheard. */
  | 'peer-returned'
  /** A peer resigned: only a master does, so it held the group beside us (its claim may never have reached us). */
  | 'peer-stepped-down'
  /** We resumed from a stall longer than the down interval: a backup may have claimed meanwhile. */
  | 'stall'
  /** The cloud shows another holder, which we contest. */
  | 'cloud-split';

export type TransitionReason =
  | 'start'
  | 'master-down'        // no advert from a master within the down interval
  | 'peer-resigned'      // master sent priority 0
  | 'preempted'          // a higher (or tie-winning) master was heard
  | 'preempting'         // we outrank the current master and preempt
  | 'tracker-fault'      // a weight-0 tracker failed
  | 'tracker-recovered'
  | 'admin-resign'       // switchover / maintenance
  | 'admin-stop'         // graceful shutdown
  | 'stall'              // the shell reported a stall longer than the down interval
  | 'cloud-outranked';   // the cloud shows a higher-ranked node holding the VIP

export type ElectionEvent =
  | { readonly kind: 'master-seen'; readonly peer: string; readonly priority: number }
  | { readonly kind: 'lower-master-answered'; readonly peer: string }
  | { readonly kind: 'split-brain-suspected'; readonly holder: string }
  | { readonly kind: 'split-brain-cleared' };

/** Snapshot for status, metrics and tests. */
export interface ElectionStatus {
  readonly role: Role;
  readonly basePriority: number;
  readonly effectivePriority: number;
  readonly master: string | null; // node id believed master (self included)
  readonly peers: ReadonlyArray<{ readonly id: string; readonly lastHeardAt: number | null; readonly priority: number | null; readonly role: Role | null }>;
  readonly maintenance: boolean;
  /** Last time an advert from the believed master peer was heard. */
  readonly lastMasterAdvertAt: number | null;
  // Additions below are optional so statuses built elsewhere (fakes in tests) stay valid.
  /** Pending deadlines (monotonic ms), null when not armed. */
  readonly timers?: { readonly downAt: number | null; readonly preemptAt: number | null; readonly nextAdvertAt: number | null };
  /** The other holder the cloud showed while we were MASTER, until cleared. */
  readonly splitBrainHolder?: string | null;
  /** After a cloud-outranked step-down: the node we will not claim against until heard again. */
  readonly claimBlockedBy?: string | null;
  /** After an admin resign: no preemption until the new master is lost. */
  readonly holdAfterResign?: boolean;
}
