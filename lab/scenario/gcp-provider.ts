import { VipdError } from '../../src/errors';
import { join } from 'node:path';
import { GCP_LAB_PROJECT, GCP_LAB_ZONE, type GcpLabCloudHandle, gcpLabInstance, startGcpLabCloud } from '../cloud/gcp/in-lab';
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
 * keepalived's notify script runs alias-cli.js, a one-shot stand-in for the
 * guides' two gcloud commands (the peer's aliases cleared, then the VIP set
 * here), since the Cloud SDK is not installable here.
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
        keepalivedRecipe: (node) => {
          if (ctx.nodes !== 2) throw new VipdError('VIPD_E_CONFIG', `the gcloud recipe moves the VIP between two VMs (${ctx.nodes} nodes)`);
          return {
            assignArgv: [
              process.execPath,
              join(ctx.lab.options.distDir, 'lab', 'cloud', 'gcp', 'alias-cli.js'),
              ...['--endpoint', cloud.apiUrl, '--metadata', cloud.metadataUrl, '--project', GCP_LAB_PROJECT, '--zone', GCP_LAB_ZONE],
              ...['--peer', gcpLabInstance(3 - node), '--self', gcpLabInstance(node), '--nic', 'nic0', '--vip', ctx.vip],
            ],
            // No host Google setting (ADC file, project, endpoint override) may reach the script.
            env: Object.fromEntries(
              Object.keys(process.env)
                .filter((k) => k.startsWith('GOOGLE_') || k.startsWith('CLOUDSDK_') || k === 'GCE_METADATA_HOST')
                .map((k) => [k, null]),
            ),
          };
        },
      };
    },
  };
}
