import type { PreparedProvider, ScenarioProvider } from '../../scenario/provider';
import { startOciLabCloud, type OciLabCloudHandle } from './in-lab';

export interface OciScenarioOptions {
  readonly propagationMs?: number;
  /** Called once the emulator serves (tests read its call log through the handle). */
  readonly onReady?: (cloud: OciLabCloudHandle) => void;
}

/**
 * The emulated OCI cloud as a failover-scenario provider: the emulator in
 * the lab's fabric with the scenario's VIP, and every node's vipd with
 * `provider: oci` signing as its instance principal. Traffic follows the
 * cloud's record only, so the scenario measures a cloud failover: one
 * UpdatePrivateIp per VIP, confirmation through ListPrivateIps, then the OS.
 * No keepalived recipe: the OCI CLI is not part of the lab.
 */
export function ociScenarioProvider(options: OciScenarioOptions = {}): ScenarioProvider {
  return {
    name: 'oci',
    prepare: async (ctx): Promise<PreparedProvider> => {
      const cloud = await startOciLabCloud(ctx.lab, {
        vips: [ctx.vip],
        dir: ctx.dir,
        ...(options.propagationMs === undefined ? {} : { propagationMs: options.propagationMs }),
      });
      options.onReady?.(cloud);
      const env: Record<string, string> = {};
      // No host OCI_* setting (retry or breaker switches, config paths) may reach the lab's daemons.
      for (const k of Object.keys(process.env)) if (k.startsWith('OCI_')) env[k] = '';
      return {
        providerSection: (node) => ({ type: 'oci', oci: cloud.vipdProviderConfig(node) }),
        env: () => env,
        close: () => cloud.stop(),
      };
    },
  };
}
