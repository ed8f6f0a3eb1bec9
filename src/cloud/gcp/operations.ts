/**
 * The Compute API operations the GCP adapter sends (label values of
 * vipd_cloud_requests_total{operation}). Kept apart from the adapter so the
 * provider registry can name them without loading the Google SDK.
 */
export const GCP_OPERATIONS = ['instances.get', 'instances.updateNetworkInterface', 'zoneOperations.wait'] as const;

export type GcpOperation = (typeof GCP_OPERATIONS)[number];

/** The permission each operation needs, named in a permission error's hint. */
export const GCP_PERMISSIONS: Readonly<Record<GcpOperation, string>> = {
  'instances.get': 'compute.instances.get',
  'instances.updateNetworkInterface': 'compute.instances.updateNetworkInterface',
  // wait needs no permission of its own: Compute checks get.
  'zoneOperations.wait': 'compute.zoneOperations.get',
};
