import { type GcpLabCloudHandle, startGcpLabCloud } from '../cloud/gcp/in-lab';
import type { PreparedProvider, ScenarioProvider } from './provider';

export interface GcpScenarioOptions {
  readonly propagationMs?: number;
  readonly operationMs?: number;
  /** Called once the emulator serves (tests read its call log through the handle). */
  readonly onReady?: (cloud: GcpLabCloudHandle) => void;
}

/**
 * The emulated GCP cloud as a failover-scenario provider: the emulator in
 * the lab's fabric with the scenario's VIP, and every node's vipd with
 * `provider: gcp` pointed at it, the other VMs as its peers. Traffic
 * follows the alias record only (the fabric routes the VIP by it).
 */
export function gcpScenarioProvider(options: GcpScenarioOptions = {}): ScenarioProvider {
  return {
    name: 'gcp',
    prepare: async (ctx): Promise<PreparedProvider> => {
      const cloud = await startGcpLabCloud(ctx.lab, {
        vips: [...ctx.vips],
        dir: ctx.dir,
        propagationMs: options.propagationMs,
        operationMs: options.operationMs,
      });
      options.onReady?.(cloud);
      return {
        providerSection: (node) => ({ type: 'gcp', gcp: cloud.vipdProviderConfig(node) }),
        env: () => ({}),
        close: () => cloud.stop(),
      };
    },
  };
}
