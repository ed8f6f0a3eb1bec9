import type { MasterClaim } from './acquisition';

/**
 * Inputs and outputs of the pure election core (one core per group).
 * The core never reads a clock, a socket or a random source: the shell
 * passes `now` (monotonic ms), and every decision is deterministic.
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
  /**
   * Probe the believed master while BACKUP and claim early when its host
   * refuses the probes (its daemon is gone, the host lives): see
   * docs/election.md, "Refused probes". Off when absent.
   */
  readonly claimOnRefusal?: boolean;
  /** Least time between two re-announcements (announce outputs); default 1000 ms. 0 = no limit. */
  readonly reannounceMinIntervalMs?: number;
  /**
   * After ownerFailed (a permanent error taking or releasing the VIPs): how
   * long the group stays in FAULT before this node competes again; default
   * 30000 ms. One attempt per hold, so a fixed IAM policy heals without a
   * restart and a broken one is not retried in a loop.
   */
  readonly ownerFaultHoldMs?: number;
}

export type ElectionOutput =
  /** `to`: only that peer (a preempted master's resign is for the winner, not a cue for every backup). */
  | { readonly type: 'send'; readonly advert: OutgoingAdvert; readonly to?: string }
  /** While MASTER: the cloud did not show every VIP on this node; run the acquire again (observeCloudHolder). */
  | { readonly type: 'reassert'; readonly holder: string | null; readonly at: number }
  /** Send one probe to this peer's heartbeat port through the socket connected to it (its refusals come back as peerRefused). */
  | { readonly type: 'probe'; readonly peer: string }
  | {
      readonly type: 'transition';
      readonly from: Role;
      readonly to: Role;
      readonly reason: TransitionReason;
      /** The peer whose message caused it, when one did. */
      readonly peer?: string;
      readonly at: number;
      /** Priorities as of this transition (metrics show them), so the shell need not read status(). */
      readonly priority: { readonly base: number; readonly effective: number; readonly maintenance: boolean };
      /** Into MASTER only: the takeover this acquire will serve (failover accounting). */
      readonly claim?: MasterClaim;
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
  | 'master-down' // no advert from a master within the down interval
  | 'peer-resigned' // master sent priority 0
  | 'peer-refused' // the master's host refused our probes twice in a row and its adverts stopped
  | 'preempted' // a higher (or tie-winning) master was heard
  | 'preempting' // we outrank the current master and preempt
  | 'tracker-fault' // a weight-0 tracker failed
  | 'tracker-recovered'
  | 'admin-resign' // switchover / maintenance
  | 'admin-stop' // graceful shutdown
  | 'stall' // nopreempt: back from a stall, another node had claimed meanwhile
  | 'cloud-outranked'; // the cloud shows a higher-ranked node holding the VIP

export type ElectionEvent =
  | { readonly kind: 'master-seen'; readonly peer: string; readonly priority: number }
  /** `newClaim`: the peer was not a live master before this advert, so it claimed since (not one we preempted). */
  | { readonly kind: 'lower-master-answered'; readonly peer: string; readonly newClaim: boolean }
  | { readonly kind: 'split-brain-suspected'; readonly holder: string }
  | { readonly kind: 'split-brain-cleared' }
  /** An authenticated advert came from a peer whose host had refused our probe (a REJECT rule?): its refusals are ignored until this node next changes role. */
  | { readonly kind: 'refusal-contradicted'; readonly peer: string };

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
  readonly timers?: {
    readonly downAt: number | null;
    readonly preemptAt: number | null;
    readonly nextAdvertAt: number | null;
    readonly ownerFaultUntil?: number | null;
    readonly listenUntil?: number | null;
    /** When a BACKUP next probes the believed master's heartbeat port (its next advert's due time). */
    readonly probeAt?: number | null;
  };
  /** The other holder the cloud showed while we were MASTER, until cleared. */
  readonly splitBrainHolder?: string | null;
  /** After a cloud-outranked step-down: the node we will not claim against until heard again. */
  readonly claimBlockedBy?: string | null;
  /** After an admin resign: no preemption until the new master is lost. */
  readonly holdAfterResign?: boolean;
  /** Refused probes: the pending evidence against the believed master, and the peers whose refusals are ignored. */
  readonly refusal?: {
    readonly pending: { readonly peer: string; readonly firstAt: number; readonly confirmed: boolean } | null;
    readonly ignoredPeers: readonly string[];
  };
  /** A peer not heard for longer than this is down (the same window the election judges masters by). */
  readonly peerDownAfterMs?: number;
  /** Why this node is not MASTER right now; null while it is. */
  readonly notMaster?: NotMaster | null;
}

/**
 * Why a node is not MASTER. `outranked`: the live master ranks higher. The
 * others explain a node that would rank higher but does not take over:
 * `held-after-switchover` (it resigned and stays down while the new master
 * lives), `nopreempt`, `preempt-delay` (until `untilAt`), `maintenance`,
 * `cloud-outranked` (the cloud showed `peer` holding the VIPs), `fault`,
 * `waiting` (no live master: claims at `untilAt` unless one is heard),
 * `starting`, `stopped`.
 */
export interface NotMaster {
  readonly reason:
    'outranked' | 'held-after-switchover' | 'nopreempt' | 'preempt-delay' | 'maintenance' | 'cloud-outranked' | 'fault' | 'waiting' | 'starting' | 'stopped';
  readonly peer: string | null;
  readonly untilAt: number | null;
}
