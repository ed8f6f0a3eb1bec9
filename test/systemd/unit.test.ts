import { spawnSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { itWithTool, toolAvailable } from './require-tool';

const ROOT = join(__dirname, '..', '..');
const UNIT = readFileSync(join(ROOT, 'systemd', 'vipd.service'), 'utf8');
const itAnalyze = itWithTool(toolAvailable('systemd-analyze'), 'systemd-analyze (Debian package systemd)');
const isRoot = process.getuid?.() === 0;
const itRootTools = itWithTool(
  isRoot && toolAvailable('systemd-sysusers', ['--help']) && toolAvailable('systemd-tmpfiles', ['--help']),
  'root with systemd-sysusers and systemd-tmpfiles',
);

/** Every `Key=value` of a section, in order (repeated keys keep every value). */
function settings(section: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let current = '';
  for (const raw of UNIT.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header?.[1] !== undefined) {
      current = header[1];
      continue;
    }
    const eq = line.indexOf('=');
    if (current === section && eq > 0) out.push([line.slice(0, eq), line.slice(eq + 1)]);
  }
  return out;
}

function get(section: string, key: string): string[] {
  return settings(section)
    .filter(([k]) => k === key)
    .map(([, v]) => v);
}

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'vipd-unit-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/**
 * `systemd-analyze verify` fails when an ExecStart binary does not exist. The
 * unit names /usr/bin/node (Debian's and NodeSource's path; install.sh writes
 * another one when node lives elsewhere), so the copy under test points at the
 * node running this test instead. Nothing else changes.
 */
async function unitCopy(): Promise<string> {
  const path = join(dir, 'vipd.service');
  await fs.writeFile(path, UNIT.replace(/^(Exec\w+=)\/usr\/bin\/node /gm, `$1${process.execPath} `));
  return path;
}

describe('systemd/vipd.service', () => {
  itAnalyze('passes systemd-analyze verify without a single warning', async () => {
    const r = spawnSync('systemd-analyze', ['verify', await unitCopy()], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr.trim()).toBe('');
    expect(r.status).toBe(0);
  });

  itAnalyze('scores 2.5 or better in systemd-analyze security --offline', async () => {
    const r = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', await unitCopy()], { encoding: 'utf8', timeout: 60_000 });
    const m = /Overall exposure level for vipd\.service: (\d+(?:\.\d+)?)/.exec(r.stdout);
    if (m?.[1] === undefined) throw new Error(`no exposure level in output:\n${r.stdout}\n${r.stderr}`);
    expect(Number(m[1])).toBeLessThanOrEqual(2.5);
  });

  it('is a notify service with a watchdog that does not restart-loop on a bad config', () => {
    expect(get('Service', 'Type')).toEqual(['notify']);
    // The process itself sends READY/WATCHDOG (vipd_notify addon), so no child needs access.
    expect(get('Service', 'NotifyAccess')).toEqual(['main']);
    expect(get('Service', 'WatchdogSec')).toEqual(['10s']);
    expect(get('Service', 'Restart')).toEqual(['on-failure']);
    expect(get('Service', 'RestartPreventExitStatus')).toEqual(['78']);
    expect(get('Service', 'ExecReload')).toEqual(['/bin/kill -HUP $MAINPID']);
    expect(get('Service', 'ExecStart')).toEqual(['/usr/bin/node --max-semi-space-size=1 /opt/vipd/dist/src/cli/main.js run --config /etc/vipd/vipd.yaml']);
    expect(get('Unit', 'After')).toContain('network-online.target');
    expect(get('Unit', 'Wants')).toContain('network-online.target');
  });

  it('runs unprivileged with only the network capabilities and the usual hardening', () => {
    expect(get('Service', 'User')).toEqual(['vipd']);
    expect(get('Service', 'AmbientCapabilities')).toEqual(['CAP_NET_ADMIN CAP_NET_RAW']);
    expect(get('Service', 'CapabilityBoundingSet')).toEqual(['CAP_NET_ADMIN CAP_NET_RAW']);
    for (const [k, v] of [
      ['NoNewPrivileges', 'yes'],
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'yes'],
      ['PrivateTmp', 'yes'],
      ['PrivateDevices', 'yes'],
      ['ProtectKernelTunables', 'yes'],
      ['ProtectKernelModules', 'yes'],
      ['ProtectKernelLogs', 'yes'],
      ['ProtectControlGroups', 'yes'],
      ['ProtectClock', 'yes'],
      ['ProtectHostname', 'yes'],
      ['RestrictNamespaces', 'yes'],
      ['LockPersonality', 'yes'],
      ['RestrictRealtime', 'yes'],
      ['RestrictSUIDSGID', 'yes'],
      ['SystemCallFilter', '@system-service'],
      ['SystemCallArchitectures', 'native'],
      ['UMask', '0077'],
      ['RuntimeDirectory', 'vipd'],
    ] as const) {
      expect({ [k]: get('Service', k) }).toEqual({ [k]: [v] });
    }
    expect(get('Service', 'RestrictAddressFamilies')[0]?.split(/\s+/).sort()).toEqual(['AF_INET', 'AF_INET6', 'AF_NETLINK', 'AF_PACKET', 'AF_UNIX']);
    // V8's JIT needs W+X memory: this setting kills node at start.
    expect(get('Service', 'MemoryDenyWriteExecute')).toEqual([]);
  });

  it('hands the heartbeat key over as a credential and points the config at it', () => {
    expect(get('Service', 'LoadCredential')).toEqual(['heartbeat.key:/etc/vipd/heartbeat.key']);
    expect(get('Service', 'Environment')).toContain('VIPD_HEARTBEAT_KEY_FILE=%d/heartbeat.key');
  });
});

