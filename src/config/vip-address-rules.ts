/**
 * Addresses a VIP can never work at, whatever the host does: pure rules on
 * an address and the subnet it lives in. The loader applies them to the
 * subnet it knows: `vips[].prefix` when set (also offline), and the
 * interface's primary subnet on the host.
 */
import { formatCidr, fullPrefix, networkOf, type ParsedIp } from '../util/ip';

export interface Subnet {
  readonly network: ParsedIp;
  readonly prefix: number;
}

/**
 * Addresses a provider keeps for itself in every subnet, as offsets from
 * the start (0, 1, ...) and from the end (-1 is the last address). AWS: the
 * network address, the VPC router, the DNS server, one reserved for future
 * use, and the last address (IPv4 and IPv6 alike). OCI: the network
 * address, the virtual router and the last address. GCP: the network
 * address, the default gateway, the second-to-last address and the
 * broadcast address of a subnet's primary IPv4 range.
 */
const PROVIDER_RESERVED: Readonly<Record<string, { readonly offsets: readonly number[]; readonly what: string }>> = {
  aws: { offsets: [0, 1, 2, 3, -1], what: 'AWS reserves the first four and the last address of every subnet' },
  oci: { offsets: [0, 1, -1], what: 'OCI reserves the first two and the last address of every subnet' },
  gcp: { offsets: [0, 1, -2, -1], what: 'GCP reserves the network, gateway, second-to-last and broadcast addresses of every subnet range' },
};

export function subnetOf(address: ParsedIp, prefix: number): Subnet {
  return { network: networkOf(address, prefix), prefix };
}

/** Why `vip` can never serve in `subnet` with this provider, or null. The VIP is inside the subnet. */
export function unusableVipReason(vip: ParsedIp, subnet: Subnet, provider: string | null): string | null {
  const hostBits = fullPrefix(vip.family) - subnet.prefix;
  if (hostBits <= 0) return null;
  const offset = toBigInt(vip.bytes) - toBigInt(subnet.network.bytes);
  const size = 1n << BigInt(hostBits);
  const cidr = formatNetwork(subnet);
  const reserved = provider === null ? undefined : PROVIDER_RESERVED[provider];
  // Checked first: it names the provider, which is the more useful reason when both apply.
  if (reserved !== undefined && hostBits >= 3) {
    for (const o of reserved.offsets) {
      const at = o >= 0 ? BigInt(o) : size + BigInt(o);
      if (offset === at) return `an address the provider can assign: ${reserved.what} (here ${cidr})`;
    }
  }
  // /31 and /32 (RFC 3021) and IPv6 /127-/128 have no network or broadcast address.
  if (vip.family === 4 && hostBits >= 2) {
    if (offset === 0n) return `an address other than the network address of ${cidr}`;
    if (offset === size - 1n) return `an address other than the broadcast address of ${cidr}`;
  }
  if (vip.family === 6 && hostBits >= 2 && offset === 0n) return `an address other than the subnet-router anycast address of ${cidr} (all host bits zero)`;
  return null;
}

function toBigInt(bytes: readonly number[]): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

function formatNetwork(s: Subnet): string {
  return formatCidr(s.network, s.prefix);
}
