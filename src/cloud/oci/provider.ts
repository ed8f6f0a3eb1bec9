import type { PrivateIp } from 'oci-core/lib/model';
import type { VirtualNetworkClient } from 'oci-core';
import type { OciProviderConfig } from '../../config/types';
import { VipdError, asVipdError, isVipdError } from '../../errors';
import type { Logger } from '../../util/logger';
import { untilAborted } from '../call-context';
import { readFact } from '../fact';
import { canonicalIpv4, cidrContains, ipv4Number, parseIpv4Cidr } from '../../util/ip';
import { observeLocalViewFirst } from '../observe';
import type { CloudCallContext, CloudFacts, CloudHolder, CloudIdentity, CloudProvider, CloudVip } from '../provider';
import type { CloudRequestSink } from '../requests';
import { sysfsMacOf, type MacOf } from '../aws/mac';
import { createOciAuth, type OciAuth } from './auth';
import { createVirtualNetworkClient, ociCall, type OciCallDeps } from './client';
import { readOciIdentity } from './identity';
import { OciImdsClient } from './imds';
import type { OciOperation } from './operations';
import { ensureReservedPublicIp } from './public-ip';

export interface OciProviderDeps {
  readonly interfaceName: string;
  readonly config: OciProviderConfig;
  readonly logger: Logger;
  readonly macOf?: MacOf;
  readonly imds?: OciImdsClient;
  /** Tests: a ready client and auth (otherwise made from the config after the identity). */
  readonly client?: VirtualNetworkClient;
  readonly auth?: OciAuth;
  readonly requestTimeoutMs?: number;
  readonly requests?: CloudRequestSink;
  /** VIPs moved at once (one request each); the rest wait their turn. */
  readonly concurrency?: number;
  /** Reserved public IP OCID per VIP address (canonical): assigned when vipd creates the VIP's private IP. */
  readonly reservedPublicIps?: ReadonlyMap<string, string>;
  /** Time between two GetPublicIp while a public IP is ASSIGNING. */
  readonly publicIpPollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Addresses a VNIC can hold, primary included: 1 + 63 secondary (the lower of the two figures OCI's documentation gives). */
export const OCI_ADDRESSES_PER_VNIC = 64;
const DEFAULT_CONCURRENCY = 8;
/**
 * From this many VIPs on, one listing of the subnet (up to 1000 per page)
 * replaces a ListPrivateIps per VIP: a move of 32 VIPs made 64 signed calls,
 * and each costs the SDK a few ms of CPU (in the lab the cloud phase grew 6
 * ms per VIP).
 */
const SUBNET_LISTING_FROM = 2;
const SUBNET_PAGE = 1000;
const MAX_PAGES = 50;
const DEFAULT_PUBLIC_IP_POLL_MS = 500;

/**
 * OCI: a VIP is a secondary private IP on the VNIC behind the configured
 * interface. OCI moves one private IP per call: per VIP, ListPrivateIps by
 * address and subnet, then UpdatePrivateIp to move it here (same subnet
 * only, never a primary) or CreatePrivateIp when nobody has it. It never
 * deletes one on failover: a delete-then-create leaves a window where
 * nobody holds the address and loses a public IP attached to it.
 * Instance metadata lists no secondary addresses, so confirm() and the
 * periodic check ask the API (ListPrivateIps on this VNIC: one call).
 * A reserved public IP on the private IP moves with it; only a private IP
 * vipd creates (or finds already here) needs one assigned (public-ip.ts).
 */
export class OciProvider implements CloudProvider {
  readonly name = 'oci';
  private readonly imds: OciImdsClient;
  private readonly macOf: MacOf;
  private readonly log: Logger;
  private identityPromise: Promise<CloudIdentity> | null = null;
  private subnetPromise: Promise<string> | null = null;
  private clientPromise: Promise<{ client: VirtualNetworkClient; call: OciCallDeps }> | null = null;
  /** Primary address per holder VNIC: how the owner recognises a peer (a VNIC's primary never moves). */
  private readonly primaryOf = new Map<string, string | null>();

  constructor(private readonly deps: OciProviderDeps) {
    this.imds = deps.imds ?? new OciImdsClient({ baseUrl: deps.config.metadataEndpoint ?? undefined });
    this.macOf = deps.macOf ?? sysfsMacOf();
    this.log = deps.logger.child({ component: 'cloud', provider: 'oci' });
  }

  identity(ctx: CloudCallContext): Promise<CloudIdentity> {
    // Cached on success only: a metadata outage at start is retried, not remembered.
    this.identityPromise ??= readOciIdentity(this.imds, this.deps.interfaceName, this.macOf, this.deps.config.region).then(
      (id) => {
        this.log.info(
          { instanceId: id.instanceId, vnic: id.nicId, mac: id.mac, subnet: id.subnetCidr, region: id.region },
          'OCI identity from instance metadata',
        );
        this.warmUp(id);
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
    const subnetId = await this.subnetId(id, ctx);
    const known = await this.subnetIndex(addresses, subnetId, ctx);
    const results = await mapBounded(addresses, this.deps.concurrency ?? DEFAULT_CONCURRENCY, (address) => this.assignOne(address, id, subnetId, ctx, known));
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (failures.length === 0) return;
    // A permanent failure decides (retrying cannot fix it); otherwise the first transient one.
    throw failures.find((e) => isVipdError(e) && !e.transient) ?? failures[0];
  }

  async confirm(vips: readonly CloudVip[], ctx: CloudCallContext): Promise<boolean> {
    if (vips.length === 0) return true;
    const id = await this.identity(ctx);
    const held = new Set((await this.listPrivateIps({ vnicId: id.nicId }, ctx)).map((p) => canonicalIpv4(p.ipAddress ?? '')));
    return vips.every((v) => held.has(canonicalIpv4(v.address) ?? v.address));
  }

  async holders(vips: readonly CloudVip[], ctx: CloudCallContext): Promise<ReadonlyMap<string, CloudHolder>> {
    const result = new Map<string, CloudHolder>();
    if (vips.length === 0) return result;
    const id = await this.identity(ctx);
    const subnetId = await this.subnetId(id, ctx);
    const addresses = vips.map((v) => requireIpv4(v.address));
    const known = await this.subnetIndex(addresses, subnetId, ctx);
    const found = await mapBounded(addresses, this.deps.concurrency ?? DEFAULT_CONCURRENCY, async (address) => {
      const ips =
        known !== null ? [known.get(address)].filter((p): p is PrivateIp => p !== undefined) : await this.listPrivateIps({ ipAddress: address, subnetId }, ctx);
      // RESERVED private IPs can exist detached (no vnicId): nobody serves the address.
      const held = ips.find((p) => canonicalIpv4(p.ipAddress ?? '') === address && typeof p.vnicId === 'string' && p.vnicId !== '');
      if (held === undefined) return { kind: 'nobody' } as const;
      if (held.vnicId === id.nicId) return { kind: 'me' } as const;
      const vnicId = held.vnicId!;
      return { kind: 'other', instanceId: vnicId, nodeId: null, primaryAddress: await this.primaryAddressOf(vnicId, ctx) } as const;
    });
    for (const [i, r] of found.entries()) {
      if (r.status === 'rejected') throw r.reason;
      result.set(addresses[i]!, r.value);
    }
    return result;
  }

  /** One ListPrivateIps on this VNIC; the per-address reads only when a VIP is not here. */
  observeHolders(vips: readonly CloudVip[], ctx: CloudCallContext): Promise<ReadonlyMap<string, CloudHolder>> {
    return observeLocalViewFirst(vips, ctx, {
      local: (v, c) => this.confirm(v, c),
      record: (v, c) => this.holders(v, c),
      logger: this.log,
    });
  }

  async describe(ctx: CloudCallContext): Promise<CloudFacts> {
    const id = await this.identity(ctx);
    const used = await readFact(async () => (await this.listPrivateIps({ vnicId: id.nicId }, ctx)).length);
    const addressCapacity = typeof used === 'number' ? { limit: OCI_ADDRESSES_PER_VNIC, used } : used;
    const checks: CloudFacts['checks'][number][] = [];
    if (typeof used === 'number') {
      checks.push({ check: 'policy (use private-ips)', status: 'pass', detail: `ListPrivateIps on ${id.nicId} answered`, fix: null });
      const headroom = OCI_ADDRESSES_PER_VNIC - used;
      checks.push({
        check: 'VNIC address headroom',
        status: headroom > 0 ? 'pass' : 'fail',
        detail: `${used} of ${OCI_ADDRESSES_PER_VNIC} addresses in use on ${id.nicId} (VIPs taken over from the peer need a free slot each)`,
        fix: headroom > 0 ? null : 'remove unused secondary private IPs from this VNIC or move VIPs to another VNIC',
      });
    } else {
      checks.push({
        check: 'policy (use private-ips)',
        status: 'fail',
        detail: used.error.message,
        fix: 'allow the dynamic group `use private-ips` and `use vnics` in the VCN compartment (docs/clouds/oci.md)',
      });
    }
    const subnet = await readFact(() => this.subnetId(id, ctx));
    checks.push(
      typeof subnet === 'string'
        ? { check: 'VNIC', status: 'pass', detail: `${id.nicId} in subnet ${subnet} (${id.subnetCidr})`, fix: null }
        : { check: 'VNIC', status: 'fail', detail: subnet.error.message, fix: 'allow the dynamic group `use vnics` (GetVnic)' },
    );
    checks.push(...(await this.publicIpChecks(id, ctx)));
    return { nicId: id.nicId, addressCapacity, checks };
  }

  /** For several VIPs, the subnet's private IPs by address from one listing; null: look each VIP up on its own. */
  private async subnetIndex(addresses: readonly string[], subnetId: string, ctx: CloudCallContext): Promise<ReadonlyMap<string, PrivateIp> | null> {
    if (addresses.length < SUBNET_LISTING_FROM) return null;
    const index = new Map<string, PrivateIp>();
    for (const p of await this.listPrivateIps({ subnetId, limit: SUBNET_PAGE }, ctx)) {
      const address = canonicalIpv4(p.ipAddress ?? '');
      if (address !== null) index.set(address, p);
    }
    return index;
  }

  private async assignOne(
    address: string,
    id: CloudIdentity,
    subnetId: string,
    ctx: CloudCallContext,
    known: ReadonlyMap<string, PrivateIp> | null,
  ): Promise<void> {
    const { client, call } = await this.client(id);
    const existing =
      known !== null
        ? known.get(address)
        : (await this.listPrivateIps({ ipAddress: address, subnetId }, ctx)).find((p) => canonicalIpv4(p.ipAddress ?? '') === address);
    if (existing === undefined) {
      const created = await ociCall('CreatePrivateIp', ctx, call, () =>
        client.createPrivateIp({ createPrivateIpDetails: { vnicId: id.nicId, ipAddress: address, displayName: 'vipd' } }),
      );
      this.log.info({ vip: address, vnic: id.nicId }, 'created the VIP as a secondary private IP on this VNIC');
      const createdId = created.privateIp.id;
      if (typeof createdId !== 'string' || createdId === '')
        throw new VipdError('VIPD_E_CLOUD_RESPONSE', `CreatePrivateIp for ${address} answered without an id`);
      await this.ensurePublicIp(address, createdId, false, client, call, ctx);
      return;
    }
    if (existing.vnicId === id.nicId) {
      // Here already, perhaps from an attempt whose public IP assignment did not finish: one GetPublicIp tells.
      if (typeof existing.id === 'string') await this.ensurePublicIp(address, existing.id, true, client, call, ctx);
      return;
    }
    if (existing.isPrimary === true) {
      throw new VipdError(
        'VIPD_E_CLOUD_INVALID',
        `VIP ${address} is the primary private IP of VNIC ${existing.vnicId ?? '?'}; OCI cannot move a primary, so it cannot be a VIP`,
        {
          details: { vip: address, holderVnic: existing.vnicId ?? null },
        },
      );
    }
    if (typeof existing.id !== 'string') throw new VipdError('VIPD_E_CLOUD_RESPONSE', `ListPrivateIps returned ${address} without an id`);
    await ociCall('UpdatePrivateIp', ctx, call, () => client.updatePrivateIp({ privateIpId: existing.id!, updatePrivateIpDetails: { vnicId: id.nicId } }));
    this.log.info({ vip: address, vnic: id.nicId, from: existing.vnicId ?? null }, 'moved the VIP to this VNIC');
  }

  /** One GetPublicIp per configured reserved public IP: its state and where it points. */
  private async publicIpChecks(id: CloudIdentity, ctx: CloudCallContext): Promise<CloudFacts['checks'][number][]> {
    const configured = [...(this.deps.reservedPublicIps ?? new Map<string, string>())];
    if (configured.length === 0) return [];
    const { client, call } = await this.client(id);
    return Promise.all(
      configured.map(async ([address, publicIpId]) => {
        const check = `reserved public IP of ${address}`;
        const got = await readFact(async () => (await ociCall('GetPublicIp', ctx, call, () => client.getPublicIp({ publicIpId }))).publicIp);
        if ('error' in got)
          return {
            check,
            status: 'fail' as const,
            detail: got.error.message,
            fix: 'check groups[].vips[].reservedPublicIpId and the `manage public-ips` policy (docs/clouds/oci.md)',
          };
        const state = String(got.lifecycleState ?? 'unknown');
        const reserved = got.lifetime === undefined || String(got.lifetime) === 'RESERVED';
        const usable = reserved && state !== 'TERMINATING' && state !== 'TERMINATED';
        return {
          check,
          status: usable ? ('pass' as const) : ('fail' as const),
          detail: `${publicIpId} (${got.ipAddress ?? '?'}) is ${reserved ? '' : `${String(got.lifetime)}, `}${state}${got.privateIpId !== undefined ? `, on private IP ${got.privateIpId}` : ', on no private IP'}`,
          fix: usable ? null : 'configure a RESERVED public IP that is not being terminated',
        };
      }),
    );
  }

  private async ensurePublicIp(
    address: string,
    privateIpId: string,
    known: boolean,
    client: VirtualNetworkClient,
    call: OciCallDeps,
    ctx: CloudCallContext,
  ): Promise<void> {
    const publicIpId = this.deps.reservedPublicIps?.get(address);
    if (publicIpId === undefined) return;
    await ensureReservedPublicIp(publicIpId, privateIpId, address, known, ctx, {
      client,
      call,
      sleep: this.deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      pollMs: this.deps.publicIpPollMs ?? DEFAULT_PUBLIC_IP_POLL_MS,
      log: this.log,
    });
  }

  private async listPrivateIps(
    filter: { vnicId?: string; ipAddress?: string; subnetId?: string; limit?: number },
    ctx: CloudCallContext,
  ): Promise<PrivateIp[]> {
    const id = await this.identity(ctx);
    const { client, call } = await this.client(id);
    const operation: OciOperation = 'ListPrivateIps';
    const all: PrivateIp[] = [];
    let page: string | undefined;
    for (let n = 0; n < MAX_PAGES; n++) {
      const out = await ociCall(operation, ctx, call, () => client.listPrivateIps({ ...filter, page }));
      if (!Array.isArray(out.items)) throw new VipdError('VIPD_E_CLOUD_RESPONSE', `${operation} answered something that is not a list`);
      all.push(...out.items);
      page = out.opcNextPage === undefined || out.opcNextPage === '' ? undefined : out.opcNextPage;
      if (page === undefined) return all;
    }
    throw new VipdError('VIPD_E_CLOUD_RESPONSE', `${operation} kept paging after ${MAX_PAGES} pages`);
  }

  /** The subnet OCID of my VNIC (metadata has only its CIDR): one GetVnic, cached on success. */
  private subnetId(id: CloudIdentity, ctx: CloudCallContext): Promise<string> {
    this.subnetPromise ??= (async () => {
      const { client, call } = await this.client(id);
      const out = await ociCall('GetVnic', ctx, call, () => client.getVnic({ vnicId: id.nicId }));
      const subnetId = out.vnic.subnetId;
      if (typeof subnetId !== 'string' || subnetId === '') throw new VipdError('VIPD_E_CLOUD_RESPONSE', `GetVnic ${id.nicId} answered without a subnetId`);
      return subnetId;
    })().catch((e: unknown) => {
      this.subnetPromise = null;
      throw e;
    });
    return untilAborted(this.subnetPromise, ctx);
  }

  private async primaryAddressOf(vnicId: string, ctx: CloudCallContext): Promise<string | null> {
    if (this.primaryOf.has(vnicId)) return this.primaryOf.get(vnicId) ?? null;
    const id = await this.identity(ctx);
    const { client, call } = await this.client(id);
    const out = await ociCall('GetVnic', ctx, call, () => client.getVnic({ vnicId }));
    const primary = canonicalIpv4(out.vnic.privateIp ?? '');
    this.primaryOf.set(vnicId, primary);
    return primary;
  }

  /**
   * The first signed call at start (identity is read then), in the background: it makes the SDK
   * client and, with instance principals, the federation (certificates from metadata, a new RSA
   * session key, a round trip), and caches the subnet for every later move. A backup used to pay
   * all of it on its first failover (the bench's bimodal OCI cloud phase). A failure is only
   * reported: the failover's own calls make the client and read the subnet again.
   */
  private warmUp(id: CloudIdentity): void {
    const ctx: CloudCallContext = { signal: new AbortController().signal, deadlineAt: Number.POSITIVE_INFINITY };
    this.subnetId(id, ctx).catch((e: unknown) => {
      this.log.warn({ err: asVipdError(e).toJSON() }, 'OCI API not reachable at start (the first move tries again)');
    });
  }

  /** The client for the identity's region, made once; the auth first (instance principals: a session token). */
  private client(id: CloudIdentity): Promise<{ client: VirtualNetworkClient; call: OciCallDeps }> {
    this.clientPromise ??= (async () => {
      const auth = this.deps.auth ?? (await createOciAuth(this.deps.config, this.imds.v2Base));
      const client =
        this.deps.client ??
        createVirtualNetworkClient({
          auth: auth.provider,
          endpoint: this.deps.config.endpoint,
          region: id.region ?? '',
          requestTimeoutMs: this.deps.requestTimeoutMs,
        });
      const call: OciCallDeps = { requests: this.deps.requests, renewable: auth.renewable, onNotAuthenticated: auth.refresh };
      return { client, call };
    })().catch((e: unknown) => {
      this.clientPromise = null;
      throw e;
    });
    return this.clientPromise;
  }

  private checkVips(vips: readonly CloudVip[], id: CloudIdentity): string[] {
    const subnet = parseIpv4Cidr(id.subnetCidr);
    return vips.map((v) => {
      const address = requireIpv4(v.address);
      if (subnet !== null && !cidrContains(subnet, ipv4Number(address)!)) {
        throw new VipdError(
          'VIPD_E_CLOUD_INVALID',
          `VIP ${address} is outside subnet ${id.subnetCidr} of ${id.nicId}; OCI moves a private IP only between VNICs of one subnet`,
          {
            details: { vip: address, subnet: id.subnetCidr, vnic: id.nicId },
          },
        );
      }
      return address;
    });
  }
}

function requireIpv4(address: string): string {
  const ip = canonicalIpv4(address);
  if (ip === null)
    throw new VipdError('VIPD_E_CLOUD_INVALID', `VIP ${address} is not an IPv4 address; the OCI adapter moves secondary private IPv4 addresses only`);
  return ip;
}

/** Runs `work` on every item, at most `limit` at once, and reports each outcome (one failure does not stop the others). */
async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: 'fulfilled', value: await work(items[i]!) };
      } catch (e) {
        results[i] = { status: 'rejected', reason: e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
