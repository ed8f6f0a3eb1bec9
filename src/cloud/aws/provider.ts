import {
  AssignPrivateIpAddressesCommand,
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DescribeNetworkInterfaceAttributeCommand,
  DescribeNetworkInterfacesCommand,
  type EC2Client,
  type NetworkInterface,
} from '@aws-sdk/client-ec2';
import type { AwsProviderConfig } from '../../config/types';
import { VipdError } from '../../errors';
import { processClock, type MonotonicClock } from '../../util/clock';
import type { Logger } from '../../util/logger';
import { canonicalIpv4, cidrContains, ipv4Number, parseIpv4Cidr } from '../../util/ip';
import { untilAborted } from '../call-context';
import { readFact } from '../fact';
import { observeLocalViewFirst } from '../observe';
import type { CloudCallContext, CloudCheck, CloudFacts, CloudHolder, CloudIdentity, CloudProvider, CloudVip } from '../provider';
import type { CloudRequestSink } from '../requests';
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
  /** Elastic IP allocation id per VIP address (canonical), for the VIPs that have one. */
  readonly elasticIps?: ReadonlyMap<string, string>;
  readonly logger: Logger;
  readonly clock?: MonotonicClock;
  readonly macOf?: MacOf;
  readonly imds?: ImdsClient;
  readonly ec2Client?: EC2Client;
  readonly requestTimeoutMs?: number;
  /** Told about every EC2 operation sent (vipd_cloud_requests_total). */
  readonly requests?: CloudRequestSink;
}

/** Pages of DescribeNetworkInterfaces read before giving up (a filter by address matches a handful). */
const MAX_PAGES = 20;

/**
 * AWS: a VIP is a secondary private IPv4 on the ENI behind the configured
 * interface. A move is ONE AssignPrivateIpAddresses with every VIP and
 * AllowReassignment (atomic: no window where nobody holds it); an Elastic
 * IP associated with the address follows it. The remap is asynchronous, so
 * confirm() reads what this instance's metadata reports, and the periodic
 * ownership check reads metadata first (no API call while all is well).
 */
export class AwsProvider implements CloudProvider {
  readonly name = 'aws';
  private readonly imds: ImdsClient;
  private readonly macOf: MacOf;
  private readonly log: Logger;
  private readonly elasticIps: ReadonlyMap<string, string>;
  private identityPromise: Promise<CloudIdentity> | null = null;
  private client: EC2Client | null;

  constructor(private readonly deps: AwsProviderDeps) {
    this.imds = deps.imds ?? new ImdsClient({ baseUrl: deps.config.metadataEndpoint ?? undefined, clock: deps.clock ?? processClock });
    this.macOf = deps.macOf ?? sysfsMacOf();
    this.client = deps.ec2Client ?? null;
    this.log = deps.logger.child({ component: 'cloud', provider: 'aws' });
    this.elasticIps = deps.elasticIps ?? new Map();
  }

  /**
   * Read once and shared by concurrent callers, so the read itself is not
   * tied to one caller's signal; each caller stops waiting when its own
   * context aborts.
   */
  identity(ctx: CloudCallContext): Promise<CloudIdentity> {
    // Cached on success only: a metadata outage at start is retried, not remembered.
    this.identityPromise ??= readAwsIdentity(this.imds, this.deps.interfaceName, this.macOf, this.deps.config.region).then(
      (id) => {
        this.log.info(
          { instanceId: id.instanceId, eni: id.nicId, mac: id.mac, subnet: id.subnetCidr, region: id.region },
          'AWS identity from instance metadata',
        );
        // Warm the EC2 client and the role credentials now, not on the failover path.
        void this.warmClient(id);
        return id;
      },
      (e: unknown) => {
        this.identityPromise = null;
        throw e;
      },
    );
    return untilAborted(this.identityPromise, ctx);
  }

