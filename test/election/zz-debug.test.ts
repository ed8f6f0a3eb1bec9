import { SimCluster } from './sim/cluster';
import { describeRun, settleMs, TICK_MS, maxDownMs } from './sim/arbitraries';

it('debug cloud', () => {
  const g = {"name":"g1","intervalMs":100,"deadAfter":2,"members":[{"id":"d","priority":1,"preempt":false,"preemptDelayMs":0},{"id":"a","priority":1,"preempt":true,"preemptDelayMs":0}]};
  const cloud = {"acquireMinMs":98,"acquireMaxMs":313,"verifyEveryMs":51};
  const sim = new SimCluster({ groups: [g], tickMs: TICK_MS, seed: 680760975, link: {"loss":0,"duplicate":0,"minDelayMs":0,"maxDelayMs":1}, cloud });
  const st = () => settleMs(sim, [g]) + 2 * (cloud.acquireMaxMs + cloud.verifyEveryMs);
  sim.startAll(); sim.runFor(st());
  console.log('master', sim.masters('g1'), sim.cloudHolder('g1'), sim.now);
  const p = sim.now;
  sim.network.partition(['d'], ['a']);
  sim.runFor(1 * maxDownMs(sim, g));
  console.log('heal', sim.now);
  sim.network.healAll();
  sim.runFor(st());
  console.log(describeRun(sim, 'g1'));
  console.log(sim.holderChanges.map(x => `${x.at.toFixed(1)} ${x.holder}`).join('\n'), p);
  console.log(sim.events.map(e => `${e.at.toFixed(1)} ${e.node} ${JSON.stringify(e.event)}`).join('\n'));
});
