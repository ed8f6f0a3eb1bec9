import { join } from 'node:path';
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
 * UpdatePrivateIp per VIP, then the OS, confirmation through ListPrivateIps.
 * keepalived's notify script runs assign-cli.js, a one-shot stand-in for
 * the OCI CLI's `vnic assign-private-ip --unassign-if-already-assigned` on
 * the same SDK (the CLI is not installable here), with the node's API key.
 */
/** Environment additions for a lab daemon: no host OCI_* setting (retry or breaker switches, config paths) may reach it. */
export function ociLabDaemonEnv(base: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.keys(base).flatMap((k) => (k.startsWith('OCI_') ? [[k, '']] : [])));
}

export function ociScenarioProvider(options: OciScenarioOptions = {}): ScenarioProvider {
  return {
    name: 'oci',
    prepare: async (ctx): Promise<PreparedProvider> => {
      const cloud = await startOciLabCloud(ctx.lab, {
        vips: [...ctx.vips],
        dir: ctx.dir,
        ...(options.propagationMs === undefined ? {} : { propagationMs: options.propagationMs }),
      });
      options.onReady?.(cloud);
      const env = ociLabDaemonEnv(process.env);
      return {
        providerSection: (node) => ({ type: 'oci', oci: cloud.vipdProviderConfig(node) }),
        env: () => env,
        close: () => cloud.stop(),
        keepalivedRecipe: (node) => ({
          assignArgv: [
            process.execPath,
            join(ctx.lab.options.distDir, 'lab', 'cloud', 'oci', 'assign-cli.js'),
            '--config-file',
            cloud.node(node).configFile,
            '--endpoint',
            cloud.apiUrl,
            '--vnic-id',
            cloud.node(node).vnicId,
            '--ip-address',
            ctx.vip,
          ],
          env: Object.fromEntries(
            Object.keys(process.env)
              .filter((k) => k.startsWith('OCI_'))
              .map((k) => [k, null]),
          ),
        }),
      };
    },
  };
}
