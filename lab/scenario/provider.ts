import type { Lab } from '../netns/lab';
import type { KeepalivedCloudRecipe } from './keepalived-notify';

/**
 * Where the VIP's "cloud" comes from in a scenario. `none` is plain L2 (the
 * OS and gratuitous ARP move it). A cloud plug-in (aws-provider.ts, over the
 * emulated cloud in lab/cloud/) implements ScenarioProvider: it starts its
 * emulator in the lab's fabric and gives each node's vipd its provider
 * section and env; adding one is a new module plus one entry in
 * SCENARIO_PROVIDERS (providers.ts).
 */
export interface ScenarioProviderContext {
  readonly lab: Lab;
  /** The scenario's private temp dir (configs, sockets, state files). */
  readonly dir: string;
  readonly vip: string;
  /** Every VIP of the group (the cloud must know them all). */
  readonly vips: readonly string[];
  readonly nodes: number;
}

export interface PreparedProvider {
  /** The `provider` section of node i's vipd config. */
  providerSection(node: number): Readonly<Record<string, unknown>>;
  /** Extra environment for node i's vipd. */
  env(node: number): Readonly<Record<string, string>>;
  /** Stops whatever prepare() started (teardown still kills the lab's processes). */
  close(): Promise<void>;
  /**
   * The keepalived baseline with this cloud: the CLI call a notify script
   * makes on node i to move the VIP there. Absent (plain L2): keepalived
   * manages the address itself through virtual_ipaddress.
   */
  keepalivedRecipe?(node: number): KeepalivedCloudRecipe;
}

export interface ScenarioProvider {
  readonly name: string;
  prepare(ctx: ScenarioProviderContext): Promise<PreparedProvider>;
}

export const noneProvider: ScenarioProvider = {
  name: 'none',
  prepare: () =>
    Promise.resolve({
      providerSection: () => ({ type: 'none' }),
      env: () => ({}),
      close: () => Promise.resolve(),
    }),
};
