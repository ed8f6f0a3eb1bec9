import type { Logger } from '../util/logger';
import type { GarpSender } from './garp';

/**
 * `vipd run --dry-run`: logs the gratuitous ARP the configured sender would
 * send, and sends nothing. It reports the configured sender's kind, so a
 * dry run of a `native` config does not ask for arping in preflight.
 */
export class DryRunGarpSender implements GarpSender {
  constructor(
    readonly kind: GarpSender['kind'],
    private readonly logger: Logger,
  ) {}

  announce(args: { iface: string; address: string; count: number }): Promise<void> {
    this.logger.info(
      { dryRun: true, garp: { sender: this.kind, iface: args.iface, address: args.address, rounds: args.count } },
      `dry run: would send gratuitous ARP for ${args.address} on ${args.iface}`,
    );
    return Promise.resolve();
  }
}
