import { canonicalIpv4 } from '../../util/ip';
import type { ProviderEntry } from '../registry';
import { OCI_OPERATIONS } from './operations';

/**
 * The registry's OCI line. Imports nothing of the OCI SDK: the adapter
 * (and oci-core with it) is loaded by `create`, at start, only when
 * provider.type is oci.
 */
export const ociProviderEntry: ProviderEntry = {
  operations: OCI_OPERATIONS,
  async create({ config, interfaceName, logger, requests }) {
    const { OciProvider } = await import('./provider');
    // Reserved public IPs are an OCI setting of the VIP: the provider-neutral CloudVip carries the address only.
    const reservedPublicIps = new Map<string, string>();
    for (const group of config.groups) {
      for (const vip of group.vips) {
        if (vip.reservedPublicIpId !== null) reservedPublicIps.set(canonicalIpv4(vip.address) ?? vip.address, vip.reservedPublicIpId);
      }
    }
    return new OciProvider({ interfaceName, config: config.provider.oci, logger, requests, reservedPublicIps });
  },
  async routeSdkOutput(logger) {
    const { routeOciSdkOutput } = await import('./sdk-output');
    return routeOciSdkOutput(logger);
  },
};
