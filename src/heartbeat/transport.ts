import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { VipdError } from '../errors';
import type { Logger } from '../util/logger';
import { canonicalPeerIp } from '../util/ip';
import type { DatagramSource } from './types';

/** Unicast datagrams in and out of one socket (heartbeats go out from the port they are received on). */
export interface DatagramTransport {
  bind(): Promise<void>;
  /**
   * Fire and forget. Never throws: a failure (synchronous or reported later
   * by the kernel) goes to `onError` as VIPD_E_HEARTBEAT_SEND.
   */
  send(buf: Buffer, address: string, port: number, onError?: (error: VipdError) => void): void;
  onDatagram(cb: (buf: Buffer, from: DatagramSource) => void): void;
  close(): Promise<void>;
}

/**
 * Asked of the kernel for the socket's receive queue. A heartbeat is at most
 * 135 bytes but each queued datagram costs about a kilobyte of buffer
 * accounting, so 4 MiB holds several thousand while the event loop is busy.
 * Linux caps it at net.core.rmem_max (a warning says so when it does).
 */
export const DEFAULT_RECV_BUFFER_BYTES = 4 * 1024 * 1024;

type State = 'unbound' | 'binding' | 'bound' | 'closed';

/** The longest close() waits for datagrams already handed to the socket. */
const CLOSE_DRAIN_MS = 500;

/**
 * DatagramTransport on node:dgram. The socket listens with on('message')
 * from before bind() until close(): the kernel queue is drained whenever
 * the event loop turns, so nothing is lost "between reads" (docs/protocol.md,
 * "Transport", explains why a promise-per-read wrapper was rejected).
 */
export class UdpTransport implements DatagramTransport {
  private readonly bindAddress: string;
  private readonly family: 4 | 6;
  private readonly port: number;
  private readonly recvBufferBytes: number;
  private readonly logger: Logger;
  private readonly listeners: Array<(buf: Buffer, from: DatagramSource) => void> = [];
  private socket: Socket | null = null;
  private state: State = 'unbound';
  /** Settles a pending bind() when close() comes first. */
  private abortBinding: (() => void) | null = null;
  /** Datagrams handed to the socket whose send has not completed: close() lets them go out first. */
  private inflight = 0;
  private closing: Promise<void> | null = null;
  private drainWaiters: Array<() => void> = [];

