import { type LabCloudHandle, labCloudEnvOverrides, startLabCloud } from './cloud-lab';
import type { PreparedProvider, ScenarioProvider } from './scenario-provider';

export interface AwsScenarioOptions {
  /** Delay between the API call and metadata/traffic following it (default 0; AWS: typically 1-5 s). */
  readonly propagationMs?: number;
  /** Called once the emulator serves (tests read its call log through the handle). */
  readonly onReady?: (cloud: LabCloudHandle) => void;
}

/**
 * The emulated AWS cloud as a failover-scenario provider: the emulator in
 * the lab's fabric with the scenario's VIP, and every node's vipd with
 * `provider: aws` pointed at it. Traffic then follows the cloud's record
 * only (the fabric routes the VIP by it), so a demo or test with this
 * provider measures a cloud failover: API call, confirmation, OS.
 */
export function awsScenarioProvider(options: AwsScenarioOptions = {}): ScenarioProvider {
  return {
    name: 'aws',
    prepare: async (ctx): Promise<PreparedProvider> => {
      const cloud = await startLabCloud(ctx.lab, { vips: [ctx.vip], dir: ctx.dir, ...(options.propagationMs === undefined ? {} : { propagationMs: options.propagationMs }) });
      options.onReady?.(cloud);
      const env = labCloudEnvOverrides(process.env, cloud.region);
      return {
        providerSection: () => ({ type: 'aws', aws: cloud.vipdProviderConfig() }),
        env: () => env,
        close: () => cloud.stop(),
      };
    },
  };
}
