import { spawnSync } from 'node:child_process';
import { Lab } from '../../../lab/netns/lab';
import { labPrefix, parseNetnsList } from '../../../lab/netns/names';
import { analyzeOutage } from '../../../lab/netns/probe-analysis';
import { NodeProcessSpawner } from '../../../lab/netns/spawner';
import { sweepLeftovers } from '../../../lab/netns/sweep';
import { silentLogger } from '../../../src/util/logger';
import { ensureBuilt } from '../../support/build';
import { describeLab } from '../../support/lab-guard';
import { eventually, hostRunner, newLab } from '../../support/lab';

jest.setTimeout(180_000);

async function namespaces(): Promise<string[]> {
  return parseNetnsList((await hostRunner.run('ip', ['netns', 'list'])).stdout);
}

async function pingOk(lab: Lab, ns: string, target: string): Promise<boolean> {
  return (await lab.run(ns, ['ping', '-n', '-c', '1', '-W', '2', target])).exitCode === 0;
}

describeLab('lab: namespaces, reachability, teardown', () => {
  let lab: Lab | null = null;
  beforeAll(() => ensureBuilt());
  afterEach(async () => {
    await lab?.teardown();
    lab = null;
  });

  it('builds fabric, nodes and client with no route out, and removes everything on teardown', async () => {
    lab = await newLab({ nodes: 2 });
    const ours = (await namespaces()).filter((n) => n.startsWith(lab?.prefix ?? '?'));
    expect(ours.sort()).toEqual(lab.namespaces.sort());
    expect(await pingOk(lab, lab.clientNs, lab.nodeIp(1))).toBe(true);
    expect(await pingOk(lab, lab.clientNs, lab.nodeIp(2))).toBe(true);
    expect(await pingOk(lab, lab.nodeNs(2), lab.nodeIp(1))).toBe(true);
    // The fabric has no default route and nothing lives in the host namespace.
    expect(await lab.ipJson(lab.fabricNs, ['route', 'show', 'default'])).toEqual([]);
    const hostLinks = (await hostRunner.run('ip', ['-json', 'link', 'show'])).stdout;
    expect(hostLinks).not.toContain('"p-n1"');
    const prefix = lab.prefix;
    // A process left running inside a namespace is killed by teardown.
    const sleeper = lab.spawnInNode(1, ['sleep', '600']);
    await eventually(async () => (await hostRunner.run('ip', ['netns', 'pids', lab?.nodeNs(1) ?? ''])).stdout.trim() !== '', 'sleep to start');
    await lab.teardown();
    lab = null;
    expect((await sleeper.wait()).signal).toBe('SIGKILL');
    expect((await namespaces()).filter((n) => n.startsWith(prefix))).toEqual([]);
  });

  it('cuts a node from the fabric side and restores it with its routes intact', async () => {
    lab = await newLab({ nodes: 2 });
    await lab.cutNode(1);
    expect(await pingOk(lab, lab.clientNs, lab.nodeIp(1))).toBe(false);
    expect(await pingOk(lab, lab.clientNs, lab.nodeIp(2))).toBe(true);
    await lab.restoreNode(1);
    await eventually(() => pingOk(lab as Lab, lab?.clientNs ?? '', lab?.nodeIp(1) ?? ''), 'node 1 reachable again');
    const defaults = (await lab.ipJson(lab.nodeNs(1), ['route', 'show', 'default'])) as { gateway?: string }[];
    expect(defaults.map((r) => r.gateway)).toEqual(['10.0.1.1']);
  });

  it('serves HTTP from a node and the probe records which node answered', async () => {
    lab = await newLab({ nodes: 2 });
    await lab.startService(1, 8080);
    await lab.startService(2, 8080);
    const probe = await lab.startProbe(lab.nodeIp(2), 8080);
    await eventually(async () => probe.records().filter((r) => r.ok).length >= 5, 'five answers');
    const records = await probe.stop();
    const answered = records.filter((r) => r.ok);
    expect(answered.length).toBeGreaterThanOrEqual(5);
    expect(new Set(answered.map((r) => r.node))).toEqual(new Set(['n2']));
    expect(analyzeOutage(records, Infinity).nodeBefore).toBe('n2');
  });

  it('routes an address from the fabric side (cloud hook) and hosts a fabric-local address', async () => {
    lab = await newLab({ nodes: 2 });
    const vip = '10.0.1.42';
    await lab.ip(lab.nodeNs(2), ['address', 'add', `${vip}/32`, 'dev', 'lo']);
    await lab.fabricRouteTo(vip, 2);
    expect(await pingOk(lab, lab.clientNs, vip)).toBe(true);
    await lab.fabricBlackhole(vip);
    expect(await pingOk(lab, lab.clientNs, vip)).toBe(false);
    await lab.addFabricLocalAddress('169.254.169.254/32');
    expect(await pingOk(lab, lab.nodeNs(1), '169.254.169.254')).toBe(true);
  });
});

describeLab('lab: sweepLeftovers', () => {
  it('removes namespaces of dead owners and keeps those of live ones', async () => {
    const dead = spawnSync('true');
    const deadPid = dead.pid;
    expect(typeof deadPid).toBe('number');
    const stale = `${labPrefix(deadPid as number, Math.random)}fab`;
    const live = `${labPrefix(process.pid, Math.random)}fab`;
    await hostRunner.run('ip', ['netns', 'add', stale]);
    await hostRunner.run('ip', ['netns', 'add', live]);
    const spawner = new NodeProcessSpawner();
    const sleeper = spawner.spawn(['ip', 'netns', 'exec', stale, 'sleep', '600']);
    try {
      await eventually(async () => (await hostRunner.run('ip', ['netns', 'pids', stale])).stdout.trim() !== '', 'sleep to start');
      const removed = await sweepLeftovers({ runner: hostRunner, logger: silentLogger() });
      expect(removed).toContain(stale);
      expect(removed).not.toContain(live);
      const after = await namespaces();
      expect(after).not.toContain(stale);
      expect(after).toContain(live);
      expect((await sleeper.wait()).signal).toBe('SIGKILL');
    } finally {
      sleeper.kill('SIGKILL');
      for (const ns of [stale, live]) await hostRunner.run('ip', ['netns', 'del', ns]);
    }
  });

  it('tears down what it built when the build fails half-way', async () => {
    // 51 nodes is rejected before anything is created; an impossible batch line is not:
    // a lab whose client namespace already exists fails on `ip netns add`.
    const before = await namespaces();
    await expect(Lab.create({ runner: hostRunner, spawner: new NodeProcessSpawner(), logger: silentLogger() }, { nodes: 51 })).rejects.toMatchObject({
      code: 'VIPD_E_CONFIG',
    });
    const fixedRandom = (): number => 0.5;
    const clash = `${labPrefix(process.pid, fixedRandom)}c`;
    await hostRunner.run('ip', ['netns', 'add', clash]);
    try {
      await expect(
        Lab.create({ runner: hostRunner, spawner: new NodeProcessSpawner(), logger: silentLogger(), random: fixedRandom }, { nodes: 1 }),
      ).rejects.toMatchObject({
        code: 'VIPD_E_COMMAND_FAILED',
      });
      const leaked = (await namespaces()).filter((n) => n.startsWith(labPrefix(process.pid, fixedRandom)) && n !== clash);
      expect(leaked).toEqual([]);
    } finally {
      await hostRunner.run('ip', ['netns', 'del', clash]);
    }
    expect((await namespaces()).sort()).toEqual(before.sort());
  });
});
