import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DescribeNetworkInterfacesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ExecFileRunner } from '../../../src/os/exec-runner';
import { LabCloudControlClient } from '../../../lab/cloud/control-client';
import { ADMIN, NODE1, REGION, labSpecJson } from './fixtures';

/**
 * The emulator as the lab runs it: its own process, a state file, ports
 * chosen by the OS, a ready line on stdout, the control endpoint on a unix
 * socket, a clean exit on SIGTERM. Compiled from source into a temp dir
 * (only main.ts's import graph) so the test does not depend on `npm run build`.
 */
const ROOT = resolve(__dirname, '../../..');

describe('lab cloud process (main.ts)', () => {
  let dir: string;
  let child: ChildProcessWithoutNullStreams | null = null;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vipd-labcloud-main-'));
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const build = await new ExecFileRunner({ timeoutMs: 120_000 }).run(process.execPath, [
      tsc,
      '--ignoreConfig',
      join(ROOT, 'lab/cloud/main.ts'),
      '--outDir',
      join(dir, 'out'),
      '--rootDir',
      ROOT,
      '--module',
      'commonjs',
      '--moduleResolution',
      'node10',
      '--target',
      'es2022',
      '--esModuleInterop',
      '--skipLibCheck',
      '--strict',
      '--types',
      'node',
      '--ignoreDeprecations',
      '6.0',
    ]);
    if (build.exitCode !== 0) throw new Error(`tsc failed:\n${build.stdout}${build.stderr}`);
  }, 180_000);

  afterEach(() => {
    if (child !== null && child.exitCode === null) child.kill('SIGKILL');
    child = null;
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function start(args: readonly string[]): {
    proc: ChildProcessWithoutNullStreams;
    ready: Promise<Record<string, string | null>>;
    exited: Promise<number | null>;
    stderr: () => string;
  } {
    const proc = spawn(process.execPath, [join(dir, 'out/lab/cloud/main.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') },
    });
    child = proc;
    let err = '';
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const ready = new Promise<Record<string, string | null>>((resolveReady, reject) => {
      let out = '';
      proc.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n')[0];
        if (out.includes('\n') && line !== undefined) resolveReady(JSON.parse(line) as Record<string, string | null>);
      });
      proc.on('exit', (code) => reject(new Error(`exited ${code} before ready: ${err}`)));
    });
    const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    return { proc, ready, exited, stderr: () => err };
  }

  it('starts from a state file, serves EC2 and the control socket, stops on SIGTERM', async () => {
    const state = join(dir, 'cloud.json');
    writeFileSync(state, JSON.stringify(labSpecJson()));
    const socketPath = join(dir, 'control.sock');
    const run = start([
      '--state',
      state,
      '--imds',
      '127.0.0.1:0',
      '--api',
      '127.0.0.1:0',
      '--control-socket',
      socketPath,
      '--propagation-ms',
      '1500',
      '--log-level',
      'warn',
    ]);
    const ready = await run.ready;
    expect(ready).toMatchObject({ event: 'ready', controlSocket: socketPath, controlUrl: null });
    expect(ready.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:[0-9]+$/);

    const control = new LabCloudControlClient({ socketPath });
    expect(await control.state()).toMatchObject({ propagationDelayMs: 1500 });
    const ec2 = new EC2Client({ region: REGION, endpoint: ready.apiUrl!, credentials: ADMIN, maxAttempts: 1 });
    try {
      const out = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [NODE1.eni] }));
      expect(out.NetworkInterfaces?.[0]?.MacAddress).toBe(NODE1.mac);
    } finally {
      ec2.destroy();
    }
    expect((await control.calls()).ec2).toHaveLength(1);

    run.proc.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('a bad state file exits 78 (EX_CONFIG) with the reason', async () => {
    const state = join(dir, 'bad.json');
    const json = labSpecJson();
    json.region = 'nowhere';
    writeFileSync(state, JSON.stringify(json));
    const run = start(['--state', state, '--imds', '127.0.0.1:0', '--api', '127.0.0.1:0']);
    run.ready.catch(() => undefined);
    expect(await run.exited).toBe(78);
    expect(run.stderr()).toContain('$.region');
  });

  it('bad flags exit 64 (EX_USAGE)', async () => {
    const run = start(['--state', join(dir, 'cloud.json'), '--fabric', 'maybe']);
    run.ready.catch(() => undefined);
    expect(await run.exited).toBe(64);
    expect(run.stderr()).toContain('--fabric must be ip or none');
  });
});
