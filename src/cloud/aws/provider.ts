import {
  AssignPrivateIpAddressesCommand,
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DescribeNetworkInterfaceAttributeCommand,
  DescribeNetworkInterfacesCommand,
  UnassignPrivateIpAddressesCommand,
  type EC2Client,
  type NetworkInterface,
} from '@aws-sdk/client-ec2';
import type { AwsProviderConfig } from '../../config/types';
import { VipdError, isVipdError } from '../../errors';
import type { CloudHolder } from '../../owner/types';
import { processClock, type MonotonicClock } from '../../util/clock';
import type { Logger } from '../../util/logger';
import { canonicalIpv4, cidrContains, parseIpv4, parseIpv4Cidr } from '../ipv4';
import type { CloudIdentity, CloudProvider, CloudVip } from '../provider';
import { imdsRoleCredentials } from './credentials';
import { createEc2Client, ec2Call } from './ec2';
import { readAwsIdentity } from './identity';
import { ImdsClient } from './imds';
import { ipv4AddressesPerEni } from './instance-limits';
import { sysfsMacOf, type MacOf } from './mac';

export interface AwsProviderDeps {
  /** The OS interface that carries the VIPs; mapped to its ENI by MAC. */
  readonly interfaceName: string;
  readonly config: AwsProviderConfig;
  readonly logger: Logger;
  readonly clock?: MonotonicClock;
  readonly macOf?: MacOf;
  readonly imds?: ImdsClient;
  readonly ec2Client?: EC2Client;
  readonly requestTimeoutMs?: number;
}

/** Pages of DescribeNetworkInterfaces read before giving up (a filter by address matches a handful). */
const MAX_PAGES = 20;

/**
 * AWS: a VIP is a secondary private IPv4 on the ENI behind the configured
 * interface. A move is ONE AssignPrivateIpAddresses with every VIP and
 * AllowReassignment (no window where nobody holds it); an Elastic IP
 * associated with the address follows it. The remap is asynchronous, so
 * confirm() reads what this instance's metadata reports.
 */
export class AwsProvider implements CloudProvider {
  readonly name = 'aws';
  private readonly imds: ImdsClient;
  private readonly macOf: MacOf;
  private readonly log: Logger;
  private identityPromise: Promise<CloudIdentity> | null = null;
  private client: EC2Client | null;

  constructor(private readonly deps: AwsProviderDeps) {
    this.imds =
      deps.imds ??
      new ImdsClient({ baseUrl: deps.config.metadataEndpoint ?? undefined, clock: deps.clock ?? processClock });
    this.macOf = deps.macOf ?? sysfsMacOf();
    this.client = deps.ec2Client ?? null;
    this.log = deps.logger.child({ component: 'cloud', provider: 'aws' });
  }

  identity(): Promise<CloudIdentity> {
    // Cached on success only: a metadata outage at start is retried, not remembered.
    this.identityPromise ??= readAwsIdentity(this.imds, this.deps.interfaceName, this.macOf, this.deps.config.region).then(
      (id) => {
        this.log.info({ instanceId: id.instanceId, eni: id.nicId, mac: id.mac, subnet: id.subnetCidr, region: id.region }, 'AWS identity from instance metadata');
        // Warm the EC2 client and the role credentials now, not on the failover path.
        void this.warmClient();
        return id;
      },
      (e: unknown) => {
        this.identityPromise = null;
        throw e;
      },
    );
    return this.identityPromise;
  }

