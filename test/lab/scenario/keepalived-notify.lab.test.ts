import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keepalivedConfig } from '../../../lab/scenario/config';
import { keepalivedNotifyScript, notifyMasterRun, parseNotifyLog } from '../../../lab/scenario/keepalived-notify';
import { describeLab } from '../../support/lab-guard';

jest.setTimeout(60_000);

const VIP = '10.0.1.100';

function run(argv: readonly string[], env?: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const [file, ...args] = argv;
  const r = spawnSync(file!, args, { encoding: 'utf8', timeout: 30_000, env: env ?? process.env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The generated notify script run for real, inside a namespace this test
 * creates (no route out), with a stand-in for the AWS CLI that records how
 * it was called: the script must call it with the recipe's argv and only
 * the lab's AWS environment, then own the address on master and drop it
 * on backup. keepalived -t must accept the config that calls it.
 */
describeLab('keepalived notify script, run in a namespace', () => {
  const ns = `vnt-${process.pid}`;
  let dir = '';

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'notify-lab-'));
    const batch = ['link set lo up', 'link add eth0 type veth peer name peer0', 'link set eth0 up', 'link set peer0 up', 'address add 10.0.1.10/24 dev eth0'];
    expect(run(['ip', 'netns', 'add', ns]).status).toBe(0);
    const r = spawnSync('ip', ['-n', ns, '-batch', '-'], { input: `${batch.join('\n')}\n`, encoding: 'utf8' });
    expect(r.stderr).toBe('');
  });

  afterAll(() => {
    const pids = run(['ip', 'netns', 'pids', ns])
      .stdout.split('\n')
      .filter((p) => /^[0-9]+$/.test(p));
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    run(['ip', 'netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  });

  const hasVip = (): boolean => {
    const links = JSON.parse(run(['ip', '-n', ns, '-json', 'addr', 'show', 'dev', 'eth0']).stdout) as { addr_info: { local: string; prefixlen: number }[] }[];
    return links.some((l) => l.addr_info.some((a) => a.local === VIP && a.prefixlen === 24));
  };

  it('master: calls the CLI with the recipe and the lab environment, adds VIP/24, announces; backup: removes it', () => {
    const fake = join(dir, 'fake-aws');
    const calls = join(dir, 'fake-aws.calls');
    writeFileSync(fake, `#!/bin/bash\nprintf '%s\\n' "$@" > ${calls}\nenv | grep '^AWS_' | sort >> ${calls}\n`, { mode: 0o700 });
    const logFile = join(dir, 'notify.log');
    const script = join(dir, 'notify.sh');
    const argv = [
      fake,
      'ec2',
      'assign-private-ip-addresses',
      '--network-interface-id',
      'eni-0lab000000000001',
      '--private-ip-addresses',
      VIP,
      '--allow-reassignment',
    ];
    writeFileSync(
      script,
      keepalivedNotifyScript({
        recipe: { assignArgv: argv, env: { AWS_REGION: 'eu-west-1', AWS_PAGER: '', AWS_PROFILE: null } },
        vip: VIP,
        prefix: 24,
        iface: 'eth0',
        logFile,
      }),
      {
        mode: 0o700,
      },
    );

    // keepalived passes its own environment on: a host profile must not reach the CLI.
    const master = run(['ip', 'netns', 'exec', ns, script, 'master'], { ...process.env, AWS_PROFILE: 'host-profile' });
    expect(master.status).toBe(0);
    const recorded = readFileSync(calls, 'utf8').split('\n');
    expect(recorded.slice(0, argv.length - 1)).toEqual(argv.slice(1));
    expect(recorded).toContain('AWS_REGION=eu-west-1');
    expect(recorded).toContain('AWS_PAGER=');
    expect(recorded.some((l) => l.startsWith('AWS_PROFILE'))).toBe(false);
    expect(hasVip()).toBe(true);
    const events = parseNotifyLog(readFileSync(logFile, 'utf8'));
    expect(events.map((e) => [e.event, e.rc])).toEqual([
      ['start', null],
      ['cloud-done', 0],
      ['os-done', 0],
      ['arp-done', 0],
    ]);
    expect(notifyMasterRun(events, 0)?.cloudExit).toBe(0);

    expect(run(['ip', 'netns', 'exec', ns, script, 'backup']).status).toBe(0);
    expect(hasVip()).toBe(false);
    expect(
      parseNotifyLog(readFileSync(logFile, 'utf8'))
        .slice(4)
        .map((e) => [e.state, e.event, e.rc]),
    ).toEqual([
      ['backup', 'start', null],
      ['backup', 'os-done', 0],
    ]);
  });

  it("keepalived -t accepts the cloud variant's config", () => {
    const conf = join(dir, 'keepalived.conf');
    writeFileSync(
      conf,
      keepalivedConfig({
        self: { id: 'n1', address: '10.0.1.10' },
        peers: [{ id: 'n2', address: '10.0.1.11' }],
        priority: 200,
        intervalMs: 100,
        notifyScript: join(dir, 'notify.sh'),
      }),
    );
    const r = run(['ip', 'netns', 'exec', ns, 'keepalived', '-t', '-l', '-f', conf]);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
