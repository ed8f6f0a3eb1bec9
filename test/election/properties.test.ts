import fc from 'fast-check';
import type { GroupSpec } from './sim/cluster';
import { SimCluster } from './sim/cluster';
import type { LinkProfile } from './sim/network';
import { REFUSAL_OVERDUE_FRACTION, REFUSAL_PROBE_FRACTION } from '../../src/election/refusal';
import {
  INTERVAL_MS,
  TICK_MS,
  applyChaos,
  arbChaos,
  arbChaosLink,
  arbGroup,
  arbGroups,
  arbQuietLink,
  describeRun,
  disallowedTransitions,
  downMsOf,
  maxDownMs,
  settleMs,
  skewMsOf,
} from './sim/arbitraries';

/**
 * Properties over random schedules of the simulated cluster. Each run is
 * fully determined by the generated values (the seed included), so a
 * failure prints a counterexample that replays exactly.
 */
// ELECTION_RUNS raises the count for a deeper local search; the default keeps the suite quick.
const RUNS = Number(process.env.VIPD_PROP_RUNS ?? 0) || Number(process.env.ELECTION_RUNS ?? 300);
const CHAOS_MS = 30 * INTERVAL_MS;
const arbSeed = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const arbSmallDelay = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 20 }));

function converge(sim: SimCluster, groups: readonly GroupSpec[]): void {
  sim.startAll();
  sim.runFor(settleMs(sim, groups));
}

