import { canonicalIpv4 } from '../../util/ip';
import type { ProviderEntry } from '../registry';
import { AWS_OPERATIONS } from './operations';

/**
 * The registry's AWS line. Imports nothing of the AWS SDK: the adapter
 * (and @aws-sdk/client-ec2 with it) is loaded by `create`, at start, only
 * when provider.type is aws.
 */
export const awsProviderEntry: ProviderEntry = {
  operations: AWS_OPERATIONS,
  async create({ config, interfaceName, logger, clock, requests }) {
    const { AwsProvider } = await import('./provider');
    // Elastic IPs are an AWS setting of the VIP: the provider-neutral CloudVip carries the address only.
    const elasticIps = new Map<string, string>();
    for (const group of config.groups) {
      for (const vip of group.vips) {
        if (vip.elasticIpAllocationId !== null) elasticIps.set(canonicalIpv4(vip.address) ?? vip.address, vip.elasticIpAllocationId);
      }
    }
    return new AwsProvider({ interfaceName, config: config.provider.aws, elasticIps, logger, clock, requests });
  },
};
