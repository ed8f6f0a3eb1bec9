import type { GroupConfig } from '../config/types';
import type { AcquisitionKind } from '../election/acquisition';
import type { AnnounceReason, OutgoingAdvert, Role } from '../election/types';
import type { FailoverPhases } from './failover';

/**
 * What the runtime needs from its collaborators, as narrow structural
 * types: the real classes satisfy them, and runtime tests pass fakes
 * through the constructor (never jest.mock).
 */
export interface AdvertSender {
  /** To every peer of the group, or only to `to`. */
  sendAdvert(groupId: number, advert: OutgoingAdvert, to?: string): void;
  /** One probe of the peer's heartbeat port; a refusal comes back through HeartbeatHandlers.onRefused. */
  probe(groupId: number, peerId: string): void;
}

export type HookEvent = 'master' | 'backup' | 'fault' | 'stop';

export interface HookQueue {
  enqueue(job: { group: string; event: HookEvent; argv: readonly string[] | null; timeoutMs: number; context: Record<string, string> }): void;
  idle(): Promise<void>;
}

export interface GroupHealth {
  readonly penalty: number;
  readonly fault: boolean;
}

export interface TrackerSet {
  start(): void;
  stop(): void;
  health(): GroupHealth;
  /** lastCheckAt: monotonic ms of the latest settled probe; null = not probed yet (counts as down until proven up). */
  status(): ReadonlyArray<{ name: string; type: string; up: boolean; weight: number; lastError: string | null; lastCheckAt?: number | null }>;
  /** Opaque state handed to the next set on reload, so unchanged trackers keep their verdict. */
  carryOver?(): unknown;
}

export type TrackerSetFactory = (group: GroupConfig, onChange: (health: GroupHealth) => void, carryOver?: unknown) => TrackerSet;

export type { FailoverPhases } from './failover';

/** The metrics the runtime reports; the Prometheus implementation lives in metrics/. */
export interface RuntimeMetrics {
  transition(group: string, from: Role, to: Role): void;
  setPriority(group: string, base: number, effective: number): void;
  advertSent(group: string): void;
  advertReceived(group: string): void;
  heartbeatRejected(reason: string): void;
  peerSeen(group: string, peer: string, unixSeconds: number): void;
  /** Failovers only (acquisitionKind 'failover'): the phase histograms; `reason`: the transition reason that made this node MASTER. */
  failover(group: string, phases: FailoverPhases, reason: string): void;
  /** Every completed acquire, by kind, with its duration (cloud + OS). */
  acquired(group: string, kind: AcquisitionKind, ms: number): void;
  peerRefused(group: string, peer: string): void;
  osRepairs(group: string, count: number): void;
  cloudAssignmentMatch(group: string, match: boolean): void;
  splitBrainSuspected(group: string, suspected: boolean): void;
  setTrackers(group: string, trackers: ReadonlyArray<{ readonly name: string; readonly up: boolean }>): void;
  eventLoopLag(seconds: number): void;
  hookFailed(group: string): void;
  maintenance(on: boolean): void;
  /** The group's VIPs announced again after another node claimed it (election `announce` output). */
  reannounce(group: string, reason: AnnounceReason, unixSeconds: number): void;
  /** Reload: labelled series of a new group start at 0; a removed group's series go away. */
  addGroup(group: string, peers: readonly string[], info: { readonly id: number; readonly interface: string; readonly vips: readonly string[] }): void;
  removeGroup(group: string): void;
}

export const noMetrics: RuntimeMetrics = {
  transition: () => undefined,
  setPriority: () => undefined,
  advertSent: () => undefined,
  advertReceived: () => undefined,
  heartbeatRejected: () => undefined,
  peerSeen: () => undefined,
  peerRefused: () => undefined,
  failover: () => undefined,
  acquired: () => undefined,
  osRepairs: () => undefined,
  cloudAssignmentMatch: () => undefined,
  splitBrainSuspected: () => undefined,
  setTrackers: () => undefined,
  eventLoopLag: () => undefined,
  hookFailed: () => undefined,
  maintenance: () => undefined,
  reannounce: () => undefined,
  addGroup: () => undefined,
  removeGroup: () => undefined,
};
