import { setTimeout as sleep } from 'node:timers/promises';
import { VipdError } from '../errors';
import { findNativeAddon, requireNativeAddon } from '../native/addons';
import { announceCommands, runAnnounceCommand } from './announce';
import type { CommandRunner } from './runner';

/**
 * Tells the link that IPv4 VIPs now live here: `count` rounds one second
 * apart (as arping paces them), each round one broadcast ARP request and one
 * broadcast ARP reply with sender = target = VIP (devices differ in which
 * form they honour). Resolves when the last round is out; an aborted signal
 * stops the rounds still to come (release must silence a burst that would
 * undo the next holder's announcement).
 */
export interface GarpSender {
  readonly kind: 'native' | 'arping';
  announce(args: { iface: string; address: string; count: number; signal: AbortSignal }): Promise<void>;
}

/** Pace of arping's rounds, kept by the native sender so both behave alike on the wire. */
export const GARP_ROUND_MS = 1000;

/** iputils arping through the command runner (so it follows the runner into a namespace). */
export class ArpingGarpSender implements GarpSender {
  readonly kind = 'arping';
  constructor(
    private readonly runner: CommandRunner,
    private readonly baseTimeoutMs: number,
  ) {}

  async announce(args: { iface: string; address: string; count: number; signal: AbortSignal }): Promise<void> {
    const commands = announceCommands({
      address: args.address,
      family: 4,
      iface: args.iface,
      count: args.count,
      gateway: null,
      baseTimeoutMs: this.baseTimeoutMs,
    });
    const results = await Promise.allSettled(commands.map((c) => runAnnounceCommand(this.runner, c, args.signal)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

/** The addon's surface (native/garp.c). */
export interface GarpBinding {
  sendGratuitousArp(iface: string, ipv4: string, reply: boolean): void;
}

/**
 * Frames sent from this process through an AF_PACKET socket (native/garp.c):
 * the first round leaves synchronously, before announce() returns its
 * promise, with no process spawned on the failover path. It sends on the
 * interface of the network namespace this process runs in.
 */
export class NativeGarpSender implements GarpSender {
  readonly kind = 'native';
  constructor(
    private readonly binding: GarpBinding,
    private readonly roundMs: number = GARP_ROUND_MS,
  ) {}

  announce(args: { iface: string; address: string; count: number; signal: AbortSignal }): Promise<void> {
    try {
      this.round(args.iface, args.address);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    return this.rest(args);
  }

  private async rest(args: { iface: string; address: string; count: number; signal: AbortSignal }): Promise<void> {
    for (let i = 1; i < Math.max(1, Math.floor(args.count)); i++) {
      try {
        await sleep(this.roundMs, undefined, { signal: args.signal });
      } catch {
        return; // aborted: released meanwhile
      }
      this.round(args.iface, args.address);
    }
  }

  private round(iface: string, address: string): void {
    for (const reply of [false, true]) {
      try {
        this.binding.sendGratuitousArp(iface, address, reply);
      } catch (e) {
        throw garpError(e, iface, address);
      }
    }
  }
}

function garpError(e: unknown, iface: string, address: string): VipdError {
  const err = e as { code?: unknown; message?: unknown; syscall?: unknown };
  const code = typeof err.code === 'string' ? err.code : 'EIO';
  const message = typeof err.message === 'string' ? err.message : String(e);
  const details = { iface, address, errno: code, syscall: typeof err.syscall === 'string' ? err.syscall : null };
  if (code === 'ENODEV' || code === 'ENXIO') {
    return new VipdError('VIPD_E_INTERFACE', `interface ${iface} does not exist (gratuitous ARP for ${address}: ${message})`, { details });
  }
  const hint =
    code === 'EPERM' || code === 'EACCES'
      ? ': vipd needs CAP_NET_RAW (the systemd unit grants it)'
      : code === 'ENETDOWN'
        ? `: interface ${iface} is down`
        : code === 'EAGAIN' || code === 'EWOULDBLOCK'
          ? `: the transmit queue of ${iface} is full (the frame was not queued; the next round tries again)`
          : '';
  const transient = code === 'ENOBUFS' || code === 'ENETDOWN' || code === 'EAGAIN' || code === 'EWOULDBLOCK';
  return new VipdError('VIPD_E_GARP', `gratuitous ARP for ${address} on ${iface} failed: ${message}${hint}`, { details, transient });
}

/** The package root's compiled addon (npm ci builds it through binding.gyp); null when not built. */
export function findGarpAddon(from: string = __dirname): string | null {
  return findNativeAddon('vipd_garp', from);
}

export function loadNativeGarp(path: string | null = findGarpAddon()): NativeGarpSender {
  const binding: GarpBinding = requireNativeAddon('vipd_garp', path, 'VIPD_E_TOOL_MISSING', ', or set os.arp.sender: arping');
  return new NativeGarpSender(binding);
}
