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
    return new OciProvider({ interfaceName, config: config.provider.oci, logger, requests });
  },
};
