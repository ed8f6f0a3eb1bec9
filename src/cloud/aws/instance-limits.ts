/**
 * Private IPv4 addresses per network interface (primary included), per
 * instance type, from the EC2 User Guide's "IP addresses per network
 * interface per instance type" table. A hint for `vipd doctor` and the
 * emulator's limit; EC2 itself is the authority (PrivateIpAddressLimitExceeded).
 */
const IPV4_PER_ENI: Readonly<Record<string, number>> = {
  't2.nano': 2,
  't2.micro': 2,
  't2.small': 4,
  't2.medium': 6,
  't2.large': 12,
  't3.nano': 2,
  't3.micro': 2,
  't3.small': 4,
  't3.medium': 6,
  't3.large': 12,
  't3.xlarge': 15,
  't3.2xlarge': 15,
  't4g.nano': 2,
  't4g.micro': 2,
  't4g.small': 4,
  't4g.medium': 6,
  't4g.large': 12,
  'm5.large': 10,
  'm5.xlarge': 15,
  'm5.2xlarge': 15,
  'm5.24xlarge': 50,
  'm6i.large': 10,
  'm6i.xlarge': 15,
  'c5.large': 10,
  'c5.xlarge': 15,
  'c6i.large': 10,
  'r5.large': 10,
  'r5.xlarge': 15,
};

/** Addresses one ENI of this type can hold, or null when the type is not in the table. */
export function ipv4AddressesPerEni(instanceType: string): number | null {
  return IPV4_PER_ENI[instanceType] ?? null;
}
