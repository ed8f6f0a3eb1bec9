/**
 * The EC2 operations the AWS adapter sends (label values of
 * vipd_cloud_requests_total{operation}). Kept apart from the adapter so the
 * provider registry can name them without loading the AWS SDK.
 */
export const AWS_OPERATIONS = [
  'AssignPrivateIpAddresses',
  'AssociateAddress',
  'DescribeAddresses',
  'DescribeNetworkInterfaces',
  'DescribeNetworkInterfaceAttribute',
] as const;
