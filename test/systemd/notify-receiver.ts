import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * A stand-in for systemd's notify socket: a python3 AF_UNIX/SOCK_DGRAM
 * socket, independent of the addon under test, that prints every datagram
 * with the sender's PID (SCM_CREDENTIALS, what systemd uses for
 * NotifyAccess=main) as one JSON line.
 */
const RECEIVER = String.raw`
import json, socket, struct, sys
path = sys.argv[1]
if path.startswith("@"):
    path = "\0" + path[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(path)
print(json.dumps({"ready": True}), flush=True)
while True:
    data, anc, flags, addr = s.recvmsg(65536, socket.CMSG_SPACE(12))
    pid = None
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid, uid, gid = struct.unpack("iII", payload[:12])
    print(json.dumps({"pid": pid, "msg": data.decode("utf-8", "replace")}), flush=True)
`;

export interface Datagram {
  readonly pid: number | null;
  readonly msg: string;
}

export function python3Available(): boolean {
  return spawnSync('python3', ['-c', 'import socket; socket.SO_PASSCRED'], { stdio: 'ignore' }).status === 0;
}

export class NotifyReceiver {
  readonly received: Datagram[] = [];
  private readonly child: ChildProcess;
  private waiters: Array<() => void> = [];

  private constructor(child: ChildProcess) {
    this.child = child;
  }

  static async start(path: string): Promise<NotifyReceiver> {
    const child = spawn('python3', ['-c', RECEIVER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    const r = new NotifyReceiver(child);
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`notify receiver exited (${String(code)})`)));
      lines.on('line', (line) => {
        const parsed = JSON.parse(line) as { ready?: boolean } & Partial<Datagram>;
        if (parsed.ready === true) return resolve();
        r.received.push({ pid: parsed.pid ?? null, msg: parsed.msg ?? '' });
        const ws = r.waiters;
        r.waiters = [];
        ws.forEach((w) => w());
      });
    });
    return r;
  }

  /** Waits (event-driven, generous deadline) until `pred` holds over what was received. */
  async waitFor(pred: (got: readonly Datagram[]) => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.received)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; received: ${JSON.stringify(this.received.map((d) => d.msg))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGKILL');
    });
  }
}
