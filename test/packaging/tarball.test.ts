import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Builds the release tarball from the compiled output (CI runs `npm run
 * build` before the tests), then lays it out with install.sh --destdir in a
 * scratch directory: nothing on this machine is installed or changed.
 */
const ROOT = join(__dirname, '..', '..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const NAME = `vipd-${VERSION}-linux-${process.arch}`;

let work: string;
let tarball: string;
let listing: string[];
let unpacked: string;

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024, ...opts, env: { ...process.env, ...opts.env } });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  if (r.status !== 0) throw new Error(`${what} failed (${String(r.status)}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist/src/cli/main.js'))) {
    throw new Error('dist/src/cli/main.js is missing: run `npm run build` before the packaging test');
  }
  work = await fs.mkdtemp(join(tmpdir(), 'vipd-pkg-test-'));
  const out = ok(run('bash', [join(ROOT, 'packaging/build-tarball.sh')], { cwd: ROOT, env: { OUT_DIR: join(work, 'out') } }), 'build-tarball.sh');
  tarball = out.trim().split('\n').pop() ?? '';
  listing = ok(run('tar', ['-tzf', tarball]), 'tar -t')
    .split('\n')
    .filter((l) => l !== '');
  unpacked = join(work, 'unpacked');
  await fs.mkdir(unpacked);
  ok(run('tar', ['-xzf', tarball, '-C', unpacked]), 'tar -x');
}, 180_000);

afterAll(async () => {
  if (work !== undefined) await fs.rm(work, { recursive: true, force: true });
});

describe('npm run package tarball', () => {
  it('is named after version and architecture (one tarball for every Node line), and holds one top directory', () => {
    expect(tarball).toBe(join(work, 'out', `${NAME}.tar.gz`));
    expect(listing.every((p) => p.startsWith(`${NAME}/`))).toBe(true);
  });

  it('holds the compiled daemon, production dependencies and the files install.sh needs', () => {
    for (const p of [
      'install.sh',
      'BUILD-INFO',
      'package.json',
      'dist/src/cli/main.js',
      'dist/src/metrics/metrics.js',
      'dist/src/systemd/sd-notify.js',
      'dist/src/control/server.js',
      'node_modules/prom-client/package.json',
      'build/Release/vipd_garp.node',
      'build/Release/vipd_notify.node',
      'systemd/vipd.service',
      'systemd/vipd.sysusers.conf',
      'systemd/vipd.tmpfiles.conf',
      'config/vipd.example.yaml',
      'alerts/vipd.rules.yml',
      'alerts/keepalived-exporter.rules.yml',
      'dashboards/vipd.json',
      'man/vipd.1',
      'completions/vipd.bash',
      'completions/_vipd',
      'LICENSE',
      'CHANGELOG.md',
      'docs/operations.md',
      'docs/migrating-from-keepalived.md',
      'docs/install.md',
    ]) {
      expect(listing).toContain(`${NAME}/${p}`);
    }
  });

  const inside = (): string[] => listing.map((p) => p.slice(NAME.length + 1));

  it('leaves out dev dependencies, tests, benchmarks, sources and source maps', () => {
    const inside = listing.map((p) => p.slice(NAME.length + 1));
    for (const dev of ['typescript', 'jest', 'ts-jest', 'fast-check', 'eslint', '@types']) {
      expect(inside.filter((p) => p.startsWith(`node_modules/${dev}/`))).toEqual([]);
    }
    expect(inside.filter((p) => p.startsWith('dist/test/') || p.startsWith('dist/bench/') || p.startsWith('src/'))).toEqual([]);
    expect(inside.filter((p) => p.startsWith('dist/lab/') || p.startsWith('lab/'))).toEqual([]);
    expect(inside.filter((p) => !p.startsWith('node_modules/') && (p.endsWith('.map') || (p.endsWith('.ts') && !p.endsWith('.d.ts'))))).toEqual([]);
  });

  it('holds no lab code: no lab module, and no shipped module requires one', async () => {
    const shipped = inside().filter((p) => p.startsWith('dist/') && p.endsWith('.js'));
    expect(shipped.length).toBeGreaterThan(50);
    expect(shipped.filter((p) => /(^|\/)(lab|demo|scenario|probe)[/.-]/.test(p.slice('dist/src/'.length)))).toEqual([]);
    const requiringLab: string[] = [];
    for (const p of shipped) {
      const text = await fs.readFile(join(unpacked, NAME, p), 'utf8');
      if (/require\("(\.\.\/)+(lab|bench|test)\//.test(text)) requiringLab.push(p);
    }
    expect(requiringLab).toEqual([]);
  });

  it('records the N-API version the addons need, not a Node module ABI', async () => {
    const info = await fs.readFile(join(unpacked, NAME, 'BUILD-INFO'), 'utf8');
    expect(info).toContain(`VIPD_VERSION=${VERSION}`);
    expect(info).toContain('NODE_NAPI_VERSION=8');
    expect(info).not.toContain('NODE_MODULE_VERSION');
    expect(info).toContain(`NODE_ARCH=${process.arch}`);
  });

  it('carries no third-party native addon (nothing tied to one Node ABI)', () => {
    expect(listing.filter((p) => p.endsWith('.node') && !p.startsWith(`${NAME}/build/Release/vipd_`))).toEqual([]);
  });
});

describe('install.sh --destdir', () => {
  let dest: string;
  const install = (...args: string[]): SpawnSyncReturns<string> =>
    run('bash', [join(unpacked, NAME, 'install.sh'), '--destdir', dest, ...args], { env: { NODE_BIN: process.execPath } });

  beforeAll(async () => {
    dest = join(work, 'root');
    ok(install(), 'install.sh');
  });

  it('lays out the application, unit, snippets, CLI wrapper and a first config', async () => {
    const mode = async (p: string): Promise<number> => (await fs.stat(join(dest, p))).mode & 0o777;
    expect(await mode('opt/vipd/dist/src/cli/main.js')).toBe(0o644);
    expect(await mode('usr/local/lib/systemd/system/vipd.service')).toBe(0o644);
    expect(await mode('usr/local/lib/sysusers.d/vipd.conf')).toBe(0o644);
    expect(await mode('usr/local/lib/tmpfiles.d/vipd.conf')).toBe(0o644);
    expect(await mode('usr/local/bin/vipd')).toBe(0o755);
    expect(await mode('usr/local/share/man/man1/vipd.1')).toBe(0o644);
    expect(await mode('usr/local/share/bash-completion/completions/vipd')).toBe(0o644);
    expect(await mode('usr/local/share/zsh/site-functions/_vipd')).toBe(0o644);
    expect(await mode('opt/vipd/dashboards/vipd.json')).toBe(0o644);
    expect(await mode('etc/vipd')).toBe(0o750);
    expect(await mode('etc/vipd/vipd.yaml')).toBe(0o640);
    const example = await fs.readFile(join(ROOT, 'config/vipd.example.yaml'), 'utf8');
    expect(await fs.readFile(join(dest, 'etc/vipd/vipd.yaml'), 'utf8')).toBe(example);
    expect(await fs.readFile(join(dest, 'etc/vipd/vipd.yaml.example'), 'utf8')).toBe(example);

    // The node found at install time goes into ExecStart and the wrapper, with --disable-sigusr1 when that node
    // accepts it (22.14+; Node 20 refuses it); nothing else in the unit changes.
    const unit = await fs.readFile(join(dest, 'usr/local/lib/systemd/system/vipd.service'), 'utf8');
    const original = await fs.readFile(join(ROOT, 'systemd/vipd.service'), 'utf8');
    const flags = spawnSync(process.execPath, ['--disable-sigusr1', '-e', '0']).status === 0 ? '--disable-sigusr1 ' : '';
    expect(unit).toBe(original.replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} ${flags}`));
    expect(await fs.readFile(join(dest, 'usr/local/bin/vipd'), 'utf8')).toBe(`#!/bin/sh\nexec ${process.execPath} /opt/vipd/dist/src/cli/main.js "$@"\n`);
  });

  it('installs production dependencies that load, native addons included', () => {
    const app = join(dest, 'opt/vipd');
    const script = `
      const broken = require(${JSON.stringify(join(app, 'dist/src/native/addons.js'))}).loadNativeAddons().filter((l) => l.error !== null);
      if (broken.length > 0) throw new Error(broken.map((l) => l.error.message).join('; '));
      const { VipdMetrics } = require(${JSON.stringify(join(app, 'dist/src/metrics/metrics.js'))});
      new VipdMetrics({ version: 'x', groups: ['g'], rejectReasons: [], provider: 'none' });
      require(${JSON.stringify(join(app, 'dist/src/control/server.js'))});
      require(${JSON.stringify(join(app, 'dist/src/systemd/sd-notify.js'))});
      // vipd's own addon, found from the installed dist/ the way the daemon finds it.
      require(${JSON.stringify(join(app, 'dist/src/os/garp.js'))}).loadNativeGarp();
      console.log('loaded');
    `;
    // cwd outside the repository: only the installed node_modules can satisfy require().
    expect(ok(run(process.execPath, ['-e', script], { cwd: work }), 'loading installed modules').trim()).toBe('loaded');
  });

  it('runs the installed CLI', () => {
    const r = run(process.execPath, [join(dest, 'opt/vipd/dist/src/cli/main.js'), '--version'], { cwd: work });
    expect(ok(r, 'vipd --version').trim()).toBe(VERSION);
  });

  it('offers no lab demo on a production server: vipd --help lists no demo command', () => {
    const help = ok(run(process.execPath, [join(dest, 'opt/vipd/dist/src/cli/main.js'), '--help'], { cwd: work }), 'vipd --help');
    expect(help).toContain('switchover');
    expect(help).not.toMatch(/\bdemo\b|namespace/);
  });

  it('is idempotent and never overwrites an existing vipd.yaml', async () => {
    const conf = join(dest, 'etc/vipd/vipd.yaml');
    await fs.writeFile(conf, 'node: { id: edited-by-operator }\n');
    await fs.writeFile(join(dest, 'opt/vipd/stale-file-from-old-version'), 'x');
    const out = ok(install(), 'second install.sh');
    expect(out).toContain('Kept the existing /etc/vipd/vipd.yaml');
    expect(await fs.readFile(conf, 'utf8')).toBe('node: { id: edited-by-operator }\n');
    // The application directory is replaced whole: no leftovers of the previous version.
    expect(existsSync(join(dest, 'opt/vipd/stale-file-from-old-version'))).toBe(false);
    expect(existsSync(join(dest, 'opt/vipd.old'))).toBe(false);
    expect(existsSync(join(dest, 'opt/vipd.new'))).toBe(false);
  });

  it('refuses a Node without the N-API version the addons need, before touching anything', async () => {
    const copy = join(work, 'abi-copy');
    // install.sh must stop before it reads anything but BUILD-INFO.
    await fs.mkdir(copy);
    await fs.copyFile(join(unpacked, NAME, 'install.sh'), join(copy, 'install.sh'));
    await fs.copyFile(join(unpacked, NAME, 'BUILD-INFO'), join(copy, 'BUILD-INFO'));
    const info = await fs.readFile(join(copy, 'BUILD-INFO'), 'utf8');
    await fs.writeFile(join(copy, 'BUILD-INFO'), info.replace(/NODE_NAPI_VERSION=\d+/, 'NODE_NAPI_VERSION=99'));
    const target = join(work, 'abi-root');
    const r = run('bash', [join(copy, 'install.sh'), '--destdir', target, '--check-deps'], { env: { NODE_BIN: process.execPath } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/need N-API 99/);
    expect(existsSync(join(target, 'opt/vipd'))).toBe(false);
  });

  it('refuses a node under a home directory (the service runs with ProtectHome=yes as user vipd)', () => {
    const target = join(work, 'home-root');
    const r = run('bash', [join(unpacked, NAME, 'install.sh'), '--destdir', target, '--check-deps'], {
      env: { NODE_BIN: '/home/ops/.nvm/versions/node/v20.20.2/bin/node' },
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('is under a home directory');
    expect(existsSync(join(target, 'opt/vipd'))).toBe(false);
  });

  it('with the dependency check, loads the installed native addons before finishing', () => {
    const target = join(work, 'checked-root');
    ok(
      run('bash', [join(unpacked, NAME, 'install.sh'), '--destdir', target, '--check-deps'], { env: { NODE_BIN: process.execPath } }),
      'install.sh --check-deps',
    );
    expect(existsSync(join(target, 'opt/vipd/build/Release/vipd_garp.node'))).toBe(true);
  });

  it('an addon that does not load stops an upgrade before the swap: the installed version is untouched', async () => {
    const target = join(work, 'checked-root'); // installed by the test above
    const good = await fs.readFile(join(target, 'opt/vipd/build/Release/vipd_garp.node'));
    const broken = join(work, 'broken-tarball');
    await fs.cp(join(unpacked, NAME), broken, { recursive: true });
    await fs.writeFile(join(broken, 'build/Release/vipd_notify.node'), 'not an ELF object');
    const r = run('bash', [join(broken, 'install.sh'), '--destdir', target, '--check-deps'], { env: { NODE_BIN: process.execPath } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('the installed version is untouched');
    expect(r.stderr).toContain('systemd notify transport');
    expect(await fs.readFile(join(target, 'opt/vipd/build/Release/vipd_garp.node'))).toEqual(good);
    expect(existsSync(join(target, 'opt/vipd.new'))).toBe(false);
  });

  it('rejects unknown arguments', () => {
    const r = run('bash', [join(unpacked, NAME, 'install.sh'), '--destdir', join(work, 'x'), '--frobnicate']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('unknown argument: --frobnicate');
  });
});
