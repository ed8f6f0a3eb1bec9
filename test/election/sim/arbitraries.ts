import fc from 'fast-check';
import { masterDownMs, skewMs } from '../../../src/election/timing';
import { isAllowedTransition } from '../../../src/election/transitions';
import type { GroupSpec, MemberSpec, SimCluster } from './cluster';
import type { LinkProfile } from './network';

export const NODE_IDS = ['a', 'b', 'c', 'd'] as const;
export const INTERVAL_MS = 100;
export const TICK_MS = 10;

/** Ties are where bugs live: bias priorities towards a few shared values. */
export const arbPriority = fc.oneof(fc.integer({ min: 1, max: 254 }), fc.constantFrom(1, 100, 100, 200, 254));

export interface GroupShape {
  readonly minMembers?: number;
  readonly maxMembers?: number;
  /** 'on': every member preempts; 'random': each member decides. */
  readonly preempt?: 'on' | 'random';
  readonly maxPreemptDelayMs?: number;
  /**
   * deadAfter 1 leaves only the skew (< 1 interval) as slack for jitter, so it
   * flaps by design once delays vary by more than that; properties about a
   * steady state use 2 or more (see docs/election.md, "jitter budget").
   */
  readonly minDeadAfter?: number;
}

export function arbGroup(name: string, shape: GroupShape = {}): fc.Arbitrary<GroupSpec> {
  const member = fc.record({
    priority: arbPriority,
    preempt: shape.preempt === 'random' ? fc.boolean() : fc.constant(true),
    preemptDelayMs: shape.maxPreemptDelayMs ? fc.oneof(fc.constant(0), fc.integer({ min: 0, max: shape.maxPreemptDelayMs })) : fc.constant(0),
  });
  return fc
    .record({
      ids: fc.shuffledSubarray([...NODE_IDS], { minLength: shape.minMembers ?? 2, maxLength: shape.maxMembers ?? 4 }),
      members: fc.array(member, { minLength: NODE_IDS.length, maxLength: NODE_IDS.length }),
      deadAfter: fc.integer({ min: shape.minDeadAfter ?? 2, max: 4 }),
    })
    .map(({ ids, members, deadAfter }) => ({
      name,
      intervalMs: INTERVAL_MS,
      deadAfter,
      members: ids.map((id, i): MemberSpec => ({ id, ...(members[i] ?? { priority: 100 }) })),
    }));
}

export function arbGroups(shape: GroupShape = {}, maxGroups = 2): fc.Arbitrary<GroupSpec[]> {
  return fc.integer({ min: 1, max: maxGroups }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => arbGroup(`g${i + 1}`, shape))));
}

/** A bad network: loss, duplication, and delays long enough to reorder adverts. */
export const arbChaosLink: fc.Arbitrary<LinkProfile> = fc.record({
  loss: fc.double({ min: 0, max: 0.5, noNaN: true }),
  duplicate: fc.double({ min: 0, max: 0.3, noNaN: true }),
  minDelayMs: fc.constant(0),
  maxDelayMs: fc.integer({ min: 0, max: 2 * INTERVAL_MS }),
});

/** "Quiet": no loss; duplication and small delays (well under an interval) stay. */
export const arbQuietLink: fc.Arbitrary<LinkProfile> = fc.record({
  loss: fc.constant(0),
  duplicate: fc.double({ min: 0, max: 0.3, noNaN: true }),
  minDelayMs: fc.constant(0),
  maxDelayMs: fc.integer({ min: 0, max: INTERVAL_MS / 4 }),
});

export type ChaosOp =
  | { readonly at: number; readonly kind: 'crash' | 'restart' | 'stop'; readonly node: number }
  | { readonly at: number; readonly kind: 'partition'; readonly side: readonly boolean[] }
  | { readonly at: number; readonly kind: 'heal' }
  | { readonly at: number; readonly kind: 'penalty'; readonly node: number; readonly group: number; readonly penalty: number }
  | { readonly at: number; readonly kind: 'pause'; readonly node: number; readonly ms: number };

