import { createSocket, type Socket } from 'node:dgram';
import { VipdError } from '../errors';
import type { Logger } from '../util/logger';
import { canonicalPeerIp } from '../util/ip';
import type { DatagramSource } from './types';

/** What a probe carries: nothing. Its only use is the kernel's answer when no socket listens. */
export const PROBE_PAYLOAD = Buffer.alloc(0);

interface ProbeSocket {
  readonly socket: Socket;
  ready: boolean;
  /** Probes asked for while the socket was binding and connecting, sent once it is. */
  queued: number;
}

/**
 * One UDP socket per peer endpoint, connected to its heartbeat port, from
 * an ephemeral port of the heartbeat bind address. A connected socket is
 * what makes Linux report the ICMP port unreachable the peer's kernel sends
 * when nothing listens there (ECONNREFUSED, 1-2 ms after the send); the
 * heartbeat socket is unconnected and never hears it. The ephemeral port is
 * also what a forger has to guess: the kernel matches the ICMP's quoted
 * header against the connected 4-tuple.
 */
export class PeerProber {
  private readonly bindAddress: string;
  private readonly family: 4 | 6;
  private readonly logger: Logger;
  private readonly listeners: Array<(endpoint: DatagramSource) => void> = [];
  private readonly sockets = new Map<string, ProbeSocket>();
  private closed = false;
  private readonly counters = { sent: 0, refused: 0, errors: 0 };

  constructor(opts: { bindAddress: string; logger: Logger }) {
    const ip = canonicalPeerIp(opts.bindAddress);
    if (ip === null)
      throw new VipdError('VIPD_E_CONFIG', `heartbeat bind address ${JSON.stringify(opts.bindAddress)} is not an IP address`, {
        details: { bindAddress: opts.bindAddress },
      });
    this.bindAddress = ip.family === 4 ? ip.address : opts.bindAddress;
    this.family = ip.family;
    this.logger = opts.logger;
  }

  /** `cb` hears every refusal: the endpoint's host answered a probe with port unreachable. */
  onRefused(cb: (endpoint: DatagramSource) => void): void {
    this.listeners.push(cb);
  }

  /** Sends one probe to `address`:`port`; never throws (a failure is logged and counted, never a refusal). */
  probe(address: string, port: number): void {
    if (this.closed) return;
    const endpoint = { address, port };
    const target = this.target(address);
    if (target === null) {
      this.fail(endpoint, `cannot probe ${address} from the IPv${this.family} heartbeat address`);
      return;
    }
    const key = `${address}|${port}`;
    let entry = this.sockets.get(key);
    if (entry === undefined) {
      entry = this.open(key, endpoint, target);
      this.sockets.set(key, entry);
    }
    if (!entry.ready) {
      entry.queued = Math.min(entry.queued + 1, 2);
      return;
    }
    this.send(entry, endpoint);
  }

  /** Reload: closes the sockets of endpoints no longer probed. */
  retain(endpoints: readonly DatagramSource[]): void {
    const keep = new Set(endpoints.map((e) => `${e.address}|${e.port}`));
    for (const [key, entry] of this.sockets) {
      if (keep.has(key)) continue;
      this.sockets.delete(key);
      entry.socket.close();
    }
  }

  close(): Promise<void> {
    this.closed = true;
    const all = [...this.sockets.values()];
    this.sockets.clear();
    return Promise.all(all.map((e) => new Promise<void>((resolve) => e.socket.close(() => resolve())))).then(() => undefined);
  }

  stats(): { readonly sent: number; readonly refused: number; readonly errors: number } {
    return { ...this.counters };
  }

  private open(key: string, endpoint: DatagramSource, target: string): ProbeSocket {
    const socket = createSocket({ type: this.family === 4 ? 'udp4' : 'udp6' });
    const entry: ProbeSocket = { socket, ready: false, queued: 0 };
    // The kernel reports the refusal on the socket's next receive (an 'error' event) or its next send, once.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!entry.ready && this.sockets.get(key) === entry) {
        // Bind or connect failed (the address may appear later): the next probe opens a fresh socket.
        this.sockets.delete(key);
        socket.close();
      }
      this.onError(endpoint, err);
    });
    socket.bind({ address: this.bindAddress, port: 0 }, () => {
      socket.connect(endpoint.port, target, () => {
        entry.ready = true;
        const queued = entry.queued;
        entry.queued = 0;
        for (let i = 0; i < queued; i++) this.send(entry, endpoint);
      });
    });
    return entry;
  }

  private send(entry: ProbeSocket, endpoint: DatagramSource): void {
    this.counters.sent += 1;
    try {
      entry.socket.send(PROBE_PAYLOAD, (err) => {
        if (err) this.onError(endpoint, err as NodeJS.ErrnoException);
      });
    } catch (err) {
      this.onError(endpoint, err as NodeJS.ErrnoException);
    }
  }

  private onError(endpoint: DatagramSource, err: NodeJS.ErrnoException): void {
    if (this.closed) return;
    if (err.code === 'ECONNREFUSED') {
      this.counters.refused += 1;
      for (const listener of this.listeners) listener(endpoint);
      return;
    }
    // Unreachable host or network, a local firewall: no evidence about the peer's daemon, only the timer applies.
    this.fail(endpoint, `probe to ${endpoint.address}:${endpoint.port} failed: ${err.message}`, err);
  }

  private fail(endpoint: DatagramSource, message: string, cause?: unknown): void {
    this.counters.errors += 1;
    this.logger.debug({ err: cause, endpoint, code: 'VIPD_E_HEARTBEAT_SEND' }, message);
  }

  private target(address: string): string | null {
    const ip = canonicalPeerIp(address);
    if (ip === null) return null;
    if (this.family === 6) return ip.family === 4 ? `::ffff:${ip.address}` : address;
    return ip.family === 4 ? ip.address : null;
  }
}

/**
 * One-shot refusal test (`vipd doctor`): probes `address`:`port` from a
 * fresh prober, once and again 100 ms later (a host's ICMP rate limit may
 * have spent its tokens on the first), and resolves true on the first
 * refusal, false when none came within `timeoutMs`.
 */
export async function probeForRefusal(opts: { bindAddress: string; logger: Logger }, address: string, port: number, timeoutMs: number): Promise<boolean> {
  const prober = new PeerProber(opts);
  const timers: NodeJS.Timeout[] = [];
  try {
    return await new Promise<boolean>((resolve) => {
      prober.onRefused(() => resolve(true));
      prober.probe(address, port);
      timers.push(setTimeout(() => prober.probe(address, port), 100));
      timers.push(setTimeout(() => resolve(false), timeoutMs));
    });
  } finally {
    timers.forEach(clearTimeout);
    await prober.close();
  }
}
