import { type LabCloudHandle, labCloudEnv, labCloudEnvOverrides, startLabCloud } from '../cloud/aws/in-lab';
import type { PreparedProvider, ScenarioProvider } from './provider';

/** labCloudEnv for a shell script: the host's AWS_* variables unset (null), the lab's set (AWS_PAGER stays empty). */
export function keepalivedScriptEnv(base: NodeJS.ProcessEnv, region: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const k of Object.keys(base)) if (k.startsWith('AWS_')) out[k] = null;
  for (const [k, v] of Object.entries(labCloudEnv({}, region))) if (v !== undefined) out[k] = v;
  return out;
}

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
      // A type whose ENIs hold 50 addresses: the scale benchmark puts 32 VIPs on one.
      const cloud = await startLabCloud(ctx.lab, {
        vips: [...ctx.vips],
        dir: ctx.dir,
        ...(ctx.vips.length > 11 ? { instanceType: 'm5.24xlarge' } : {}),
        ...(options.propagationMs === undefined ? {} : { propagationMs: options.propagationMs }),
      });
      options.onReady?.(cloud);
      const env = labCloudEnvOverrides(process.env, cloud.region);
      return {
        providerSection: () => ({ type: 'aws', aws: cloud.vipdProviderConfig() }),
        env: () => env,
        close: () => cloud.stop(),
        // The HA guides' notify_master call, signed with the node's instance role from the emulated IMDS.
        keepalivedRecipe: (node) => ({
          assignArgv: cloud.awsCliArgv([
            'ec2',
            'assign-private-ip-addresses',
            '--network-interface-id',
            cloud.node(node).eniId,
            '--private-ip-addresses',
            ctx.vip,
            '--allow-reassignment',
          ]),
          env: keepalivedScriptEnv(process.env, cloud.region),
        }),
      };
    },
  };
}
