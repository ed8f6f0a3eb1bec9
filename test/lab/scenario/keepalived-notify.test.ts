import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keepalivedScriptEnv } from '../../../lab/scenario/aws-provider';
import { LAB_IMDS_ADDRESS } from '../../../lab/cloud/aws/in-lab';
import { keepalivedConfig } from '../../../lab/scenario/config';
import {
  type KeepalivedCloudRecipe,
  keepalivedNotifyScript,
  keepalivedScriptProblems,
  finishedNotifyState,
  notifyMasterRun,
  parseNotifyLog,
  shellQuote,
} from '../../../lab/scenario/keepalived-notify';

const recipe: KeepalivedCloudRecipe = {
  assignArgv: [
    '/usr/bin/aws',
    '--endpoint-url',
    'http://10.0.1.1:8773',
    'ec2',
    'assign-private-ip-addresses',
    '--network-interface-id',
    'eni-0lab1',
    '--private-ip-addresses',
    '10.0.1.100',
    '--allow-reassignment',
  ],
  env: { AWS_REGION: 'eu-west-1', AWS_PAGER: '', AWS_PROFILE: null },
};
const input = { recipe, vip: '10.0.1.100', prefix: 24, iface: 'eth0', logFile: '/tmp/x/notify-n1.log' };

describe("keepalived notify script (the HA guides' AWS recipe)", () => {
  it('on master: the CLI call first, then the address with the subnet prefix, then gratuitous ARP; on backup and fault: the address removed', () => {
    const lines = keepalivedNotifyScript(input)
      .split('\n')
      .map((l) => l.trim());
    expect(lines[0]).toBe('#!/bin/bash');
    const cli = lines.findIndex((l) => l.startsWith("'/usr/bin/aws'"));
    const add = lines.indexOf("ip addr add 10.0.1.100/24 dev eth0 2>> '/tmp/x/notify-n1.log.err'");
    const arp = lines.indexOf('arping -U -c 3 -I eth0 -s 10.0.1.100 10.0.1.100 > /dev/null 2>&1');
    expect(cli).toBeGreaterThan(lines.indexOf('master)'));
    expect(add).toBeGreaterThan(cli);
    expect(arp).toBeGreaterThan(add);
    expect(lines[cli]).toContain("'--allow-reassignment'");
    expect(lines).toContain('backup|fault)');
    expect(lines).toContain('ip addr del 10.0.1.100/24 dev eth0 2> /dev/null');
    // The environment is the script's own: the lab's region set, the host's profile unset, the pager empty.
    expect(lines).toContain("export AWS_REGION='eu-west-1'");
    expect(lines).toContain("export AWS_PAGER=''");
    expect(lines).toContain('unset AWS_PROFILE');
  });

  it('quotes for the shell so that nothing is expanded', () => {
    for (const s of ["it's", '$HOME `id` "x" \\n', '', "''"]) {
      const r = spawnSync('bash', ['-c', `printf %s ${shellQuote(s)}`], { encoding: 'utf8' });
      expect(r.stdout).toBe(s);
    }
  });

  it("rejects what would break the script or keepalived's config line", () => {
    expect(() => keepalivedNotifyScript({ ...input, recipe: { ...recipe, assignArgv: [] } })).toThrow(/empty argv/);
    expect(() => keepalivedNotifyScript({ ...input, vip: '10.0.1.100; reboot' })).toThrow(/VIP/);
    expect(() => keepalivedNotifyScript({ ...input, iface: '' })).toThrow(/interface/);
    expect(() => keepalivedNotifyScript({ ...input, prefix: 33 })).toThrow(/prefix/);
    expect(() => keepalivedNotifyScript({ ...input, arpCount: 0 })).toThrow(/arp count/);
    expect(() => keepalivedNotifyScript({ ...input, recipe: { ...recipe, env: { 'BAD-NAME': 'x' } } })).toThrow(/environment variable name/);
  });

  it('runs: an unknown state is logged and exits 64 without touching anything', () => {
    const dir = mkdtempSync(join(tmpdir(), 'notify-test-'));
    try {
      const script = join(dir, 'notify.sh');
      const logFile = join(dir, 'notify.log');
      writeFileSync(script, keepalivedNotifyScript({ ...input, logFile }), { mode: 0o700 });
      const r = spawnSync(script, ['promoted'], { encoding: 'utf8' });
      expect(r.status).toBe(64);
      expect(parseNotifyLog(readFileSync(logFile, 'utf8')).map((e) => [e.state, e.event, e.rc])).toEqual([
        ['promoted', 'start', null],
        ['promoted', 'unknown-state', 64],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the notify script's step log", () => {
  const log = [
    'backup start 100.000000',
    'backup os-done 100.001000 2',
    'master start 200.000000',
    'master cloud-done 200.512000 0',
    'master os-done 200.514500 2',
    'master arp-done 202.600000 0',
    '',
  ].join('\n');

  it('parses each step; a torn last line waits for the next read; garbage is an error, not a missing step', () => {
    const events = parseNotifyLog(log);
    expect(events).toHaveLength(6);
    expect(events[1]).toEqual({ state: 'backup', event: 'os-done', at: 100.001, rc: 2 });
    expect(parseNotifyLog('master start 1.5\nmaster cloud-do')).toEqual([{ state: 'master', event: 'start', at: 1.5, rc: null }]);
    expect(parseNotifyLog('master start 1,25\n')[0]?.at).toBe(1.25);
    expect(() => parseNotifyLog('master started at noon\n')).toThrow(/malformed line/);
  });

  it('splits the first complete MASTER run after a mark into the CLI call and the OS step', () => {
    const events = parseNotifyLog(log);
    const run = notifyMasterRun(events, 0);
    expect(run?.cloudExit).toBe(0);
    expect(run?.osExit).toBe(2);
    expect(run?.phases.detectionMs).toBeNull();
    expect(run?.phases.cloudMs).toBeCloseTo(512, 3);
    expect(run?.phases.osMs).toBeCloseTo(2.5, 3);
    expect(run?.phases.totalMs).toBeCloseTo(514.5, 3);
    // Nothing after the mark, or a run still inside the CLI call: not done yet.
    expect(notifyMasterRun(events, 6)).toBeNull();
    expect(notifyMasterRun(parseNotifyLog('master start 1.0\n'), 0)).toBeNull();
    expect(notifyMasterRun(parseNotifyLog('master start 1.0\nmaster cloud-done 1.5 0\n'), 0)).toBeNull();
  });

  it('a master is settled only once every run of the script finished and the latest was master', () => {
    const events = parseNotifyLog(log);
    expect(finishedNotifyState(events)).toBe('master');
    expect(finishedNotifyState(events.slice(0, 5))).toBeNull(); // notify_master still sending ARP
    expect(finishedNotifyState(events.slice(0, 3))).toBeNull(); // inside the CLI call (the graceful-stop race)
    expect(finishedNotifyState(events.slice(0, 2))).toBe('backup');
    expect(finishedNotifyState([])).toBeNull();
    // Overlapping runs (keepalived forks each): a backup run still open keeps it unsettled.
    const overlap = parseNotifyLog('backup start 1.0\nmaster start 1.1\nmaster cloud-done 1.6 0\nmaster os-done 1.61 2\nmaster arp-done 3.0 0\n');
    expect(finishedNotifyState(overlap)).toBeNull();
    expect(finishedNotifyState([...overlap, { state: 'backup', event: 'os-done', at: 3.1, rc: 0 }])).toBe('master');
  });

  it("reports keepalived's complaints about its scripts (lines seen from keepalived 2.2.7)", () => {
    const out = [
      'Fri Nov 27 02:29:14 2026: Script /tmp/t/missing.sh cannot be accessed - No such file or directory',
      "Fri Nov 27 02:29:14 2026: Unsafe permissions found for script '/tmp/t/ww.sh' - disabling.",
      'Fri Nov 27 02:29:14 2026: (web) Entering MASTER STATE',
    ].join('\n');
    expect(keepalivedScriptProblems(out)).toEqual([
      'Script /tmp/t/missing.sh cannot be accessed - No such file or directory',
      "Unsafe permissions found for script '/tmp/t/ww.sh' - disabling.",
    ]);
    expect(keepalivedScriptProblems('Fri Nov 27 02:29:14 2026: (web) Entering BACKUP STATE\n')).toEqual([]);
  });
});

describe('keepalived.conf of the cloud variant', () => {
  const n1 = { id: 'n1', address: '10.0.1.10' };
  const n2 = { id: 'n2', address: '10.0.1.11' };

  it('keeps virtual_ipaddress (2.2.7 refuses an instance without one) and calls the script on master, backup and fault', () => {
    const lines = keepalivedConfig({ self: n1, peers: [n2], priority: 200, intervalMs: 100, notifyScript: '/tmp/d/notify-n1.sh' })
      .split('\n')
      .map((l) => l.trim());
    expect(lines).toContain('10.0.1.100/24 dev eth0');
    expect(lines).toContain('notify_master "/tmp/d/notify-n1.sh master"');
    expect(lines).toContain('notify_backup "/tmp/d/notify-n1.sh backup"');
    expect(lines).toContain('notify_fault "/tmp/d/notify-n1.sh fault"');
    expect(lines).toContain('script_user root');
    expect(lines).toContain('enable_script_security');
    expect(keepalivedConfig({ self: n1, peers: [n2], priority: 200, intervalMs: 100 })).not.toContain('notify_');
  });

  it('refuses a script path keepalived would split or misquote', () => {
    for (const bad of ['notify.sh', '/tmp/my dir/notify.sh', '/tmp/"x".sh']) {
      expect(() => keepalivedConfig({ self: n1, peers: [n2], priority: 200, intervalMs: 100, notifyScript: bad })).toThrow(/absolute path without spaces/);
    }
  });
});

describe("the script's environment for the AWS emulator", () => {
  it("unsets every AWS_* variable of the host and sets the lab's region, metadata endpoint and empty credential files", () => {
    const env = keepalivedScriptEnv({ AWS_PROFILE: 'prod', AWS_ACCESS_KEY_ID: 'AKIA...', HOME: '/root' }, 'eu-west-1');
    expect(env.AWS_PROFILE).toBeNull();
    expect(env.AWS_ACCESS_KEY_ID).toBeNull();
    expect(env.HOME).toBeUndefined();
    expect(env).toMatchObject({
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://${LAB_IMDS_ADDRESS}/`,
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_PAGER: '',
    });
  });
});