  constructor(opts: { bindAddress: string; port: number; logger: Logger; recvBufferBytes?: number }) {
    const ip = canonicalPeerIp(opts.bindAddress);
    if (ip === null) {
      throw new VipdError('VIPD_E_CONFIG', `heartbeat bind address ${JSON.stringify(opts.bindAddress)} is not an IP address`, {
        details: { bindAddress: opts.bindAddress },
      });
    }
    if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
      throw new VipdError('VIPD_E_CONFIG', `heartbeat port ${opts.port} is outside 0-65535`, { details: { port: opts.port } });
    }
    // IPv6 keeps the caller's spelling: a link-local address needs its zone.
    this.bindAddress = ip.family === 4 ? ip.address : opts.bindAddress;
    this.family = ip.family;
    this.port = opts.port;
    this.recvBufferBytes = opts.recvBufferBytes ?? DEFAULT_RECV_BUFFER_BYTES;
    this.logger = opts.logger;
  }

  onDatagram(cb: (buf: Buffer, from: DatagramSource) => void): void {
    this.listeners.push(cb);
  }

  /** Rejects with VIPD_E_BIND; after a failure bind() may be called again (the address may appear later). */
  bind(): Promise<void> {
    if (this.state !== 'unbound') {
      return Promise.reject(new VipdError('VIPD_E_INTERNAL', `heartbeat transport bind() called while ${this.state}`));
    }
    this.state = 'binding';
    const socket = createSocket({ type: this.family === 4 ? 'udp4' : 'udp6', recvBufferSize: this.recvBufferBytes });
    socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => this.dispatch(msg, rinfo));
    this.socket = socket;
    return new Promise((resolve, reject) => {
      this.abortBinding = () => reject(new VipdError('VIPD_E_BIND', 'heartbeat transport was closed while binding'));
      const onBindError = (err: NodeJS.ErrnoException): void => {
        if (this.state !== 'binding') return; // close() won the race, closed the socket and rejected
        this.abortBinding = null;
        this.state = 'unbound';
        this.socket = null;
        socket.close();
        reject(bindError(err, this.bindAddress, this.port));
      };
      socket.once('error', onBindError);
      socket.bind({ address: this.bindAddress, port: this.port }, () => {
        socket.removeListener('error', onBindError);
        if (this.state !== 'binding') return;
        this.abortBinding = null;
        socket.on('error', (err) => this.logger.warn({ err }, 'heartbeat socket error'));
        this.state = 'bound';
        this.reportBufferSize(socket);
        const local = socket.address();
        this.logger.info({ address: local.address, port: local.port }, 'heartbeat socket bound');
        resolve();
      });
    });
  }

  send(buf: Buffer, address: string, port: number, onError?: (error: VipdError) => void): void {
    const fail = (message: string, cause?: unknown): void => {
      const error = new VipdError('VIPD_E_HEARTBEAT_SEND', message, { transient: true, cause, details: { address, port } });
      if (onError === undefined) this.logger.warn({ err: error, code: error.code }, error.message);
      else onError(error);
    };
    const socket = this.socket;
    if (socket === null || this.state !== 'bound') {
      // Sending on an unbound dgram socket would bind it to a random port; refuse instead.
      queueMicrotask(() => fail(`heartbeat socket is ${this.state}, cannot send to ${address}:${port}`));
      return;
    }
    const target = this.targetAddress(address);
    if (typeof target !== 'string') {
      queueMicrotask(() => fail(target.problem));
      return;
    }
    try {
      this.inflight++;
      socket.send(buf, port, target, (err) => {
        this.sendDone();
        if (err) fail(`sending heartbeat to ${address}:${port} failed: ${err.message}`, err);
      });
    } catch (err) {
      this.sendDone();
      const message = err instanceof Error ? err.message : String(err);
      queueMicrotask(() => fail(`sending heartbeat to ${address}:${port} failed: ${message}`, err));
    }
  }

  /**
   * Waits (briefly) for datagrams already handed over: the resign a stopping
   * master sends just before closing must reach the peer, or the peer waits
   * a whole down interval instead of the skew. dgram resolves the address
   * on a later tick, so a close() in the same turn dropped it.
   */
  close(): Promise<void> {
    // A second close() while the first waits for sends gets the same promise (not a dgram error).
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    const socket = this.socket;
    this.state = 'closed';
    this.abortBinding?.();
    this.abortBinding = null;
    if (socket === null) return;
    if (this.inflight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, CLOSE_DRAIN_MS);
        this.drainWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.socket = null;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  private sendDone(): void {
    this.inflight = Math.max(0, this.inflight - 1);
    if (this.inflight > 0) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  /** The bound address and port (port 0 in the options picks a free one; tests use this). */
  localAddress(): DatagramSource {
    if (this.socket === null) throw new VipdError('VIPD_E_INTERNAL', 'heartbeat transport is not bound');
    const a = this.socket.address();
    return { address: a.address, port: a.port };
  }

  /** What the kernel granted (Linux reports twice the usable size). */
  receiveBufferBytes(): number {
    if (this.socket === null) throw new VipdError('VIPD_E_INTERNAL', 'heartbeat transport is not bound');
    return this.socket.getRecvBufferSize();
  }

  private dispatch(msg: Buffer, rinfo: RemoteInfo): void {
    const from = { address: rinfo.address, port: rinfo.port };
    for (const listener of this.listeners) {
      try {
        listener(msg, from);
      } catch (err) {
        // One bad datagram or listener bug must not take the daemon down from a socket event.
        this.logger.error({ err, code: 'VIPD_E_INTERNAL', from }, 'heartbeat datagram listener threw');
      }
    }
  }

  /** An IPv6 socket reaches IPv4 peers through mapped addresses; an IPv4 socket cannot reach IPv6 at all. */
  private targetAddress(address: string): string | { problem: string } {
    const ip = canonicalPeerIp(address);
    if (ip === null) return { problem: `peer address ${JSON.stringify(address)} is not an IP address` };
    if (this.family === 6) return ip.family === 4 ? `::ffff:${ip.address}` : address;
    if (ip.family === 6) return { problem: `cannot send to IPv6 peer ${address} from the IPv4 heartbeat socket (bind to an IPv6 address such as "::")` };
    return ip.address;
  }

  private reportBufferSize(socket: Socket): void {
    const granted = socket.getRecvBufferSize();
    if (granted < this.recvBufferBytes) {
      this.logger.warn(
        { requestedBytes: this.recvBufferBytes, grantedBytes: granted },
        'heartbeat receive buffer is smaller than requested; raise net.core.rmem_max so bursts are not dropped while the event loop is busy',
      );
    }
  }
}

function bindError(err: NodeJS.ErrnoException, address: string, port: number): VipdError {
  const where = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
  const details = { address, port, errno: err.code };
  switch (err.code) {
    case 'EADDRINUSE':
      return new VipdError('VIPD_E_BIND', `cannot bind heartbeat socket to ${where}: address in use (another vipd or program holds this UDP port)`, {
        transient: true,
        cause: err,
        details,
      });
    case 'EADDRNOTAVAIL':
      return new VipdError(
        'VIPD_E_BIND',
        `cannot bind heartbeat socket to ${where}: address not available (${address} is not assigned to an interface of this host, or not yet)`,
        { transient: true, cause: err, details },
      );
    case 'EACCES':
      return new VipdError('VIPD_E_BIND', `cannot bind heartbeat socket to ${where}: permission denied (ports below 1024 need CAP_NET_BIND_SERVICE)`, {
        cause: err,
        details,
      });
    case 'EAFNOSUPPORT':
      return new VipdError('VIPD_E_BIND', `cannot bind heartbeat socket to ${where}: address family not supported (IPv6 disabled?)`, { cause: err, details });
    default:
      return new VipdError('VIPD_E_BIND', `cannot bind heartbeat socket to ${where}: ${err.message}`, { cause: err, details });
  }
}