describe('systemd/vipd.sysusers.conf and vipd.tmpfiles.conf', () => {
  // Applied to a scratch root directory only: nothing on this machine changes.
  itRootTools('create the vipd user and a root:vipd 0750 /etc/vipd inside a scratch root', async () => {
    await fs.mkdir(join(dir, 'etc'), { recursive: true });
    await fs.mkdir(join(dir, 'usr/lib/sysusers.d'), { recursive: true });
    await fs.mkdir(join(dir, 'usr/lib/tmpfiles.d'), { recursive: true });
    await fs.copyFile(join(ROOT, 'systemd/vipd.sysusers.conf'), join(dir, 'usr/lib/sysusers.d/vipd.conf'));
    await fs.copyFile(join(ROOT, 'systemd/vipd.tmpfiles.conf'), join(dir, 'usr/lib/tmpfiles.d/vipd.conf'));

    const su = spawnSync('systemd-sysusers', [`--root=${dir}`], { encoding: 'utf8', timeout: 60_000 });
    expect(su.status).toBe(0);
    const passwd = await fs.readFile(join(dir, 'etc/passwd'), 'utf8');
    const user = /^vipd:x:(\d+):(\d+):[^:]*:([^:]*):([^:\n]*)$/m.exec(passwd);
    expect(user?.[4]).toBe('/usr/sbin/nologin');
    expect(Number(user?.[1])).toBeLessThan(1000);
    const gid = Number(user?.[2]);

    const tf = spawnSync('systemd-tmpfiles', [`--root=${dir}`, '--create'], { encoding: 'utf8', timeout: 60_000 });
    expect(tf.status).toBe(0);
    const st = await fs.stat(join(dir, 'etc/vipd'));
    expect(st.mode & 0o777).toBe(0o750);
    expect(st.uid).toBe(0);
    expect(st.gid).toBe(gid);

    // Idempotent: a second run changes nothing and succeeds.
    expect(spawnSync('systemd-sysusers', [`--root=${dir}`]).status).toBe(0);
    expect(await fs.readFile(join(dir, 'etc/passwd'), 'utf8')).toBe(passwd);
  });
});
