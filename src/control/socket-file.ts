import { promises as fs } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname } from 'node:path';
import { VipdError } from '../errors';

export type SocketProbe = 'absent' | 'listening' | 'stale';

/**
 * What sits at a control socket path. Only a socket nobody answers on is
 * 'stale'; anything else at the path (a regular file, a directory) is an
 * error, so vipd never deletes what it did not create.
 */
export async function probeSocketPath(path: string): Promise<SocketProbe> {
  let isSocket: boolean;
  try {
    isSocket = (await fs.lstat(path)).isSocket();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw new VipdError('VIPD_E_CONTROL', `cannot inspect control socket path ${path}: ${(e as Error).message}`, { cause: e });
  }
  if (!isSocket) {
    throw new VipdError('VIPD_E_CONTROL', `${path} exists and is not a socket; refusing to replace it`, { details: { path } });
  }
  return new Promise<SocketProbe>((resolve, reject) => {
    const probe = createConnection(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve('listening');
    });
    probe.once('error', (e: NodeJS.ErrnoException) => {
      probe.destroy();
      if (e.code === 'ECONNREFUSED') resolve('stale');
      else reject(new VipdError('VIPD_E_CONTROL', `cannot probe control socket ${path}: ${e.message}`, { cause: e, details: { path, errno: e.code } }));
    });
  });
}

/** Creates the socket's directory (mode `mode`, umask notwithstanding) when it is missing; leaves an existing one alone. */
export async function ensureSocketDir(path: string, mode: number): Promise<void> {
  const dir = dirname(path);
  try {
    await fs.stat(dir);
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new VipdError('VIPD_E_CONTROL', `cannot inspect control socket directory ${dir}: ${(e as Error).message}`, { cause: e });
    }
  }
  try {
    await fs.mkdir(dir, { recursive: true, mode });
    // mkdir's mode is filtered by the umask (systemd's UMask=0077 would give 0700).
    await fs.chmod(dir, mode);
  } catch (e) {
    throw new VipdError('VIPD_E_CONTROL', `cannot create control socket directory ${dir}: ${(e as Error).message}`, { cause: e });
  }
}
