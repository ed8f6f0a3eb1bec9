import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VipdError } from '../../src/errors';
import { LabCloudControlClient } from './control-client';
import type { Lab } from '../netns/lab';
import type { LabProcess } from '../netns/spawner';

const READY_TIMEOUT_MS = 20_000;

export interface LabCloudLaunch {
  /** The flavour's state file content (`lab/cloud/main.js --state`), already checked by its parser. */
  readonly spec: unknown;
  /** Where the state file and control socket go (labCloudDir() for a fresh one). */
  readonly dir: string;
  /** True when `dir` was made for this cloud: removed at stop and on a failed launch. */
  readonly ownsDir: boolean;
  readonly metadataAddress: string;
  readonly apiHost: string;
  readonly apiPort: number;
  readonly propagationMs?: number | undefined;
  readonly logLevel?: string | undefined;
}

export interface LaunchedLabCloud {
  readonly process: LabProcess;
  readonly control: LabCloudControlClient;
  readonly imdsUrl: string;
  readonly apiUrl: string;
  /** The directory to remove at stop: the one made here, null when the caller's. */
  readonly ownDir: string | null;
}

/** A fresh temporary directory for the cloud's files (OCI writes its API keys there before the launch). */
export function labCloudDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * How every flavour starts: the state file written, the metadata address
 * on the fabric, lab/cloud/main.js spawned there, and back once it said
 * ready with its start state programmed. On a failure nothing is left
 * behind (the process killed, a directory made here removed).
 */
export async function launchLabCloud(lab: Lab, o: LabCloudLaunch): Promise<LaunchedLabCloud> {
  const { dir } = o;
  const ownDir = o.ownsDir ? dir : null;
  const stateFile = join(dir, 'lab-cloud.json');
  const socket = join(dir, 'lab-cloud.sock');
  writeFileSync(stateFile, `${JSON.stringify(o.spec, null, 2)}\n`);
  await lab.addFabricLocalAddress(`${o.metadataAddress}/32`);
  const proc = lab.spawnInFabric([
    process.execPath,
    join(lab.options.distDir, 'lab', 'cloud', 'main.js'),
    '--state',
    stateFile,
    '--imds',
    `${o.metadataAddress}:80`,
    '--api',
    `${o.apiHost}:${o.apiPort}`,
    '--control-socket',
    socket,
    '--propagation-ms',
    String(o.propagationMs ?? 0),
    '--fabric',
    'ip',
    '--log-level',
    o.logLevel ?? 'info',
  ]);
  try {
    const line = await proc.waitForOutput(/"event":"ready"/, READY_TIMEOUT_MS);
    const ready = JSON.parse(line) as { imdsUrl?: unknown; apiUrl?: unknown };
    if (typeof ready.imdsUrl !== 'string' || typeof ready.apiUrl !== 'string') {
      throw new VipdError('VIPD_E_INTERNAL', `lab cloud ready line lacks its URLs: ${line}`);
    }
    const control = new LabCloudControlClient({ socketPath: socket });
    // The start state is programmed before "ready"; settled() makes sure it finished.
    await control.settled();
    return { process: proc, control, imdsUrl: ready.imdsUrl, apiUrl: ready.apiUrl, ownDir };
  } catch (e) {
    proc.kill('SIGKILL');
    await proc.wait();
    if (ownDir !== null) rmSync(ownDir, { recursive: true, force: true });
    throw e;
  }
}

/** Stops the emulator once (later calls share the first stop) and removes the directory made for it. */
export async function stopLabCloud(launched: Pick<LaunchedLabCloud, 'process' | 'ownDir'>): Promise<void> {
  launched.process.kill('SIGTERM');
  await launched.process.wait();
  if (launched.ownDir !== null) rmSync(launched.ownDir, { recursive: true, force: true });
}
