import fc from 'fast-check';
import { SimCluster } from './sim/cluster';
import { arbGroup, arbQuietLink, settleMs, TICK_MS, maxDownMs, describeRun } from './sim/arbitraries';

it('3-node cloud stop', () => {
  let maxLast = 0;
  const lastMoves: number[] = [];
  fc.assert(fc.property(arbGroup('g1', { minMembers: 3, maxMembers: 4, preempt: 'random' }), fc.integer({min:0,max:2**31-1}), arbQuietLink,
    fc.record({ min: fc.integer({ min: 10, max: 300 }), extra: fc.integer({ min: 0, max: 500 }), verify: fc.integer({ min: 50, max: 500 }) }), fc.nat(), fc.array(fc.boolean(), {minLength: 4, maxLength: 4}),
    (g, seed, link, c, iso, side) => {
    const cloud = { acquireMinMs: c.min, acquireMaxMs: c.min + c.extra, verifyEveryMs: c.verify };
    const sim = new SimCluster({ groups: [g], tickMs: TICK_MS, seed, link, cloud });
    const st = () => settleMs(sim, [g]) + 2 * (cloud.acquireMaxMs + cloud.verifyEveryMs);
    sim.startAll(); sim.runFor(st());
    const p = sim.now;
    const ids = g.members.map(m => m.id);
    sim.network.partition(ids.filter((_, i) => side[i]), ids.filter((_, i) => !side[i]));
    sim.runFor(200 * 100);
    const last = sim.holderChanges.filter(x => x.at >= p).map(x => x.at - p);
    const l = last.length ? Math.max(...last) : 0;
    lastMoves.push(l);
    if (l > maxLast) maxLast = l;
    if (l > 15000) { console.log(JSON.stringify([g, seed, link, cloud, side])); console.log(describeRun(sim,'g1')); return false; }
    return true;
  }), { numRuns: 2000, endOnFailure: true });
  lastMoves.sort((a,b)=>a-b);
  console.log(maxLast, lastMoves[Math.floor(lastMoves.length*0.99)]);
});