  async assign(vips: readonly CloudVip[], ctx: CloudCallContext): Promise<void> {
    if (vips.length === 0) return;
    const id = await this.identity(ctx);
    const addresses = this.checkVips(vips, id);
    const ec2 = this.ec2(id);
    const out = await ec2Call('AssignPrivateIpAddresses', ctx, (o) =>
      ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: id.nicId, PrivateIpAddresses: addresses, AllowReassignment: true }), o),
    );
    const echoed = new Set((out.AssignedPrivateIpAddresses ?? []).map((a) => canonicalIpv4(a.PrivateIpAddress ?? '')));
    const missing = addresses.filter((a) => !echoed.has(a));
    if (missing.length > 0) {
      // Not fatal: confirm() is the judge; but an answer that omits our addresses is worth a line.
      this.log.warn({ eni: id.nicId, missing, requestId: out.$metadata.requestId }, 'AssignPrivateIpAddresses answer does not list every VIP');
    }
    await this.associateElasticIps(addresses, id, ctx);
  }

  async confirm(vips: readonly CloudVip[], ctx: CloudCallContext): Promise<boolean> {
    if (vips.length === 0) return true;
    const id = await this.identity(ctx);
    const lines = await this.imds.getLines(`network/interfaces/macs/${id.mac}/local-ipv4s`, ctx.signal);
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

  async holders(vips: readonly CloudVip[], ctx: CloudCallContext): Promise<ReadonlyMap<string, CloudHolder>> {
    const result = new Map<string, CloudHolder>();
    if (vips.length === 0) return result;
    const id = await this.identity(ctx);
    const addresses = vips.map((v) => requireIpv4(v.address));
    // Only this subnet (where the VIPs live): with overlapping CIDRs, an ENI of another VPC holding the
    // same address is not a holder of ours and must not hide the peer that is.
    const subnetId = id.extra['subnetId'];
    const filters = [{ Name: 'addresses.private-ip-address', Values: addresses }, ...(subnetId ? [{ Name: 'subnet-id', Values: [subnetId] }] : [])];
    const enis = await this.describeEnis(id, { Filters: filters }, ctx);
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

  /** Metadata's local-ipv4s first (free); DescribeNetworkInterfaces only when it does not show every VIP here. */
  observeHolders(vips: readonly CloudVip[], ctx: CloudCallContext): Promise<ReadonlyMap<string, CloudHolder>> {
    return observeLocalViewFirst(vips, ctx, {
      local: (v, c) => this.confirm(v, c),
      record: (v, c) => this.holders(v, c),
      logger: this.log,
    });
  }

  async describe(ctx: CloudCallContext): Promise<CloudFacts> {
    const id = await this.identity(ctx);
    const instanceType = id.extra.instanceType ?? '';
    const limit = ipv4AddressesPerEni(instanceType);
    const addressCapacity =
      limit === null
        ? null
        : await readFact(async () => {
            const [eni] = await this.describeEnis(id, { NetworkInterfaceIds: [id.nicId] }, ctx);
            return { limit, used: eni === undefined ? 0 : eniAddresses(eni).length };
          });
    const checks: CloudCheck[] = [];
    const sdc = await readFact(async () => {
      const ec2 = this.ec2(id);
      const out = await ec2Call('DescribeNetworkInterfaceAttribute', ctx, (o) =>
        ec2.send(new DescribeNetworkInterfaceAttributeCommand({ NetworkInterfaceId: id.nicId, Attribute: 'sourceDestCheck' }), o),
      );
      return out.SourceDestCheck?.Value ?? null;
    });
    if (typeof sdc === 'boolean') {
      checks.push({
        check: 'source/destination check',
        status: 'pass',
        detail: `sourceDestCheck=${String(sdc)} on ${id.nicId} (secondary-IP VIPs work either way; routing VIPs through the instance would need it off)`,
        fix: null,
      });
    } else if (sdc !== null) {
      checks.push({
        check: 'source/destination check',
        status: 'warn',
        detail: `cannot read it: ${sdc.error.message}`,
        fix: 'allow ec2:DescribeNetworkInterfaceAttribute to see it (optional; docs/clouds/aws.md)',
      });
    }
    if (limit === null) {
      checks.push({
        check: 'NIC address limit',
        status: 'warn',
        detail: `instance type ${instanceType || '(unknown)'} is not in vipd's table of addresses per ENI`,
        fix: null,
      });
    }
    return { nicId: id.nicId, addressCapacity, checks };
  }

  private async associateElasticIps(addresses: readonly string[], id: CloudIdentity, ctx: CloudCallContext): Promise<void> {
    const withEip = addresses.flatMap((address) => {
      const allocationId = this.elasticIps.get(address);
      return allocationId === undefined ? [] : [{ address, allocationId }];
    });
    if (withEip.length === 0) return;
    const ec2 = this.ec2(id);
    const out = await ec2Call('DescribeAddresses', ctx, (o) =>
      ec2.send(new DescribeAddressesCommand({ AllocationIds: withEip.map((v) => v.allocationId) }), o),
    );
    for (const vip of withEip) {
      const eip = (out.Addresses ?? []).find((a) => a.AllocationId === vip.allocationId);
      if (eip !== undefined && eip.NetworkInterfaceId === id.nicId && canonicalIpv4(eip.PrivateIpAddress ?? '') === vip.address) continue;
      await ec2Call('AssociateAddress', ctx, (o) =>
        ec2.send(
          new AssociateAddressCommand({
            AllocationId: vip.allocationId,
            NetworkInterfaceId: id.nicId,
            PrivateIpAddress: vip.address,
            AllowReassociation: true,
          }),
          o,
        ),
      );
      this.log.info({ allocationId: vip.allocationId, vip: vip.address, eni: id.nicId }, 'associated the Elastic IP with the VIP');
    }
  }

  private async describeEnis(
    id: CloudIdentity,
    input: { Filters?: { Name: string; Values: string[] }[]; NetworkInterfaceIds?: string[] },
    ctx: CloudCallContext,
  ): Promise<NetworkInterface[]> {
    const operation = 'DescribeNetworkInterfaces';
    const ec2 = this.ec2(id);
    const enis: NetworkInterface[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const out = await ec2Call(operation, ctx, (o) => ec2.send(new DescribeNetworkInterfacesCommand({ ...input, NextToken: nextToken }), o));
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

  private async warmClient(id: CloudIdentity): Promise<void> {
    try {
      await this.ec2(id).config.credentials();
    } catch (e) {
      this.log.debug({ err: e instanceof Error ? e.message : String(e) }, 'could not warm the EC2 client; the first call will');
    }
  }

  /** The client for the identity's region, made once (every call comes after the identity). */
  private ec2(id: CloudIdentity): EC2Client {
    if (this.client !== null) return this.client;
    const { endpoint, metadataEndpoint } = this.deps.config;
    this.client = createEc2Client({
      region: id.region ?? 'us-east-1',
      endpoint,
      // Default chain on a real instance; with a metadata override, the role from that endpoint.
      credentials: metadataEndpoint !== null ? imdsRoleCredentials(this.imds) : undefined,
      requestTimeoutMs: this.deps.requestTimeoutMs,
      requests: this.deps.requests,
    });
    return this.client;
  }

  private checkVips(vips: readonly CloudVip[], id: CloudIdentity): string[] {
    const subnet = parseIpv4Cidr(id.subnetCidr);
    return vips.map((v) => {
      const address = requireIpv4(v.address);
      if (subnet !== null && !cidrContains(subnet, ipv4Number(address)!)) {
        throw new VipdError(
          'VIPD_E_CLOUD_INVALID',
          `VIP ${address} is outside subnet ${id.subnetCidr} of ${id.nicId}; AWS can only assign addresses of the ENI's own subnet`,
          {
            details: { vip: address, subnet: id.subnetCidr, eni: id.nicId },
          },
        );
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
