import { VipdError } from '../errors';

/**
 * Delivers one sd_notify datagram. Node has no unix datagram sockets of its
 * own, so the real transport is the native `unix-dgram` addon (see
 * docs/systemd.md for why not the `systemd-notify` CLI): messages leave from
 * the daemon's own PID, which lets the unit keep NotifyAccess=main, and a
 * watchdog ping costs one syscall instead of a process spawn.
 */
export interface NotifyTransport {
  /** Sends one datagram; throws a VipdError when it cannot be delivered. */
  send(payload: Buffer): void;
}

/** The part of unix-dgram's socket we use. */
interface UnixDgramSocket {
  send(buf: Buffer, offset: number, length: number, path: string, callback: (err?: Error) => void): void;
  close(): void;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

interface UnixDgramModule {
  createSocket(type: 'unix_dgram'): UnixDgramSocket;
}

function isUnixDgramModule(m: unknown): m is UnixDgramModule {
  return typeof m === 'object' && m !== null && typeof (m as { createSocket?: unknown }).createSocket === 'function';
}

/** Loaded only when NOTIFY_SOCKET is set, so a missing addon never affects runs outside systemd. */
function loadUnixDgram(): UnixDgramModule {
  let mod: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require('unix-dgram');
  } catch (e) {
    throw new VipdError('VIPD_E_SD_NOTIFY', `NOTIFY_SOCKET is set but the unix-dgram addon cannot be loaded: ${(e as Error).message}`, { cause: e });
  }
  if (!isUnixDgramModule(mod)) throw new VipdError('VIPD_E_SD_NOTIFY', 'the unix-dgram module has no createSocket()');
  return mod;
}

/**
 * One short-lived socket per message: nothing stays open between pings (the
 * addon's open socket would keep the event loop alive), and a notify socket
 * recreated by a systemd re-exec is found again by path.
 */
export class UnixDgramTransport implements NotifyTransport {
  private readonly path: string;
  private readonly mod: UnixDgramModule;

  constructor(path: string) {
    if (path.startsWith('@')) {
      throw new VipdError('VIPD_E_SD_NOTIFY', `abstract notify sockets (${path}) are not supported; systemd's own is a path under /run`, { details: { path } });
    }
    if (!path.startsWith('/')) throw new VipdError('VIPD_E_SD_NOTIFY', `NOTIFY_SOCKET must be an absolute path, got "${path}"`, { details: { path } });
    if (Buffer.byteLength(path) > 107) throw new VipdError('VIPD_E_SD_NOTIFY', `NOTIFY_SOCKET path too long for a unix socket: ${path}`);
    this.path = path;
    this.mod = loadUnixDgram();
  }

  send(payload: Buffer): void {
    const socket = this.mod.createSocket('unix_dgram');
    let failure: Error | undefined;
    socket.on('error', (e) => (failure = e));
    try {
      // The addon calls back synchronously: sendto() on a non-blocking socket.
      socket.send(payload, 0, payload.length, this.path, (err) => (failure = err ?? failure));
    } finally {
      socket.close();
    }
    if (failure !== undefined) {
      throw new VipdError('VIPD_E_SD_NOTIFY', `cannot send to NOTIFY_SOCKET ${this.path}: ${failure.message}`, {
        cause: failure,
        transient: true,
        details: { path: this.path },
      });
    }
  }
}
