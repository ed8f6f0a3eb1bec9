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
  /**
   * Several VIPs in one go, as the SDN applies the changes of one API call
   * together (one AssignPrivateIpAddresses for 32 VIPs is not 32 remaps in a
   * row); `via` null blackholes. On an error none or some may be applied.
   */
  program(routes: readonly FabricRoute[]): Promise<void>;
}

export interface FabricRoute {
  readonly vip: string;
  /** The holder's primary address, or null: nobody holds it. */
  readonly via: string | null;
}

function routeArgs(r: FabricRoute): string[] {
  return r.via === null ? ['route', 'replace', 'blackhole', `${r.vip}/32`] : ['route', 'replace', `${r.vip}/32`, 'via', r.via];
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
    await this.program([{ vip, via: nodePrimaryIp }]);
  }

  async blackhole(vip: string): Promise<void> {
    await this.program([{ vip, via: null }]);
  }

  /** One `ip` process whatever the count: `-batch -` for several (a spawn per VIP cost ~6 ms each). */
  async program(routes: readonly FabricRoute[]): Promise<void> {
    const [only] = routes;
    if (only === undefined) return;
    if (routes.length === 1) {
      await this.ip(routeArgs(only));
      return;
    }
    const input = routes.map((r) => `${routeArgs(r).join(' ')}\n`).join('');
    await this.ip(['-batch', '-'], input);
  }

  private async ip(args: readonly string[], input?: string): Promise<void> {
    const ns = this.options.namespace;
    await runChecked(this.runner, this.options.ipBinary ?? 'ip', ns === undefined ? args : ['-n', ns, ...args], input === undefined ? {} : { input });
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

  async program(routes: readonly FabricRoute[]): Promise<void> {
    for (const r of routes) await (r.via === null ? this.blackhole(r.vip) : this.routeTo(r.vip, r.via));
  }
}
