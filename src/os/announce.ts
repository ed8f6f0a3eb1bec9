import { VipdError } from '../errors';
import type { Family } from '../util/ip';
import type { CommandRunner } from './runner';

/**
 * Argument arrays for telling the link that a VIP now lives here.
 *
 * IPv4: iputils arping, both forms, because devices differ in which one
 * they honour: `-U` (unsolicited request, sender = target = VIP) and `-A`
 * (unsolicited reply). A neighbour with arp_accept=0 only updates an entry
 * it already has, which is the case that matters after a move.
 *
 * IPv6: Debian's ndisc6 package has no unsolicited-advertisement sender, so
 * vipd sends a Neighbour Solicitation *from* the VIP to the gateway with
 * `ndisc6 -s VIP GATEWAY IF`: the gateway records VIP -> our MAC from the
 * solicitation's source link-layer option (RFC 4861 7.2.3), as an ARP
 * request GARP does for IPv4.
 */
export interface AnnounceCommand {
  readonly file: 'arping' | 'ndisc6';
  readonly args: readonly string[];
  /** Exit codes that still mean "sent" (ndisc6 exits 2 when nobody answered). */
  readonly okExitCodes: readonly number[];
  readonly timeoutMs: number;
}

export function announceCommands(args: {
  address: string;
  family: Family;
  iface: string;
  count: number;
  /** IPv6 only: whom to solicit; null skips IPv6 (nobody to tell). */
  gateway: string | null;
  baseTimeoutMs: number;
}): AnnounceCommand[] {
  const count = Math.max(1, Math.floor(args.count));
  if (args.family === 4) {
    // arping sends one packet per second and waits a second after the last.
    const timeoutMs = args.baseTimeoutMs + count * 1000;
    return (['-U', '-A'] as const).map((mode) => ({
      file: 'arping',
      args: [mode, '-c', String(count), '-I', args.iface, '-s', args.address, args.address],
      okExitCodes: [0],
      timeoutMs,
    }));
  }
  if (args.gateway === null) return [];
  const waitMs = 200;
  return [
    {
      file: 'ndisc6',
      args: ['-q', '-s', args.address, '-r', String(count), '-w', String(waitMs), args.gateway, args.iface],
      okExitCodes: [0, 2],
      timeoutMs: args.baseTimeoutMs + count * waitMs,
    },
  ];
}

/** Runs one announcement command; an abort (release) ends it quietly, any other failure is typed. */
export async function runAnnounceCommand(runner: CommandRunner, c: AnnounceCommand, signal: AbortSignal): Promise<void> {
  const r = await runner.run(c.file, c.args, { timeoutMs: c.timeoutMs, signal });
  if (signal.aborted) return; // released meanwhile: stopping the burst was the point
  if (!c.okExitCodes.includes(r.exitCode)) {
    throw new VipdError('VIPD_E_COMMAND_FAILED', `${c.file} ${c.args.join(' ')} exited ${r.exitCode}: ${r.stderr.trim()}`, {
      details: { command: [c.file, ...c.args], exitCode: r.exitCode, stderr: r.stderr.trim() },
    });
  }
}
