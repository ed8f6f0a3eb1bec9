import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../../lab/netns/lab';
import { ensureBuilt } from '../support/build';
import { describeLab } from '../support/lab-guard';
import { eventually, newLab } from '../support/lab';
import { LabVipd } from '../support/lab-vipd';

/**
 * Hook order against the real OS layer (keepalived's, promised by
 * docs/trackers.md): each hook records whether the VIP is on eth0 (`ip -j
 * addr`) at the moment it runs. master must see it there; backup, fault and
 * stop must see it gone. Driven through a tracker fault and recovery, a
 * preemption, a switchover and a graceful stop on two real daemons.
 */
jest.setTimeout(180_000);

const VIP = '10.0.1.100';

describeLab('notify hooks run after the VIPs changed (namespace lab, real ip)', () => {
  let lab: Lab;
  let vipd: LabVipd;
  let flag: string;

  const logOf = (i: number): string => join(vipd.dir, `hooks-n${i}.log`);
  const lines = (i: number): string[] =>
    existsSync(logOf(i))
      ? readFileSync(logOf(i), 'utf8')
          .trim()
          .split('\n')
          .filter((l) => l !== '')
      : [];

  beforeAll(async () => {
    ensureBuilt();
    lab = await newLab({ nodes: 2 });
    vipd = new LabVipd(lab, 2, 100, (doc, i) => {
      const hook = join(vipd.dir, 'record-hook.sh');
      const g = doc.groups[0] as Record<string, unknown>;
      g['notify'] = { master: [hook, logOf(i)], backup: [hook, logOf(i)], fault: [hook, logOf(i)], stop: [hook, logOf(i)] };
      if (i === 1)
        g['trackers'] = [
          {
            name: 'flag',
            type: 'script',
            command: '/bin/sh',
            args: ['-c', `test -e ${flag}`],
            intervalMs: '200ms',
            timeoutMs: '150ms',
            rise: 1,
            fall: 1,
            weight: 0,
          },
        ];
    });
    flag = join(vipd.dir, 'healthy');
    writeFileSync(flag, '');
    const hook = join(vipd.dir, 'record-hook.sh');
    writeFileSync(
      hook,
      `#!/bin/sh\nif ip -j addr show dev eth0 | grep -q '"local":"${VIP}"'; then at=present; else at=absent; fi\necho "$VIPD_EVENT $at" >> "$1"\n`,
    );
    chmodSync(hook, 0o755);
  });

  afterAll(async () => {
    await vipd?.destroy();
    await lab?.teardown();
  });

  it('master sees the VIP on eth0; backup, fault and stop see it gone', async () => {
    const n1 = vipd.start(1);
    const n2 = vipd.start(2);
    await n1.waitForRole('web', 'MASTER');
    await n2.waitForRole('web', 'BACKUP');

    let m1 = n1.lines.length;
    let m2 = n2.lines.length;
    rmSync(flag); // n1's tracker fails: FAULT, n2 takes over
    await n1.waitForRole('web', 'FAULT', { after: m1 });
    await n2.waitForRole('web', 'MASTER', { after: m2 });

    m1 = n1.lines.length;
    m2 = n2.lines.length;
    writeFileSync(flag, ''); // n1 recovers and preempts (priority 200 over 100)
    await n1.waitForRole('web', 'MASTER', { after: m1 });
    await n2.waitForRole('web', 'BACKUP', { after: m2 });

    m2 = n2.lines.length;
    // Asked right after the preemption, before n2's next heartbeat: n2's last word is its resign
    // (priority 0), and the switchover must still count it as the successor (docs/election.md).
    const r = await vipd.cli(1, ['switchover', '--group', 'web', '--to', 'n2', '--socket', vipd.socket(1)]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    await n2.waitForRole('web', 'MASTER', { after: m2 });

    m1 = n1.lines.length;
    n2.signal('SIGTERM'); // graceful stop: n1 takes over again
    await n2.wait();
    await n1.waitForRole('web', 'MASTER', { after: m1 });

    // Hooks run asynchronously: wait for the last of each node's.
    await eventually(async () => lines(1).at(-1) === 'master present', `n1's last hook: ${lines(1).join(', ')}`);
    await eventually(async () => lines(2).at(-1) === 'stop absent', `n2's last hook: ${lines(2).join(', ')}`);
    const all = [...lines(1), ...lines(2)];
    const wrong = all.filter((l) => (l.startsWith('master ') ? l !== 'master present' : !l.endsWith(' absent')));
    expect(wrong).toEqual([]);
    // Every kind ran after a mastership at least once (the order matters only then).
    for (const [i, seq] of [
      [1, ['master present', 'fault absent']],
      [1, ['master present', 'backup absent']],
      [2, ['master present', 'backup absent']],
      [2, ['master present', 'stop absent']],
    ] as const) {
      const ls = lines(i);
      const k = ls.indexOf(seq[0]);
      expect([i, seq, k >= 0 && ls.indexOf(seq[1], k + 1) > k]).toEqual([i, seq, true]);
    }
  });
});
