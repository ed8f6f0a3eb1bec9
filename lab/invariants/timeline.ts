import type { ProbeRecord } from '../netns/probe-analysis';

/**
 * What the invariant monitor saw, sampled from outside the daemons: one
 * sample every ~20 ms. Times are CLOCK_MONOTONIC ms (the probe's origin).
 */

/** A node's condition as the scenario made it: only `up` nodes count as holders and as healthy. */
export type NodeCondition = 'up' | 'frozen' | 'stopped' | 'dead';

export interface Sample {
  readonly t: number;
  /** Per VIP: the nodes whose interface carries it (`ip -j addr`), in node order. */
  readonly os: Readonly<Record<string, readonly string[]>>;
  /** Per VIP: the node the emulated cloud records as holder (null: nobody); absent without a cloud. */
  readonly cloud?: Readonly<Record<string, string | null>>;
  /** Per node: the group's role its control socket reports (null: no answer). */
  readonly daemons: Readonly<Record<string, string | null>>;
  /** Per node: the condition the scenario put it in at this time. */
  readonly nodes: Readonly<Record<string, NodeCondition>>;
}

export interface TimelineEvent {
  readonly t: number;
  readonly what: string;
}

/**
 * A window in which the scenario itself makes a rule unkeepable (a heartbeat
 * partition without a cloud to arbitrate: both sides hold the VIP by
 * design). Time inside it does not count towards that rule's budget; the
 * budget runs again from its end.
 */
export interface Waiver {
  readonly rule: 'dual-holder' | 'cloud-mismatch' | 'no-owner';
  readonly from: number;
  readonly to: number;
  readonly why: string;
}

export interface Timeline {
  readonly waivers?: readonly Waiver[];
  readonly scenario: string;
  readonly provider: string;
  readonly vips: readonly string[];
  readonly samples: readonly Sample[];
  readonly events: readonly TimelineEvent[];
  readonly probe: readonly ProbeRecord[];
}

/** What a scenario allows; every budget in ms. */
export interface InvariantBudgets {
  /** Two up nodes may both carry a VIP for at most this long (one reconcile interval). */
  readonly dualHoldMs: number;
  /** The cloud may name a node that does not carry the VIP for at most this long (the confirmation budget). */
  readonly cloudMismatchMs: number;
  /** A VIP may have no owner for at most this long while some node is up (the failover budget). */
  readonly noOwnerMs: number;
  /** Changes of owner allowed over the whole timeline, per VIP. */
  readonly maxOwnerChanges: number;
}
