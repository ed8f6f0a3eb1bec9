import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { asVipdError } from '../errors';
import type { Logger } from '../util/logger';

/** File names in the runtime directory (the control socket's), after keepalived's keepalived.data and keepalived.stats. */
export const STATE_DUMP_FILE = 'vipd.data';
export const COUNTERS_DUMP_FILE = 'vipd.stats';

export interface DumpFiles {
  /** Replaces `path` with `text` at once (readers never see half a file), mode `mode`. */
  writeAtomic(path: string, text: string, mode: number): Promise<void>;
}

/** Write to a temporary name, then rename: a reader sees the old dump or the new one. */
export const fsDumpFiles: DumpFiles = {
  async writeAtomic(path, text, mode) {
    const tmp = `${path}.${process.pid}.tmp`;
    try {
      await fs.writeFile(tmp, text, { mode });
      // writeFile's mode is filtered by the umask (the unit's UMask=0077); the group (vipd) may read, like the socket.
      await fs.chmod(tmp, mode);
      await fs.rename(tmp, path);
    } catch (e) {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      throw e;
    }
  },
};

export interface DumpDeps {
  /** The directory of the control socket (`control.socket`): /run/vipd under the unit. */
  readonly runtimeDir: string;
  readonly files: DumpFiles;
  readonly logger: Logger;
  /** The status document, as `vipd status --json` and `/status` show it. */
  readonly state: () => unknown;
  /** The counters, as a document (read from the metrics registry). */
  readonly counters: () => Promise<unknown>;
}

/**
 * SIGUSR1 and SIGUSR2 (the signals keepalived's users and exporters send):
 * the state or the counters go to the log and to a file in the runtime
 * directory. A failure to write is logged; it never stops the daemon.
 */
export class SignalDumps {
  constructor(private readonly deps: DumpDeps) {}

  static runtimeDirOf(controlSocket: string): string {
    return dirname(controlSocket);
  }

  get statePath(): string {
    return join(this.deps.runtimeDir, STATE_DUMP_FILE);
  }

  get countersPath(): string {
    return join(this.deps.runtimeDir, COUNTERS_DUMP_FILE);
  }

  async dumpState(signal: string): Promise<void> {
    await this.write(signal, 'state-dump', this.statePath, () => Promise.resolve(this.deps.state()));
  }

  async dumpCounters(signal: string): Promise<void> {
    await this.write(signal, 'counters-dump', this.countersPath, () => this.deps.counters());
  }

  private async write(signal: string, event: string, path: string, read: () => Promise<unknown>): Promise<void> {
    const { logger } = this.deps;
    const what = event === 'state-dump' ? 'state' : 'counters';
    let doc: unknown;
    try {
      doc = await read();
    } catch (e) {
      logger.error({ event, signal, err: asVipdError(e) }, `${signal}: could not read the ${what}: ${asVipdError(e).message}`);
      return;
    }
    try {
      await this.deps.files.writeAtomic(path, `${JSON.stringify(doc, null, 2)}\n`, 0o640);
    } catch (e) {
      // The log still gets the dump: the file is a convenience, the log is the record.
      logger.error(
        { event, signal, file: path, [what]: doc, err: asVipdError(e) },
        `${signal}: ${what} in this line; could not write ${path}: ${asVipdError(e).message}`,
      );
      return;
    }
    logger.info({ event, signal, file: path, [what]: doc }, `${signal}: ${what} written to the log and to ${path}`);
  }
}
