import { ControlClient } from '../../src/control/client';
import { masterDownMs } from '../../src/election/timing';
import type { Lab } from '../../lab/netns/lab';
import { HEARTBEAT_PORT, SCENARIO_GROUP, scenarioPriority } from '../../lab/scenario/config';
import type { DaemonStatus } from '../../src/runtime/daemon';
import { ensureBuilt } from '../support/build';
import { describeLab } from '../support/lab-guard';
import { eventually, newLab } from '../support/lab';
import { LabVipd } from '../support/lab-vipd';
import type { LogLine } from '../support/vipd-process';

/**
 * Refused probes with real vipd processes (issue 13): kill -9 of the
 * master's daemon while its host and link stay up, and the cases that must
 * not change: a firewall REJECT in front of a live master, a DROP rule.
 * Assertions are on the path each daemon says it took (transition reason,
 * its own detection time against the down interval it would otherwise have
 * waited), never on a wall-clock bound.
 */
jest.setTimeout(120_000);

const GROUP = SCENARIO_GROUP;
const CONTRADICTED = 'refused our probe yet its adverts arrive';

type Family = 4 | 6;

async function status(d: LabVipd, i: number): Promise<DaemonStatus> {
  return (await new ControlClient(d.socket(i)).call('status', {}, 5000)) as DaemonStatus;
}

function since(d: LabVipd, i: number, from: number): LogLine[] {
  return d.get(i).lines.slice(from);
}

describeLab("refused probes: the master's daemon dies on a live host (real vipd processes, namespace lab)", () => {
  let lab: Lab;
  let d: LabVipd | null = null;

  // A fresh lab per test: the kernel's ICMP rate limit is per destination and lives in the
  // namespace (docs/election.md, "The kernel's ICMP rate limit"). A previous test's master sending
  // adverts to a dead daemon drains n1's bucket for n2, and the next kill -9 then gets no refusal.
  beforeAll(() => ensureBuilt());
  beforeEach(async () => {
    lab = await newLab({ nodes: 2, ipv6: true });
  });
  afterEach(async () => {
    await d?.destroy();
    d = null;
    await lab?.teardown();
  });

  /** n1 (priority 200) MASTER holding the VIP, n2 (100) BACKUP that has heard n1 as master; heartbeats over `family`. */
  async function pair(intervalMs: number, family: Family): Promise<LabVipd> {
    const v = new LabVipd(lab, 2, intervalMs, (doc, i) => {
      if (family === 4) return;
      const other = 3 - i;
      (doc['heartbeat'] as Record<string, unknown>)['bind'] = lab.nodeIp6(i);
      (doc.groups[0] as Record<string, unknown>)['peers'] = [{ id: `n${other}`, address: lab.nodeIp6(other) }];
    });
    d = v;
    v.start(1);
    await v.get(1).waitForRole(GROUP, 'MASTER');
    await v.get(1).waitFor((l) => l.event === 'vips-ready', 20_000, 'vips ready on n1');
    v.start(2);
    await v.get(2).waitForRole(GROUP, 'BACKUP');
    await eventually(async () => (await status(v, 2)).groups[0]?.election.master === 'n1', 'n2 to believe n1 is master');
    return v;
  }

  async function killMaster(v: LabVipd): Promise<number> {
    const from = v.get(2).lines.length;
    v.get(1).signal('SIGKILL');
    expect((await v.get(1).wait()).signal).toBe('SIGKILL');
    return from;
  }

  async function takeover(v: LabVipd, from: number): Promise<{ reason: unknown; detectionMs: number }> {
    const t = await v.get(2).waitForRole(GROUP, 'MASTER', { after: from, timeoutMs: 30_000 });
    const ready = await v.get(2).waitFor((l) => v.get(2).lines.indexOf(l) >= from && l.event === 'vips-ready', 30_000, 'vips ready on n2');
    const detectionMs = (ready['phases'] as { detectionMs: number }).detectionMs;
    return { reason: t['reason'], detectionMs };
  }

  const downMs = (intervalMs: number): number => masterDownMs(scenarioPriority(2, 2), intervalMs, 3);

  it.each([
    [1000, 4],
    [100, 4],
    [100, 6],
  ] as const)(
    'kill -9 at %i ms over IPv%i: the backup takes over on the refusals (peer-refused), before the down timer could fire',
    async (intervalMs, family) => {
      // At 100 ms a starved machine can delay the dead socket's close or the refusal past the overdue
      // point, and then the timer path decides first (correctly). A trial is repeated, at most three
      // times, until the refusal path is seen; every trial must still end in one clean takeover.
      let v = await pair(intervalMs, family);
      let t = await takeover(v, await killMaster(v));
      for (let attempt = 1; attempt < 3 && t.reason !== 'peer-refused'; attempt++) {
        expect(t.reason).toBe('master-down');
        await d?.destroy();
        v = await pair(intervalMs, family);
        t = await takeover(v, await killMaster(v));
      }
      expect(t.reason).toBe('peer-refused');
      // Measured by n2 from n1's last advert: the timer path could not decide before the down interval.
      expect(t.detectionMs).toBeLessThan(downMs(intervalMs));
      const s = await status(v, 2);
      expect(s.groups[0]?.lastFailover).toMatchObject({ reason: 'peer-refused', previousMaster: 'n1' });
      expect(s.groups[0]?.ownership).toMatchObject({ wanted: 'active', applied: 'active' });
      // Recorded for the report (docs/election.md states the bound: 1.1 intervals plus the acquire).
      process.stdout.write(`refused-probe takeover at ${intervalMs} ms IPv${family}: detection ${t.detectionMs.toFixed(1)} ms\n`);
    },
  );

  it("a REJECT rule on the live master's heartbeat port: refusals and adverts together, no takeover and no flap; a later kill -9 takes the timer path", async () => {
    const v = await pair(100, 4);
    const from1 = v.get(1).lines.length;
    const from2 = v.get(2).lines.length;
    await lab.run(lab.nodeNs(1), ['iptables', '-I', 'INPUT', '-p', 'udp', '--dport', String(HEARTBEAT_PORT), '-j', 'REJECT']);
    await v.get(2).waitFor((l) => typeof l.msg === 'string' && l.msg.includes(CONTRADICTED), 20_000, 'the refusals to be recognised as a firewall');
    // Thirty intervals with the rule in place: nothing moves on either node.
    await new Promise((r) => setTimeout(r, 3000));
    expect(since(v, 1, from1).filter((l) => l.event === 'transition')).toEqual([]);
    expect(since(v, 2, from2).filter((l) => l.event === 'transition')).toEqual([]);
    expect((await status(v, 2)).groups[0]?.election.refusal?.ignoredPeers).toEqual(['n1']);

    const from = await killMaster(v);
    expect((await takeover(v, from)).reason).toBe('master-down');
  });

  it("a DROP rule on the master's heartbeat port (no ICMP): kill -9 takes the timer path, unchanged", async () => {
    const v = await pair(100, 4);
    await lab.run(lab.nodeNs(1), ['iptables', '-I', 'INPUT', '-p', 'udp', '--dport', String(HEARTBEAT_PORT), '-j', 'DROP']);
    const from = await killMaster(v);
    const t = await takeover(v, from);
    expect(t.reason).toBe('master-down');
    expect(since(v, 2, from).some((l) => typeof l.msg === 'string' && l.msg.includes(CONTRADICTED))).toBe(false);
  });
});
