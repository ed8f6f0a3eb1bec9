import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { VipdError } from '../errors';
import type { Logger } from '../util/logger';

/** Maintenance as saved on disk: the file's presence means "on"; `since` is informational. */
export interface SavedMaintenance {
  /** ISO 8601 wall time it was turned on; null when the file's content could not be read as ours. */
  readonly since: string | null;
}

/**
 * Where `vipd maintenance on` is remembered, so a node rebooted for
 * patching does not come back and preempt the VIP it was told to leave.
 */
export interface MaintenanceStore {
  readonly location: string;
  /** null = nothing saved. Throws VIPD_E_STATE_FILE when it cannot tell (never "nothing" on an error). */
  load(): Promise<SavedMaintenance | null>;
  save(state: SavedMaintenance): Promise<void>;
  clear(): Promise<void>;
}

export const MAINTENANCE_FILE = 'maintenance.json';

/** A file in `node.stateDir` (the unit's StateDirectory=, /var/lib/vipd), written atomically. */
export class FileMaintenanceStore implements MaintenanceStore {
  readonly location: string;

  constructor(private readonly dir: string) {
    this.location = join(dir, MAINTENANCE_FILE);
  }

  async load(): Promise<SavedMaintenance | null> {
    let text: string;
    try {
      text = await fsp.readFile(this.location, 'utf8');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ENOENT') return null;
      throw stateFileError(`cannot read ${this.location}`, err);
    }
    // Presence is what counts: a truncated or foreign file still means "stay out".
    return { since: parseSince(text) };
  }

  async save(state: SavedMaintenance): Promise<void> {
    const tmp = join(this.dir, `.${MAINTENANCE_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      const handle = await fsp.open(tmp, 'w', 0o640);
      try {
        await handle.writeFile(`${JSON.stringify({ maintenance: true, since: state.since })}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fsp.rename(tmp, this.location);
      await this.syncDir();
    } catch (e) {
      await fsp.rm(tmp, { force: true }).catch(() => undefined);
      throw stateFileError(`cannot write ${this.location}`, e as NodeJS.ErrnoException);
    }
  }

  async clear(): Promise<void> {
    try {
      await fsp.rm(this.location);
      await this.syncDir();
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ENOENT') return;
      throw stateFileError(`cannot remove ${this.location}`, err);
    }
  }

  /** The rename or unlink is durable only once the directory entry is on disk. */
  private async syncDir(): Promise<void> {
    const handle = await fsp.open(this.dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

/** `vipd run --dry-run` reads what a real run would, and changes nothing. */
export class DryRunMaintenanceStore implements MaintenanceStore {
  readonly location: string;

  constructor(
    private readonly inner: MaintenanceStore,
    private readonly logger: Logger,
  ) {
    this.location = inner.location;
  }

  load(): Promise<SavedMaintenance | null> {
    return this.inner.load();
  }

  async save(state: SavedMaintenance): Promise<void> {
    this.logger.info({ dryRun: true, file: this.location, since: state.since }, 'would save maintenance on (dry run)');
  }

  async clear(): Promise<void> {
    this.logger.info({ dryRun: true, file: this.location }, 'would remove the saved maintenance state (dry run)');
  }
}

function parseSince(text: string): string | null {
  try {
    const doc = JSON.parse(text) as unknown;
    if (typeof doc === 'object' && doc !== null && typeof (doc as { since?: unknown }).since === 'string') return (doc as { since: string }).since;
  } catch {
    // Not ours or cut short by a crash before rename (cannot happen with rename, but a hand edit can).
  }
  return null;
}

function stateFileError(what: string, err: NodeJS.ErrnoException): VipdError {
  const hint =
    err.code === 'ENOENT'
      ? ' (the state directory does not exist: the unit creates it with StateDirectory=vipd; elsewhere create it or set node.stateDir)'
      : err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS'
        ? ' (not writable by the vipd user; check node.stateDir and its owner)'
        : '';
  return new VipdError('VIPD_E_STATE_FILE', `${what}: ${err.code ?? err.message}${hint}`, { cause: err, details: { errno: err.code ?? null } });
}
