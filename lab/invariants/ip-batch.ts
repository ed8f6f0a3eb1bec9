import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { VipdError } from '../../src/errors';
import { interfaceHasAddress } from '../scenario/holders';

/**
 * One long-lived `ip -n NS -j -force -batch -` per namespace: a sample is a
 * line written to its stdin and one JSON line back, with no process spawned
 * per sample (that is what makes a 20 ms period affordable on two cores).
 * Queries are answered in order; one is in flight at a time per reader.
 */
export interface PipedProcess {
  write(line: string): void;
  onLine(fn: (line: string) => void): void;
  onExit(fn: () => void): void;
  kill(): void;
}

export type PipeSpawner = (argv: readonly string[]) => PipedProcess;

export const spawnPiped: PipeSpawner = (argv) => {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('spawnPiped: empty argv');
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'ignore'] });
  const lines = createInterface({ input: child.stdout });
  return {
    write: (line) => {
      child.stdin.write(`${line}\n`);
    },
    onLine: (fn) => {
      lines.on('line', fn);
    },
    onExit: (fn) => {
      child.on('close', fn);
    },
    kill: () => {
      child.stdin.end();
      child.kill('SIGTERM');
    },
  };
};

export class IpBatchReader {
  private readonly proc: PipedProcess;
  private readonly pending: Array<{ resolve: (v: unknown) => void; reject: (e: Error) => void }> = [];
  private exited = false;

  constructor(
    readonly namespace: string,
    spawner: PipeSpawner = spawnPiped,
  ) {
    this.proc = spawner(['ip', '-n', namespace, '-j', '-force', '-batch', '-']);
    this.proc.onLine((line) => {
      const waiter = this.pending.shift();
      if (!waiter) return;
      try {
        waiter.resolve(JSON.parse(line) as unknown);
      } catch (e) {
        waiter.reject(new VipdError('VIPD_E_OS_STATE', `ip -batch in ${namespace}: not JSON: ${line.slice(0, 200)}`, { cause: e }));
      }
    });
    this.proc.onExit(() => {
      this.exited = true;
      for (const w of this.pending.splice(0)) w.reject(new VipdError('VIPD_E_OS_STATE', `ip -batch in ${namespace} exited`));
    });
  }

  query(command: string): Promise<unknown> {
    if (this.exited) return Promise.reject(new VipdError('VIPD_E_OS_STATE', `ip -batch in ${this.namespace} exited`));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.proc.write(command);
    });
  }

  /** Which of `addresses` the device carries. */
  async addressesOn(dev: string, addresses: readonly string[]): Promise<string[]> {
    const json = await this.query(`addr show dev ${dev}`);
    return addresses.filter((a) => interfaceHasAddress(json, a));
  }

  close(): void {
    this.proc.kill();
  }
}
