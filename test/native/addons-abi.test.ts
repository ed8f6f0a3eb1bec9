import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readdirSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATIVE_ADDONS, findNativeAddon, loadNativeAddons } from '../../src/native/addons';
import { NotifyReceiver, python3Available } from '../systemd/notify-receiver';
import { itWithTool } from '../systemd/require-tool';
import { ensureBuilt } from '../support/build';

/**
 * The release tarball carries one build of each addon: it must load on every
 * supported Node line, not only the one it was compiled with. The Node
 * builds come from the npm registry (scripts/fetch-node.sh caches them;
 * .ci/run fetches 22, 24 and 26); VIPD_TEST_NODES adds more paths
 * (colon-separated). With VIPD_REQUIRE_NODES=20,22,24,26 (CI) a missing line
 * is a failure rather than a gap.
 */
const SUPPORTED_MAJORS = [20, 22, 24, 26];
const ROOT = join(__dirname, '..', '..');

function cachedNodes(): string[] {
  const cache = process.env.VIPD_NODE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'vipd-node');
  if (!existsSync(cache)) return [];
  return readdirSync(cache)
    .filter((v) => /^\d+\.\d+\.\d+$/.test(v))
    .map((v) => join(cache, v, 'bin', 'node'))
    .filter((p) => existsSync(p));
}

function nodeBinaries(): Array<{ bin: string; version: string; major: number }> {
  const extra = (process.env.VIPD_TEST_NODES ?? '').split(':').filter((p) => p !== '');
  const seen = new Map<string, { bin: string; version: string; major: number }>();
  for (const bin of [process.execPath, ...extra, ...cachedNodes()]) {
    const r = spawnSync(bin, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${bin} does not run: ${r.stderr}`);
    const version = r.stdout.trim();
    if (!seen.has(version)) seen.set(version, { bin, version, major: Number(version.split('.')[0]) });
  }
  return [...seen.values()].sort((a, b) => a.major - b.major);
}

const realIt = itWithTool(python3Available(), 'python3 (the notify-socket receiver)');

describe('one build of the native addons on every supported Node line', () => {
  const nodes = nodeBinaries();

  beforeAll(() => ensureBuilt(), 300_000);

  it('the addons are built here and load in this process', () => {
    for (const load of loadNativeAddons()) expect({ name: load.name, error: load.error?.message ?? null }).toEqual({ name: load.name, error: null });
    for (const name of Object.keys(NATIVE_ADDONS) as Array<keyof typeof NATIVE_ADDONS>)
      expect(findNativeAddon(name)).toBe(join(ROOT, 'build', 'Release', `${name}.node`));
  });

  it('covers the Node lines CI requires', () => {
    const required = (process.env.VIPD_REQUIRE_NODES ?? '')
      .split(',')
      .filter((m) => m !== '')
      .map(Number);
    for (const major of required) expect(SUPPORTED_MAJORS).toContain(major);
    expect(required.filter((m) => !nodes.some((n) => n.major === m))).toEqual([]);
  });

  realIt('each Node loads both addons through dist/ and sends READY=1 from its own PID to a real notify socket', async () => {
    const dir = await fs.mkdtemp(join(tmpdir(), 'vipd-abi-'));
    const socketPath = join(dir, 'notify');
    const receiver = await NotifyReceiver.start(socketPath);
    try {
      const script = `
        const { loadNativeAddons } = require(${JSON.stringify(join(ROOT, 'dist', 'src', 'native', 'addons.js'))});
        const { SdNotify } = require(${JSON.stringify(join(ROOT, 'dist', 'src', 'systemd', 'sd-notify.js'))});
        const broken = loadNativeAddons().filter((l) => l.error !== null);
        if (broken.length > 0) { console.error(broken.map((l) => l.error.message).join('\\n')); process.exit(1); }
        const warn = (o, m) => { console.error(m, JSON.stringify(o)); process.exitCode = 1; };
        const logger = { trace() {}, debug() {}, info() {}, warn, error: warn, fatal: warn, child() { return logger; } };
        SdNotify.fromEnv(process.env, logger).ready('node ' + process.versions.node);
      `;
      const sent: Array<{ pid: number; msg: string }> = [];
      for (const n of nodes) {
        const r = spawnSync(n.bin, ['-e', script], { env: { ...process.env, NOTIFY_SOCKET: socketPath }, encoding: 'utf8' });
        expect({ node: n.version, status: r.status, stderr: r.stderr }).toEqual({ node: n.version, status: 0, stderr: '' });
        sent.push({ pid: r.pid ?? -1, msg: `READY=1\nSTATUS=node ${n.version}` });
      }
      await receiver.waitFor((got) => got.length >= nodes.length, `${nodes.length} datagrams`);
      expect(receiver.received).toEqual(sent);
    } finally {
      await receiver.stop();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
