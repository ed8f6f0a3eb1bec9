import type { CommandRunner } from '../../src/os/runner';
import { runChecked } from '../../src/os/exec-runner';
import type { Logger } from '../../src/util/logger';

/**
 * How the emulated cloud steers traffic in the lab: the fabric namespace
 * routes each VIP to the node whose ENI holds it, or drops it while nobody
 * does, just as the VPC's SDN does after an assignment. The lab builder
 * owns the namespaces; this is the only thing the emulator asks of them.
 */
export interface FabricProgrammer {
  routeTo(vip: string, nodePrimaryIp: string): Promise<void>;
  blackhole(vip: string): Promise<void>;
}

/**
 * The real thing: iproute2 in the namespace the emulator runs in, or in
 * `namespace` (`ip -n NS ...`) when the emulator runs outside the fabric.
 */
export class IpRouteFabric implements FabricProgrammer {
  constructor(
    private readonly runner: CommandRunner,
    private readonly options: { readonly namespace?: string; readonly ipBinary?: string } = {},
  ) {}

  async routeTo(vip: string, nodePrimaryIp: string): Promise<void> {
    await this.ip(['route', 'replace', `${vip}/32`, 'via', nodePrimaryIp]);
  }

  async blackhole(vip: string): Promise<void> {
    await this.ip(['route', 'replace', 'blackhole', `${vip}/32`]);
  }

  private async ip(args: readonly string[]): Promise<void> {
    const ns = this.options.namespace;
    await runChecked(this.runner, this.options.ipBinary ?? 'ip', ns === undefined ? args : ['-n', ns, ...args]);
  }
}

/** For running the emulator without a fabric (API and metadata only): logs what it would do. */
export class LoggingFabric implements FabricProgrammer {
  constructor(private readonly logger: Logger) {}

  async routeTo(vip: string, nodePrimaryIp: string): Promise<void> {
    this.logger.info({ vip, via: nodePrimaryIp }, 'fabric: route VIP to node (not programmed: --fabric none)');
  }

  async blackhole(vip: string): Promise<void> {
    this.logger.info({ vip }, 'fabric: blackhole VIP (not programmed: --fabric none)');
  }
}
