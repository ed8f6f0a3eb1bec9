/**
 * The Core Services (VirtualNetwork) operations the OCI adapter sends
 * (label values of vipd_cloud_requests_total{operation}). Kept apart from
 * the adapter so the provider registry can name them without loading the
 * OCI SDK.
 */
export const OCI_OPERATIONS = ['ListPrivateIps', 'CreatePrivateIp', 'UpdatePrivateIp', 'GetVnic', 'UpdatePublicIp', 'GetPublicIp'] as const;
export type OciOperation = (typeof OCI_OPERATIONS)[number];