/** Operations at times within [0, durationMs). Node/group indexes are taken modulo the cluster's sizes. */
export function arbChaos(durationMs: number, opts: { penalties?: boolean; stops?: boolean } = {}): fc.Arbitrary<ChaosOp[]> {
  const at = fc.integer({ min: 0, max: durationMs - 1 });
  const node = fc.nat({ max: 7 });
  const ops: Array<fc.Arbitrary<ChaosOp>> = [
    fc.record({ at, kind: fc.constantFrom('crash' as const, 'restart' as const), node }),
    fc.record({ at, kind: fc.constant('partition' as const), side: fc.array(fc.boolean(), { minLength: NODE_IDS.length, maxLength: NODE_IDS.length }) }),
    fc.record({ at, kind: fc.constant('heal' as const) }),
    fc.record({ at, kind: fc.constant('pause' as const), node, ms: fc.integer({ min: 1, max: 20 * INTERVAL_MS }) }),
  ];
  if (opts.penalties)
    ops.push(fc.record({ at, kind: fc.constant('penalty' as const), node, group: fc.nat({ max: 3 }), penalty: fc.integer({ min: -120, max: 120 }) }));
  if (opts.stops) ops.push(fc.record({ at, kind: fc.constant('stop' as const), node }));
  return fc.array(fc.oneof(...ops), { maxLength: 12 }).map((list) => [...list].sort((x, y) => x.at - y.at));
}

/** Runs the chaos from `start`, then leaves the cluster healed with every node running and unpaused. */
export function applyChaos(sim: SimCluster, start: number, ops: readonly ChaosOp[], durationMs: number): void {
  const ids = sim.nodeIds;
  const pick = (i: number): string => ids[i % ids.length] ?? 'a';
  for (const op of ops) {
    sim.runUntil(start + op.at);
    switch (op.kind) {
      case 'crash':
        sim.crash(pick(op.node));
        break;
      case 'stop':
        sim.stop(pick(op.node));
        break;
      case 'restart':
        if (!sim.isAlive(pick(op.node))) sim.start(pick(op.node));
        break;
      case 'partition': {
        const sideA = ids.filter((_, i) => op.side[i] === true);
        const sideB = ids.filter((_, i) => op.side[i] !== true);
        sim.network.partition(sideA, sideB);
        break;
      }
      case 'heal':
        sim.network.healAll();
        break;
      case 'penalty': {
        const id = pick(op.node);
        const groups = sim.groupsOf(id);
        const group = groups[op.group % groups.length];
        if (group !== undefined && sim.isAlive(id)) sim.input(id, group, (core, now) => core.setHealth({ penalty: op.penalty, fault: false }, now));
        break;
      }
      case 'pause':
        // Keep every stall inside the chaos window, so "quiet" afterwards means quiet.
        sim.pause(pick(op.node), Math.min(op.ms, Math.max(1, start + durationMs - sim.now)));
        break;
    }
  }
  sim.runUntil(start + durationMs);
  sim.network.healAll();
  for (const id of ids) if (!sim.isAlive(id)) sim.start(id);
}

/** The longest master-down interval of any member at its current effective priority. */
export function maxDownMs(sim: SimCluster, group: GroupSpec): number {
  return Math.max(
    ...group.members.map((m) => masterDownMs(sim.isAlive(m.id) ? sim.effectivePriority(m.id, group.name) : m.priority, group.intervalMs, group.deadAfter)),
  );
}

export function downMsOf(sim: SimCluster, id: string, group: GroupSpec): number {
  return masterDownMs(sim.effectivePriority(id, group.name), group.intervalMs, group.deadAfter);
}

export function skewMsOf(sim: SimCluster, id: string, group: GroupSpec): number {
  return skewMs(sim.effectivePriority(id, group.name), group.intervalMs);
}

export function maxPreemptDelay(group: GroupSpec): number {
  return Math.max(0, ...group.members.map((m) => m.preemptDelayMs ?? 0));
}

/** Long enough for every group to settle once the network is quiet: two down intervals plus any preempt delay. */
export function settleMs(sim: SimCluster, groups: readonly GroupSpec[]): number {
  return Math.max(...groups.map((g) => 2 * maxDownMs(sim, g) + maxPreemptDelay(g) + g.intervalMs));
}

export function disallowedTransitions(sim: SimCluster): string[] {
  return sim.transitions.filter((t) => !isAllowedTransition(t.from, t.to, t.reason)).map((t) => `${t.node}/${t.group} ${t.from}->${t.to} ${t.reason}`);
}

export function describeRun(sim: SimCluster, group: string): string {
  return sim.transitions
    .filter((t) => t.group === group)
    .map((t) => `${t.at.toFixed(1)} ${t.node} ${t.from}->${t.to} ${t.reason}${t.peer ? ` (${t.peer})` : ''}`)
    .join('\n');
}