  async assign(vips: readonly CloudVip[]): Promise<void> {
    if (vips.length === 0) return;
    const id = await this.identity();
    const addresses = this.checkVips(vips, id);
    const ec2 = await this.ec2();
    const out = await ec2Call('AssignPrivateIpAddresses', () =>
      ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: id.nicId, PrivateIpAddresses: addresses, AllowReassignment: true })),
    );
    const echoed = new Set((out.AssignedPrivateIpAddresses ?? []).map((a) => canonicalIpv4(a.PrivateIpAddress ?? '')));
    const missing = addresses.filter((a) => !echoed.has(a));
    if (missing.length > 0) {
      // Not fatal: confirm() is the judge; but an answer that omits our addresses is worth a line.
      this.log.warn({ eni: id.nicId, missing, requestId: out.$metadata.requestId }, 'AssignPrivateIpAddresses answer does not list every VIP');
    }
    await this.associateElasticIps(vips, id);
  }

  async confirm(vips: readonly CloudVip[]): Promise<boolean> {
    if (vips.length === 0) return true;
    const id = await this.identity();
    const lines = await this.imds.getLines(`network/interfaces/macs/${id.mac}/local-ipv4s`);
    const held = new Set<string>();
    for (const line of lines) {
      const ip = canonicalIpv4(line);
      if (ip === null) {
        throw new VipdError('VIPD_E_METADATA', `instance metadata local-ipv4s for ${id.mac} holds "${line.slice(0, 40)}", which is not an IPv4 address`);
      }
      held.add(ip);
    }
    return vips.every((v) => held.has(canonicalIpv4(v.address) ?? v.address));
  }

  async holders(vips: readonly CloudVip[]): Promise<ReadonlyMap<string, CloudHolder>> {
    const result = new Map<string, CloudHolder>();
    if (vips.length === 0) return result;
    const id = await this.identity();
    const addresses = vips.map((v) => requireIpv4(v.address));
    // Only this subnet (where the VIPs live): with overlapping CIDRs, an ENI of another VPC holding the
    // same address is not a holder of ours and must not hide the peer that is.
    const subnetId = id.extra['subnetId'];
    const filters = [{ Name: 'addresses.private-ip-address', Values: addresses }, ...(subnetId ? [{ Name: 'subnet-id', Values: [subnetId] }] : [])];
    const enis = await this.describeEnis({ Filters: filters }, 'DescribeNetworkInterfaces');
    for (const address of addresses) {
      const holding = enis.filter((eni) => eniAddresses(eni).includes(address));
      const mine = holding.find((eni) => eni.NetworkInterfaceId === id.nicId);
      const other = holding[0];
      if (mine !== undefined) result.set(address, { kind: 'me' });
      else if (other === undefined) result.set(address, { kind: 'nobody' });
      // An unattached ENI still holds the address; name it by its ENI id so the operator can find it.
      // The primary address is how the owner recognises a peer (its heartbeat address): without it a
      // peer holding the VIP looks like a stranger, which is contested forever.
      else
        result.set(address, {
          kind: 'other',
          instanceId: other.Attachment?.InstanceId ?? other.NetworkInterfaceId ?? 'unknown',
          nodeId: null,
          primaryAddress: canonicalIpv4(other.PrivateIpAddress ?? '') ?? null,
        });
    }
    return result;
  }

  async unassign(vips: readonly CloudVip[]): Promise<void> {
    if (vips.length === 0) return;
    const id = await this.identity();
    const wanted = vips.map((v) => requireIpv4(v.address));
    const [eni] = await this.describeEnis({ NetworkInterfaceIds: [id.nicId] }, 'DescribeNetworkInterfaces');
    if (eni === undefined) {
      throw new VipdError('VIPD_E_CLOUD_RESPONSE', `DescribeNetworkInterfaces did not return this instance's ENI ${id.nicId}`);
    }
    const primary = canonicalIpv4(eni.PrivateIpAddress ?? '');
    const onEni = new Set(eniAddresses(eni));
    // Only what is still ours: a VIP the peer already took must not be pulled from it.
    const toRemove = wanted.filter((a) => onEni.has(a) && a !== primary);
    if (wanted.includes(primary ?? '')) this.log.warn({ eni: id.nicId, primary }, 'a VIP is the primary address of this ENI; it is never unassigned');
    if (toRemove.length === 0) {
      this.log.debug({ eni: id.nicId, vips: wanted }, 'no VIP left on this ENI; nothing to unassign');
      return;
    }
    const ec2 = await this.ec2();
    await ec2Call('UnassignPrivateIpAddresses', () =>
      ec2.send(new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: id.nicId, PrivateIpAddresses: toRemove })),
    );
  }

  async describe(): Promise<Readonly<Record<string, unknown>>> {
    const id = await this.identity();
    const facts: Record<string, unknown> = {
      provider: 'aws',
      instanceId: id.instanceId,
      region: id.region,
      eni: id.nicId,
      mac: id.mac,
      subnetCidr: id.subnetCidr,
      subnetId: id.extra.subnetId ?? null,
      instanceType: id.extra.instanceType ?? null,
    };
    const limit = ipv4AddressesPerEni(id.extra.instanceType ?? '');
    facts.ipv4PerEniLimit = limit;
    facts.eniAddresses = await fact(async () => {
      const [eni] = await this.describeEnis({ NetworkInterfaceIds: [id.nicId] }, 'DescribeNetworkInterfaces');
      return eni === undefined ? [] : eniAddresses(eni);
    });
    const used = Array.isArray(facts.eniAddresses) ? facts.eniAddresses.length : null;
    facts.ipv4Headroom = limit !== null && used !== null ? limit - used : null;
    facts.sourceDestCheck = await fact(async () => {
      const ec2 = await this.ec2();
      const out = await ec2Call('DescribeNetworkInterfaceAttribute', () =>
        ec2.send(new DescribeNetworkInterfaceAttributeCommand({ NetworkInterfaceId: id.nicId, Attribute: 'sourceDestCheck' })),
      );
      return out.SourceDestCheck?.Value ?? null;
    });
    return facts;
  }

  private async associateElasticIps(vips: readonly CloudVip[], id: CloudIdentity): Promise<void> {
    const withEip = vips.filter((v): v is CloudVip & { elasticIpAllocationId: string } => v.elasticIpAllocationId !== null);
    if (withEip.length === 0) return;
    const ec2 = await this.ec2();
    const out = await ec2Call('DescribeAddresses', () =>
      ec2.send(new DescribeAddressesCommand({ AllocationIds: withEip.map((v) => v.elasticIpAllocationId) })),
    );
    for (const vip of withEip) {
      const address = requireIpv4(vip.address);
      const eip = (out.Addresses ?? []).find((a) => a.AllocationId === vip.elasticIpAllocationId);
      if (eip !== undefined && eip.NetworkInterfaceId === id.nicId && canonicalIpv4(eip.PrivateIpAddress ?? '') === address) continue;
      await ec2Call('AssociateAddress', () =>
        ec2.send(
          new AssociateAddressCommand({
            AllocationId: vip.elasticIpAllocationId,
            NetworkInterfaceId: id.nicId,
            PrivateIpAddress: address,
            AllowReassociation: true,
          }),
        ),
      );
      this.log.info({ allocationId: vip.elasticIpAllocationId, vip: address, eni: id.nicId }, 'associated the Elastic IP with the VIP');
    }
  }

  private async describeEnis(
    input: { Filters?: { Name: string; Values: string[] }[]; NetworkInterfaceIds?: string[] },
    operation: string,
  ): Promise<NetworkInterface[]> {
    const ec2 = await this.ec2();
    const enis: NetworkInterface[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const out = await ec2Call(operation, () => ec2.send(new DescribeNetworkInterfacesCommand({ ...input, NextToken: nextToken })));
      for (const eni of out.NetworkInterfaces ?? []) {
        if (typeof eni.NetworkInterfaceId !== 'string') {
          throw new VipdError('VIPD_E_CLOUD_RESPONSE', `${operation} returned a network interface without an id`);
        }
        enis.push(eni);
      }
      nextToken = out.NextToken === undefined || out.NextToken === '' ? undefined : out.NextToken;
      if (nextToken === undefined) return enis;
    }
    throw new VipdError('VIPD_E_CLOUD_RESPONSE', `${operation} kept paging after ${MAX_PAGES} pages`);
  }

  private async warmClient(): Promise<void> {
    try {
      const client = await this.ec2();
      await client.config.credentials();
    } catch (e) {
      this.log.debug({ err: e instanceof Error ? e.message : String(e) }, 'could not warm the EC2 client; the first call will');
    }
  }

  private async ec2(): Promise<EC2Client> {
    if (this.client !== null) return this.client;
    const id = await this.identity();
    // Two callers may have waited on the identity together: the first one's client (and its warmed credentials) wins.
    if (this.client !== null) return this.client;
    const { endpoint, metadataEndpoint } = this.deps.config;
    this.client = createEc2Client({
      region: id.region ?? 'us-east-1',
      endpoint,
      // Default chain on a real instance; with a metadata override, the role from that endpoint.
      credentials: metadataEndpoint !== null ? imdsRoleCredentials(this.imds) : undefined,
      requestTimeoutMs: this.deps.requestTimeoutMs,
    });
    return this.client;
  }

  private checkVips(vips: readonly CloudVip[], id: CloudIdentity): string[] {
    const subnet = parseIpv4Cidr(id.subnetCidr);
    return vips.map((v) => {
      const address = requireIpv4(v.address);
      if (subnet !== null && !cidrContains(subnet, parseIpv4(address)!)) {
        throw new VipdError('VIPD_E_CLOUD_INVALID', `VIP ${address} is outside subnet ${id.subnetCidr} of ${id.nicId}; AWS can only assign addresses of the ENI's own subnet`, {
          details: { vip: address, subnet: id.subnetCidr, eni: id.nicId },
        });
      }
      return address;
    });
  }
}

function requireIpv4(address: string): string {
  const ip = canonicalIpv4(address);
  if (ip === null) {
    throw new VipdError('VIPD_E_CLOUD_INVALID', `VIP ${address} is not an IPv4 address; the AWS adapter moves secondary private IPv4 addresses only`);
  }
  return ip;
}

function eniAddresses(eni: NetworkInterface): string[] {
  const list = (eni.PrivateIpAddresses ?? []).map((p) => canonicalIpv4(p.PrivateIpAddress ?? ''));
  const primary = canonicalIpv4(eni.PrivateIpAddress ?? '');
  const all = primary === null ? list : [primary, ...list];
  return [...new Set(all.filter((a): a is string => a !== null))];
}

/** One doctor fact: its value, or the error that kept us from reading it (never a silent null). */
async function fact(read: () => Promise<unknown>): Promise<unknown> {
  try {
    return await read();
  } catch (e) {
    if (isVipdError(e)) return { error: { code: e.code, message: e.message } };
    throw e;
  }
}
