import { labCloudEnvOverrides, startLabCloud } from '../../../lab/cloud/aws/in-lab';
import type { Ec2CallRecord } from '../../../lab/cloud/call-log';
import type { LabCloudControlClient } from '../../../lab/cloud/control-client';
import type { FaultRule } from '../../../lab/cloud/faults';
import { startGcpLabCloud } from '../../../lab/cloud/gcp/in-lab';
import { startOciLabCloud } from '../../../lab/cloud/oci/in-lab';
import { ociLabDaemonEnv } from '../../../lab/cloud/oci/scenario-provider';
import type { Lab } from '../../../lab/netns/lab';

export type FaultProvider = 'none' | 'aws' | 'oci' | 'gcp';
export type CloudProvider = Exclude<FaultProvider, 'none'>;
export const ALL_FAULT_PROVIDERS: readonly FaultProvider[] = ['none', 'aws', 'oci', 'gcp'];

/**
 * The columns a run covers: every provider, or the comma-separated list in
 * VIPD_FAULT_PROVIDERS (CI spreads the columns over its two whole-suite
 * runs to stay within its time). A name that is not a provider is an error,
 * not an empty column: a typo must not pass as "nothing to test".
 */
export function selectedProviders(raw: string | undefined): readonly FaultProvider[] {
  if (raw === undefined || raw.trim() === '') return ALL_FAULT_PROVIDERS;
  const names = raw.split(',').map((s) => s.trim());
  for (const n of names) {
    if (!(ALL_FAULT_PROVIDERS as readonly string[]).includes(n)) {
      throw new Error(`VIPD_FAULT_PROVIDERS: "${n}" is not one of ${ALL_FAULT_PROVIDERS.join(', ')}`);
    }
  }
  return ALL_FAULT_PROVIDERS.filter((p) => names.includes(p));
}

/** What the fault suite needs of an emulated cloud, the same for every flavour. */
export interface FaultCloud {
  readonly provider: CloudProvider;
  readonly control: LabCloudControlClient;
  /** Who the control plane says holds each VIP (lab node index), null = nobody. */
  holders(vips: readonly string[]): Promise<Map<string, number | null>>;
  /** The `provider` section of node i's vipd config. */
  providerSection(node: number): Record<string, unknown>;
  /** Variables added to node i's vipd environment. */
  env(): Record<string, string>;
  /** The API calls that move a VIP, oldest first. */
  moveCalls(): Promise<Ec2CallRecord[]>;
  stop(): Promise<void>;
}

/**
 * Per cloud, the call that moves a VIP and the errors that cloud documents
 * for throttling and a server fault, in its own vocabulary (the emulator
 * renders them as that API does).
 */
export interface CloudFaultVocabulary {
  readonly moveAction: string;
  readonly throttling: FaultRule['error'];
  readonly serverError: FaultRule['error'];
}

export const CLOUD_FAULTS: Readonly<Record<CloudProvider, CloudFaultVocabulary>> = {
  aws: {
    moveAction: 'AssignPrivateIpAddresses',
    throttling: { code: 'RequestLimitExceeded' },
    serverError: { code: 'InternalError', status: 500 },
  },
  oci: {
    moveAction: 'UpdatePrivateIp',
    throttling: { code: 'TooManyRequests', status: 429 },
    serverError: { code: 'InternalServerError', status: 500 },
  },
  gcp: {
    moveAction: 'instances.updateNetworkInterface',
    throttling: { code: 'rateLimitExceeded', status: 429 },
    serverError: { code: 'backendError', status: 503 },
  },
};

/** Starts the emulated cloud of `provider` in the lab's fabric, knowing `vips`. */
export async function startFaultCloud(provider: CloudProvider, lab: Lab, vips: readonly string[], dir: string): Promise<FaultCloud> {
  const moveAction = CLOUD_FAULTS[provider].moveAction;
  switch (provider) {
    case 'aws': {
      const cloud = await startLabCloud(lab, { vips, dir });
      const env = labCloudEnvOverrides(process.env, cloud.region);
      return {
        provider,
        control: cloud.control,
        holders: (v) => cloud.holders(v),
        providerSection: () => ({ aws: cloud.vipdProviderConfig() }),
        env: () => env,
        moveCalls: () => cloud.ec2Calls(moveAction),
        stop: () => cloud.stop(),
      };
    }
    case 'oci': {
      const cloud = await startOciLabCloud(lab, { vips, dir });
      const env = ociLabDaemonEnv(process.env);
      return {
        provider,
        control: cloud.control,
        holders: (v) => cloud.holders(v),
        providerSection: (node) => ({ oci: cloud.vipdProviderConfig(node) }),
        env: () => env,
        moveCalls: () => cloud.apiCalls(moveAction),
        stop: () => cloud.stop(),
      };
    }
    case 'gcp': {
      const cloud = await startGcpLabCloud(lab, { vips, dir });
      return {
        provider,
        control: cloud.control,
        holders: (v) => cloud.holders(v),
        providerSection: (node) => ({ gcp: cloud.vipdProviderConfig(node) }),
        env: () => ({}),
        moveCalls: () => cloud.apiCalls(moveAction),
        stop: () => cloud.stop(),
      };
    }
  }
}
