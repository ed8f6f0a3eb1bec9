import type { ProviderEntry } from '../registry';
import { GCP_OPERATIONS } from './operations';

/**
 * The registry's GCP line. Imports nothing of the Google SDK: the adapter
 * (and @google-cloud/compute with it) is loaded by `create`, at start, only
 * when provider.type is gcp.
 */
export const gcpProviderEntry: ProviderEntry = {
  operations: GCP_OPERATIONS,
  async create({ config, interfaceName, logger, requests }) {
    const { GcpProvider } = await import('./provider');
    return new GcpProvider({ interfaceName, config: config.provider.gcp, logger, requests });
  },
};