describe('election properties (simulated cluster)', () => {
  it('(1) after chaos, once connected and quiet for two down intervals, each group has exactly one master: the top-ranked', () => {
    fc.assert(
      fc.property(
        arbGroups({ preempt: 'on', maxPreemptDelayMs: 2 * INTERVAL_MS }),
        arbSeed,
        arbChaosLink,
        arbQuietLink,
        arbChaos(CHAOS_MS, { penalties: true, stops: true }),
        (groups, seed, chaos, quiet, ops) => {
          const sim = new SimCluster({ groups, tickMs: TICK_MS, seed, link: chaos });
          sim.startAll();
          applyChaos(sim, 0, ops, CHAOS_MS);
          sim.network.setProfile(quiet);
          sim.runFor(settleMs(sim, groups));
          for (const g of groups) {
            expect({ group: g.name, masters: sim.masters(g.name), log: describeRun(sim, g.name) }).toEqual({
              group: g.name,
              masters: [sim.expectedWinner(g.name)],
              log: describeRun(sim, g.name),
            });
          }
          expect(disallowedTransitions(sim)).toEqual([]);
        },
      ),
      { numRuns: RUNS, ...(process.env.VIPD_PROP_SEED ? { seed: Number(process.env.VIPD_PROP_SEED), path: process.env.VIPD_PROP_PATH } : {}) },
    );
  });

  it('(2) after the master crashes, a new master exists within one down interval plus one tick', () => {
    fc.assert(
      fc.property(arbGroups({ preempt: 'random' }), arbSeed, arbSmallDelay, fc.integer({ min: 0, max: INTERVAL_MS - 1 }), (groups, seed, maxDelay, offset) => {
        const sim = new SimCluster({ groups, tickMs: TICK_MS, seed, link: { loss: 0, duplicate: 0, minDelayMs: 0, maxDelayMs: maxDelay } });
        converge(sim, groups);
        const g = groups[0] as GroupSpec;
        const [master, ...others] = sim.masters(g.name);
        expect(others).toEqual([]);
        sim.runFor(offset);
        sim.crash(master as string);
        const crashedAt = sim.now;
        const best = sim.expectedWinner(g.name) as string;
        // The best backup heard the last advert at most maxDelay after the crash and claims at its first tick after its timer.
        const bound = crashedAt + maxDelay + downMsOf(sim, best, g) + TICK_MS;
        const at = sim.runUntilTrue(() => sim.masters(g.name).length > 0, bound);
        expect({ at, bound }).toEqual({ at: expect.any(Number), bound });
      }),
      { numRuns: RUNS, ...(process.env.VIPD_PROP_SEED ? { seed: Number(process.env.VIPD_PROP_SEED), path: process.env.VIPD_PROP_PATH } : {}) },
    );
  });

  it('(3) with static priorities and no loss, nothing transitions after convergence (no flapping)', () => {
    fc.assert(
      fc.property(
        arbGroups({ preempt: 'random', maxPreemptDelayMs: 3 * INTERVAL_MS }),
        arbSeed,
        arbQuietLink,
        fc.array(fc.integer({ min: 0, max: 5 * INTERVAL_MS }), { minLength: 4, maxLength: 4 }),
        (groups, seed, link, startTimes) => {
          const sim = new SimCluster({ groups, tickMs: TICK_MS, seed, link });
          const order = sim.nodeIds.map((id, i) => ({ id, at: startTimes[i] ?? 0 })).sort((x, y) => x.at - y.at);
          for (const { id, at } of order) {
            sim.runUntil(at);
            sim.start(id);
          }
          sim.runFor(settleMs(sim, groups));
          const convergedAt = sim.now;
          sim.runFor(30 * INTERVAL_MS);
          expect(sim.transitionsSince(convergedAt)).toEqual([]);
          for (const g of groups) expect(sim.masters(g.name)).toHaveLength(1);
        },
      ),
      { numRuns: RUNS, ...(process.env.VIPD_PROP_SEED ? { seed: Number(process.env.VIPD_PROP_SEED), path: process.env.VIPD_PROP_PATH } : {}) },
    );
  });

  it('(4) a graceful stop hands over within the best backup skew plus one tick', () => {
    fc.assert(
      fc.property(arbGroups({ preempt: 'random' }), arbSeed, arbSmallDelay, fc.integer({ min: 0, max: INTERVAL_MS - 1 }), (groups, seed, maxDelay, offset) => {
        const sim = new SimCluster({ groups, tickMs: TICK_MS, seed, link: { loss: 0, duplicate: 0, minDelayMs: 0, maxDelayMs: maxDelay } });
        converge(sim, groups);
        const g = groups[0] as GroupSpec;
        const [master] = sim.masters(g.name);
        sim.runFor(offset);
        sim.stop(master as string);
        const stoppedAt = sim.now;
        const best = sim.expectedWinner(g.name) as string;
        const bound = stoppedAt + maxDelay + skewMsOf(sim, best, g) + TICK_MS;
        const at = sim.runUntilTrue(() => sim.masters(g.name).length > 0, bound);
        expect({ at, bound }).toEqual({ at: expect.any(Number), bound });
        sim.runFor(settleMs(sim, groups));
        expect(sim.masters(g.name)).toHaveLength(1);
      }),
      { numRuns: RUNS, ...(process.env.VIPD_PROP_SEED ? { seed: Number(process.env.VIPD_PROP_SEED), path: process.env.VIPD_PROP_PATH } : {}) },
    );
  });

  it('(5) after partitions and stalls heal, the link follows the one master (it announced again after every other claim), never as a storm', () => {
    fc.assert(
      fc.property(
        arbGroups({ preempt: 'on', maxPreemptDelayMs: 2 * INTERVAL_MS }),
        arbSeed,
        arbQuietLink,
        arbChaos(CHAOS_MS),
        fc.constantFrom(0, INTERVAL_MS, 10 * INTERVAL_MS),
        (groups, seed, link, rawOps, minGap) => {
          // Partitions and stalls: what makes two nodes hold a group at once. No loss and no crash, so a
          // claim either reaches the final master or comes from a node it hears again afterwards.
          const ops = rawOps.filter((o) => o.kind === 'partition' || o.kind === 'heal' || o.kind === 'pause');
          const sim = new SimCluster({ groups, tickMs: TICK_MS, seed, link, reannounceMinIntervalMs: minGap });
          sim.startAll();
          applyChaos(sim, 0, ops, CHAOS_MS);
          sim.runFor(settleMs(sim, groups) + minGap);
          for (const g of groups) {
            expect({ group: g.name, linkOwner: sim.linkOwner(g.name), log: describeRun(sim, g.name) }).toEqual({
              group: g.name,
              linkOwner: sim.masters(g.name)[0],
              log: describeRun(sim, g.name),
            });
          }
          expect(sim.announces.filter((a) => a.role !== 'MASTER')).toEqual([]);
          for (const node of sim.nodeIds) {
            for (const g of groups) {
              const times = sim.announces.filter((a) => a.node === node && a.group === g.name).map((a) => a.at);
              const tooClose = times.filter((t, i) => i > 0 && t - (times[i - 1] ?? -Infinity) < minGap);
              expect({ node, group: g.name, tooClose }).toEqual({ node, group: g.name, tooClose: [] });
            }
          }
        },
      ),
      {
        numRuns: RUNS,
        // Found by CI (seed -2012450107): b, paused right after it claimed, announced on resuming and only
        // then stepped the queued adverts that made it step down, leaving the link on itself.
        examples: [
          [
            [
              {
                name: 'g1',
                intervalMs: 100,
                deadAfter: 2,
                members: [
                  { id: 'c', priority: 100, preempt: true, preemptDelayMs: 0 },
                  { id: 'b', priority: 1, preempt: true, preemptDelayMs: 0 },
                  { id: 'd', priority: 101, preempt: true, preemptDelayMs: 0 },
                ],
              },
              {
                name: 'g2',
                intervalMs: 100,
                deadAfter: 2,
                members: [
                  { id: 'd', priority: 1, preempt: true, preemptDelayMs: 0 },
                  { id: 'c', priority: 1, preempt: true, preemptDelayMs: 0 },
                ],
              },
            ],
            0,
            { loss: 0, duplicate: 0, minDelayMs: 0, maxDelayMs: 0 },
            [
              { at: 0, kind: 'pause', node: 5, ms: 363 },
              { at: 0, kind: 'partition', side: [true, false, false, false] },
              { at: 300, kind: 'heal' },
              { at: 300, kind: 'pause', node: 4, ms: 64 },
            ],
            0,
          ],
        ],
        ...(process.env.VIPD_PROP_SEED ? { seed: Number(process.env.VIPD_PROP_SEED), path: process.env.VIPD_PROP_PATH } : {}),
      },
    );
  });

  it('a node in maintenance never becomes master, whatever happens', () => {
    fc.assert(
      fc.property(arbGroups({ preempt: 'random' }), arbSeed, arbChaosLink, arbQuietLink, arbChaos(CHAOS_MS), fc.nat(), (raw, seed, chaos, quiet, ops, pick) => {
        const first = raw[0] as GroupSpec;
        const held = first.members[pick % first.members.length]?.id as string;
        const groups = raw.map((g) => ({ ...g, members: g.members.map((m) => ({ ...m, maintenance: m.id === held })) }));
        const sim = new SimCluster({ groups, tickMs: TICK_MS, seed, link: chaos });
        sim.startAll();
        applyChaos(sim, 0, ops, CHAOS_MS);
        sim.network.setProfile(quiet);
        sim.runFor(settleMs(sim, groups));
        expect(sim.transitions.filter((t) => t.node === held && t.to === 'MASTER')).toEqual([]);
        for (const g of groups) expect(sim.masters(g.name)).toHaveLength(1);
      }),
      { numRuns: RUNS, ...(process.env.VIPD_PROP_SEED ? { seed: Number(process.env.VIPD_PROP_SEED), path: process.env.VIPD_PROP_PATH } : {}) },
    );
  });

  it('a switchover sticks while the new master lives, and ends when it is lost', () => {
    fc.assert(
      fc.property(arbGroup('g1', { preempt: 'on', maxPreemptDelayMs: INTERVAL_MS }), arbSeed, arbSmallDelay, (g, seed, maxDelay) => {
        const sim = new SimCluster({ groups: [g], tickMs: TICK_MS, seed, link: { loss: 0, duplicate: 0.1, minDelayMs: 0, maxDelayMs: maxDelay } });
        converge(sim, [g]);
        const [old] = sim.masters('g1');
        sim.input(old as string, 'g1', (core, now) => core.resign(now));
        const resignedAt = sim.now;
        sim.runFor(settleMs(sim, [g]));
        const [successor, ...more] = sim.masters('g1');
        expect(more).toEqual([]);
        expect(successor).not.toBe(old);
        const settledAt = sim.now;
        sim.runFor(30 * INTERVAL_MS);
        expect(sim.transitionsSince(settledAt)).toEqual([]);
        expect(sim.transitionsSince(resignedAt).filter((t) => t.node === old && t.to === 'MASTER')).toEqual([]);
        // Losing the successor ends the hold: the group converges to its top again.
        sim.crash(successor as string);
        sim.runFor(settleMs(sim, [g]));
        expect(sim.masters('g1')).toEqual([sim.expectedWinner('g1')]);
      }),
      { numRuns: RUNS, ...(process.env.VIPD_PROP_SEED ? { seed: Number(process.env.VIPD_PROP_SEED), path: process.env.VIPD_PROP_PATH } : {}) },
    );
  });

  describe('(6) a master frozen (SIGSTOP, VM pause) and resumed', () => {
    /** Small delays well under the listen window (one interval), duplication, no loss. */
    const arbStallLink = fc.record({
      loss: fc.constant(0),
      duplicate: fc.double({ min: 0, max: 0.3, noNaN: true }),
      minDelayMs: fc.constant(0),
      maxDelayMs: fc.integer({ min: 0, max: 20 }),
    });

    interface PausedRun {
      readonly sim: SimCluster;
      readonly paused: string;
      readonly preempt: boolean;
      readonly pausedAt: number;
      /** The group had no master at some moment after the pause began. */
      readonly leaderless: boolean;
    }

    function pauseTheMaster(g: GroupSpec, seed: number, link: LinkProfile, pauseMs: (sim: SimCluster) => number, alone: boolean): PausedRun {
      const sim = new SimCluster({ groups: [g], tickMs: TICK_MS, seed, link });
      converge(sim, [g]);
      const [paused, ...more] = sim.masters(g.name);
      expect(more).toEqual([]);
      if (alone) for (const id of sim.nodeIds) if (id !== paused) sim.crash(id);
      const ms = pauseMs(sim);
      const pausedAt = sim.now;
      sim.pause(paused as string, ms);
      const end = pausedAt + ms + settleMs(sim, [g]);
      const leaderless = sim.runUntilTrue(() => sim.masters(g.name).length === 0, end) !== null;
      sim.runUntil(end);
      return { sim, paused: paused as string, preempt: g.members.find((m) => m.id === paused)?.preempt ?? true, pausedAt, leaderless };
    }

    /** How often the paused node got the group back from a node that claimed after the pause began. */
    function handBacks({ sim, paused, pausedAt }: PausedRun, group: string): number {
      const after = sim.transitionsSince(pausedAt, group);
      const othersClaimed = after.some((t) => t.node !== paused && t.to === 'MASTER');
      const reentries = after.filter((t) => t.node === paused && t.to === 'MASTER').length;
      const left = after.some((t) => t.node === paused && t.from === 'MASTER');
      // Never having left while another node claimed means it made that node step down: a hand-back too.
      return reentries + (othersClaimed && !left ? 1 : 0);
    }

    it("for longer than every backup's down interval: the best backup takes over; nopreempt never takes it back, preempt at most once", () => {
      fc.assert(
        fc.property(arbGroup('g1', { preempt: 'random' }), arbSeed, arbStallLink, fc.integer({ min: 0, max: 4 * 1000 }), (g, seed, link, extra) => {
          const run = pauseTheMaster(g, seed, link, (sim) => maxDownMs(sim, g) + 2 * INTERVAL_MS + extra, false);
          const { sim, paused, preempt, leaderless } = run;
          const masters = sim.masters('g1');
          const log = describeRun(sim, 'g1');
          expect({ masters: masters.length, leaderless, log }).toEqual({ masters: 1, leaderless: false, log });
          expect({ handBacks: handBacks(run, 'g1') <= (preempt ? 1 : 0), log }).toEqual({ handBacks: true, log });
          if (!preempt) expect({ final: masters[0] !== paused, log }).toEqual({ final: true, log });
          expect(disallowedTransitions(sim)).toEqual([]);
        }),
        { numRuns: RUNS, ...(process.env.VIPD_PROP_SEED ? { seed: Number(process.env.VIPD_PROP_SEED), path: process.env.VIPD_PROP_PATH } : {}) },
      );
    });

    it('for any length, alone or not: never two nodes stepping down (no moment without a master), one master at the end; alone it stays MASTER', () => {
      fc.assert(
        fc.property(
          arbGroup('g1', { preempt: 'random' }),
          arbSeed,
          arbStallLink,
          fc.integer({ min: 1, max: 5 * 4 * INTERVAL_MS }),
          fc.boolean(),
          (g, seed, link, ms, alone) => {
            const run = pauseTheMaster(g, seed, link, () => ms, alone);
            const { sim, paused, preempt, pausedAt, leaderless } = run;
            const log = describeRun(sim, 'g1');
            expect({ masters: sim.masters('g1').length, leaderless, log }).toEqual({ masters: 1, leaderless: false, log });
            // A nopreempt node that stepped down for a peer that claimed meanwhile never comes back while it lives.
            if (!preempt)
              expect({ reentries: sim.transitionsSince(pausedAt, 'g1').filter((t) => t.node === paused && t.to === 'MASTER'), log }).toEqual({
                reentries: [],
                log,
              });
            if (alone)
              expect({ transitions: sim.transitionsSince(pausedAt, 'g1'), masters: sim.masters('g1') }).toEqual({ transitions: [], masters: [paused] });
            expect(disallowedTransitions(sim)).toEqual([]);
          },
        ),
        { numRuns: RUNS, ...(process.env.VIPD_PROP_SEED ? { seed: Number(process.env.VIPD_PROP_SEED), path: process.env.VIPD_PROP_PATH } : {}) },
      );
    });
  });

  describe('refused probes (claimOnRefusal)', () => {
    const arbJitter = fc.integer({ min: 0, max: 5 });
    const arbPhase = fc.integer({ min: 0, max: INTERVAL_MS - 1 });

    it("refusals while the master's adverts arrive (a REJECT rule on its port) never cause a claim", () => {
      fc.assert(
        fc.property(arbGroup('g1'), arbSeed, arbJitter, arbPhase, (g, seed, maxDelay, phase) => {
          const sim = new SimCluster({
            groups: [g],
            tickMs: TICK_MS,
            seed,
            claimOnRefusal: true,
            link: { loss: 0, duplicate: 0.1, minDelayMs: 0, maxDelayMs: maxDelay },
          });
          converge(sim, [g]);
          const [master] = sim.masters('g1');
          sim.runFor(phase);
          const from = sim.now;
          sim.setRejecting(master as string, true);
          sim.runFor(30 * INTERVAL_MS);
          // The refusals did arrive (the property is not vacuous), and changed nothing.
          expect(sim.refusals.filter((r) => r.at >= from).length).toBeGreaterThan(0);
          expect(sim.transitionsSince(from)).toEqual([]);
          expect(sim.masters('g1')).toEqual([master]);
        }),
        { numRuns: RUNS, ...(process.env.VIPD_PROP_SEED ? { seed: Number(process.env.VIPD_PROP_SEED), path: process.env.VIPD_PROP_PATH } : {}) },
      );
    });

    it("two refusals after the master's adverts stopped cause a claim within one tick of its advert being overdue (or of the due probe's answers)", () => {
      fc.assert(
        fc.property(arbGroup('g1'), arbSeed, fc.integer({ min: 0, max: 2 }), arbPhase, (g, seed, maxDelay, phase) => {
          const sim = new SimCluster({
            groups: [g],
            tickMs: TICK_MS,
            seed,
            claimOnRefusal: true,
            link: { loss: 0, duplicate: 0, minDelayMs: 0, maxDelayMs: maxDelay },
          });
          converge(sim, [g]);
          const [master] = sim.masters('g1') as [string];
          sim.runFor(phase);
          const crashedAt = sim.now;
          sim.crash(master, { hostUp: true });
          const next = sim.expectedWinner('g1');
          sim.runFor(downMsOf(sim, next as string, g) + INTERVAL_MS);
          // The best backup claims first (the others keep their down timer), and nobody else claims.
          const claims = sim.transitionsSince(crashedAt).filter((t) => t.to === 'MASTER');
          const claim = claims[0];
          expect(claims.map((t) => t.node)).toEqual([next]);
          let lastHeard = -Infinity;
          sim.input(next as string, 'g1', (core, now) => {
            lastHeard = core.status(now).peers.find((p) => p.id === master)?.lastHeardAt ?? -Infinity;
          });
          const refusals = sim.refusals.filter((r) => r.at >= crashedAt && r.node === next);
          expect(refusals.length).toBeGreaterThanOrEqual(2);
          const [, second] = refusals as [(typeof refusals)[0], (typeof refusals)[0]];
          const due = Math.max(second.at, lastHeard + (1 + REFUSAL_OVERDUE_FRACTION) * g.intervalMs);
          expect({ node: claim?.node, reason: claim?.reason }).toEqual({ node: next, reason: 'peer-refused' });
          expect(claim?.at).toBeLessThanOrEqual(due + TICK_MS);
          // The backup probes when the master's advert falls due, whatever the phase of the crash or of
          // its own heartbeats: the claim comes at the overdue point, or as soon as that probe and its
          // re-probe are answered (two round trips on the link, each way up to maxDelay) when those
          // take longer than the margin left after the due probe.
          const dueProbeAt = lastHeard + (1 + REFUSAL_PROBE_FRACTION) * g.intervalMs;
          const answeredBy = dueProbeAt + TICK_MS + 4 * maxDelay;
          expect(claim?.at).toBeLessThanOrEqual(Math.max(lastHeard + (1 + REFUSAL_OVERDUE_FRACTION) * g.intervalMs, answeredBy) + TICK_MS);
          expect(sim.masters('g1')).toEqual([next]);
        }),
        { numRuns: RUNS, ...(process.env.VIPD_PROP_SEED ? { seed: Number(process.env.VIPD_PROP_SEED), path: process.env.VIPD_PROP_PATH } : {}) },
      );
    });
  });
});
