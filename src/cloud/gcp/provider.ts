import { randomUUID } from 'node:crypto';
import type { protos } from '@google-cloud/compute';
import type { GcpProviderConfig } from '../../config/types';
import { VipdError, isVipdError } from '../../errors';
import type { Logger } from '../../util/logger';
import { abortableSleep, throwIfAborted, untilAborted } from '../call-context';
import { canonicalIpv4, cidrContains, ipv4Number, parseIpv4Cidr } from '../../util/ip';
import { observeLocalViewFirst } from '../observe';
import type { CloudCallContext, CloudCheck, CloudFacts, CloudHolder, CloudIdentity, CloudProvider, CloudVip } from '../provider';
import type { CloudRequestSink } from '../requests';
import { sysfsMacOf, type MacOf } from '../aws/mac';
import { type AliasRange, isSingleAddress, rangeCovers, withVips, withoutVips } from './alias-ranges';
import { GcpClients } from './client';
import { operationError } from './errors';
import { readGcpMetadataIdentity, toCloudIdentity, type GcpMetadataIdentity } from './identity';
import { GceMetadataClient } from './metadata';

type Instance = protos.google.cloud.compute.v1.IInstance;
type Operation = protos.google.cloud.compute.v1.IOperation;

export interface GcpProviderDeps {
  readonly interfaceName: string;
  readonly config: GcpProviderConfig;
  readonly logger: Logger;
  readonly macOf?: MacOf;
  readonly metadata?: GceMetadataClient;
  readonly clients?: GcpClients;
  readonly requestTimeoutMs?: number;
  readonly requests?: CloudRequestSink;
  /** Compute's per-NIC limit on alias ranges (doctor's capacity line). */
  readonly aliasLimit?: number;
  /** Pause before asking again when `zoneOperations.wait` came back with the operation still running. */
  readonly operationPollMs?: number;
  /** How long one `zoneOperations.wait` may take before it counts as a hung call. */
  readonly operationWaitMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A VM as the adapter needs it: where it is and its NICs with the fingerprints the next update must carry. */
interface VmRecord {
  readonly name: string;
  readonly zone: string;
  readonly status: string;
  readonly nics: readonly NicRecord[];
}

interface NicRecord {
  readonly name: string;
  readonly networkIP: string;
  readonly fingerprint: string;
  readonly ranges: readonly AliasRange[];
}

/**
 * `zoneOperations.wait` answers when the operation is DONE (or after up to
 * two minutes, or earlier, still running): the end of an update is seen at
 * once, where a read every half second added 250 ms per operation on
 * average, two operations per move. One wait longer than this counts as a
 * hung call (transient: the attempt is retried, the update re-sent with its
 * requestId finds the same operation).
 */
export const DEFAULT_OPERATION_WAIT_MS = 10_000;
/** Only between two waits that came back with the operation still running, so a server that answers early never spins us. */
export const DEFAULT_OPERATION_POLL_MS = 100;

/** Compute's documented limit of alias IP ranges per network interface. */
const DEFAULT_ALIAS_LIMIT = 100;

/**
 * GCP: a VIP is a /32 alias IP range on the NIC behind the configured
 * interface. Compute cannot re-point an alias in one call: assign() takes
 * it off the holder's NIC (updateNetworkInterface with its list minus the
 * VIPs, waits for that operation), then adds it to ours (our list plus the
 * VIPs, waits again). Between the two the VIP is on no NIC. Every update
 * carries the fingerprint read just before; a 412 is a lost race and the
 * next attempt re-reads. confirm() and the periodic check read this VM's
 * metadata (ipAliases), no API call.
 */
export class GcpProvider implements CloudProvider {
  readonly name = 'gcp';
  private readonly metadata: GceMetadataClient;
  private readonly clients: GcpClients;
  private readonly macOf: MacOf;
  private readonly log: Logger;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly operationPollMs: number;
  private readonly operationWaitMs: number;
  private identityPromise: Promise<{ meta: GcpMetadataIdentity; id: CloudIdentity }> | null = null;
  /** requestId per update body: a body re-sent after a timeout is the same request to Compute, not a second change. */
  private readonly pendingRequestIds = new Map<string, string>();

  constructor(private readonly deps: GcpProviderDeps) {
    this.metadata = deps.metadata ?? new GceMetadataClient({ baseUrl: deps.config.metadataEndpoint ?? undefined });
    this.clients =
      deps.clients ??
      new GcpClients({ endpoint: deps.config.endpoint, metadata: this.metadata, requestTimeoutMs: deps.requestTimeoutMs, requests: deps.requests });
    this.macOf = deps.macOf ?? sysfsMacOf();
    this.log = deps.logger.child({ component: 'cloud', provider: 'gcp' });
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.operationPollMs = deps.operationPollMs ?? DEFAULT_OPERATION_POLL_MS;
    this.operationWaitMs = deps.operationWaitMs ?? DEFAULT_OPERATION_WAIT_MS;
  }

  identity(ctx: CloudCallContext): Promise<CloudIdentity> {
    return this.identityFull(ctx).then((x) => x.id);
  }

  async assign(vips: readonly CloudVip[], ctx: CloudCallContext): Promise<void> {
    if (vips.length === 0) return;
    const { meta, id } = await this.identityFull(ctx);
    const addresses = this.checkVips(vips, id);
    const [self, ...peers] = await this.readVms(meta, ctx);
    // Step 1: off every other NIC that holds one (the old master's, and ours if a VIP sits on another NIC of this VM).
    for (const vm of [...peers, self!]) {
      for (const nic of vm.nics) {
        if (vm === self && nic.name === id.nicId) continue;
        const where = `${vm.name}/${nic.name}`;
        if (!nic.ranges.some((r) => addresses.some((a) => rangeCovers(r.ipCidrRange, a, where)))) continue;
        const kept = withoutVips(nic.ranges, addresses, where);
        this.log.info({ instance: vm.name, nic: nic.name, vips: addresses, status: vm.status }, 'removing the VIPs from the NIC that holds them (step 1 of 2)');
        await this.update(meta.project, vm.zone, vm.name, nic, kept, ctx);
      }
    }
    // Step 2: onto ours. From here until its operation is done the VIPs are on no NIC.
    const mine = self!.nics.find((n) => n.name === id.nicId)!;
    const wanted = withVips(mine.ranges, addresses, `${self!.name}/${mine.name}`);
    if (wanted.length === mine.ranges.length) return;
    throwIfAborted(ctx);
    this.log.info({ instance: self!.name, nic: mine.name, vips: addresses }, 'adding the VIPs to this NIC (step 2 of 2)');
    await this.update(meta.project, self!.zone, self!.name, mine, wanted, ctx);
  }

  async confirm(vips: readonly CloudVip[], ctx: CloudCallContext): Promise<boolean> {
    if (vips.length === 0) return true;
    const { id } = await this.identityFull(ctx);
    const nics = await this.metadata.networkInterfaces(ctx.signal);
    const nic = nics.find((n) => n.mac === id.mac);
    if (nic === undefined) throw new VipdError('VIPD_E_METADATA', `instance metadata no longer lists this VM's NIC ${id.mac}`);
    return vips.every((v) => nic.ipAliases.some((r) => isSingleAddress(r, v.address, `metadata ipAliases of ${id.mac}`)));
  }

  async holders(vips: readonly CloudVip[], ctx: CloudCallContext): Promise<ReadonlyMap<string, CloudHolder>> {
    const result = new Map<string, CloudHolder>();
    if (vips.length === 0) return result;
    const { meta, id } = await this.identityFull(ctx);
    const addresses = vips.map((v) => requireIpv4(v.address));
    const vms = await this.readVms(meta, ctx);
    for (const address of addresses) {
      let holder: CloudHolder = { kind: 'nobody' };
      for (const vm of vms) {
        const nic = vm.nics.find((n) => n.ranges.some((r) => rangeCovers(r.ipCidrRange, address, `${vm.name}/${n.name}`)));
        if (nic === undefined) continue;
        holder =
          vm === vms[0] && nic.name === id.nicId
            ? { kind: 'me' }
            : { kind: 'other', instanceId: vm.name, nodeId: null, primaryAddress: canonicalIpv4(nic.networkIP) };
        if (holder.kind === 'me') break;
      }
      result.set(address, holder);
    }
    return result;
  }

  /** Metadata's ipAliases first (free); instances.get on self and the peers only when it does not show every VIP here. */
  observeHolders(vips: readonly CloudVip[], ctx: CloudCallContext): Promise<ReadonlyMap<string, CloudHolder>> {
    return observeLocalViewFirst(vips, ctx, { local: (v, c) => this.confirm(v, c), record: (v, c) => this.holders(v, c), logger: this.log });
  }

  async describe(ctx: CloudCallContext): Promise<CloudFacts> {
    const { meta, id } = await this.identityFull(ctx);
    const checks: CloudCheck[] = [];
    let addressCapacity: CloudFacts['addressCapacity'];
    try {
      const [self] = await this.readVms({ ...meta }, ctx, false);
      const nic = self!.nics.find((n) => n.name === id.nicId)!;
      addressCapacity = { limit: (this.deps.aliasLimit ?? DEFAULT_ALIAS_LIMIT) + 1, used: nic.ranges.length + 1 };
      checks.push({
        check: 'NIC',
        status: 'pass',
        detail: `interface ${this.deps.interfaceName} (MAC ${id.mac}) is ${id.nicId} of ${id.instanceId}, networkIP ${nic.networkIP}, fingerprint readable`,
        fix: null,
      });
    } catch (e) {
      if (!isVipdError(e)) throw e;
      addressCapacity = { error: { code: e.code, message: e.message } };
      checks.push({
        check: 'permission',
        status: e.code === 'VIPD_E_CLOUD_PERMISSION' ? 'fail' : 'warn',
        detail: `instances.get on this VM failed: ${e.message}`,
        fix: 'grant the service account compute.instances.get and compute.instances.updateNetworkInterface on both VMs and compute.zoneOperations.get (docs/clouds/gcp.md)',
      });
    }
    if (this.deps.config.peers.length === 0) {
      checks.push({
        check: 'peers',
        status: 'warn',
        detail: 'provider.gcp.peers is empty: a VIP held by the other VM cannot be removed from it, so Compute will refuse to add it here',
        fix: 'list the other VM(s) of the pair in provider.gcp.peers',
      });
    }
    checks.push({
      check: 'guest agent ip_aliases',
      status: 'warn',
      detail:
        'vipd cannot tell from here whether the guest agent adds the alias routes ([IpForwarding] ip_aliases, default true): with it on, the agent puts `local VIP/32 proto 66` in table local as soon as metadata lists the alias; vipd adds its own address either way',
      fix: 'either mode works; see docs/clouds/gcp.md "Guest agent"',
    });
    return { nicId: id.nicId, addressCapacity, checks };
  }

  private identityFull(ctx: CloudCallContext): Promise<{ meta: GcpMetadataIdentity; id: CloudIdentity }> {
    this.identityPromise ??= (async () => {
      const meta = await readGcpMetadataIdentity(this.metadata, this.deps.interfaceName, this.macOf, this.deps.config);
      // The API's NIC has no MAC: the metadata entry (found by MAC) names it by its address.
      const [self] = await this.readVms(meta, ctx, false);
      const nic = self!.nics.find((n) => n.networkIP === meta.nic.ip);
      if (nic === undefined) {
        throw new VipdError(
          'VIPD_E_IDENTITY',
          `no NIC of ${meta.instanceName} has networkIP ${meta.nic.ip} (the address of ${this.deps.interfaceName}, MAC ${meta.nic.mac}); the API lists ${self!.nics.map((n) => `${n.name}=${n.networkIP}`).join(', ')}`,
        );
      }
      const id = toCloudIdentity(meta, nic.name, this.deps.interfaceName);
      this.log.info(
        { instance: id.instanceId, nic: id.nicId, mac: id.mac, subnet: id.subnetCidr, project: meta.project, zone: meta.zone },
        'GCP identity from metadata and instances.get',
      );
      return { meta, id };
    })().catch((e: unknown) => {
      this.identityPromise = null;
      throw e;
    });
    return untilAborted(this.identityPromise, ctx);
  }

  /** instances.get on this VM and (unless told otherwise) every configured peer. Self comes first. */
  private async readVms(meta: GcpMetadataIdentity, ctx: CloudCallContext, withPeers = true): Promise<VmRecord[]> {
    const targets = [
      { instance: meta.instanceName, zone: meta.zone },
      ...(withPeers ? this.deps.config.peers.map((p) => ({ instance: p.instance, zone: p.zone ?? meta.zone })) : []),
    ];
    return Promise.all(
      targets.map(async (t) => {
        const [vm] = await this.clients.call('instances.get', ctx, () =>
          this.clients.instances.get({ project: meta.project, zone: t.zone, instance: t.instance }),
        );
        return toVmRecord(vm, t.instance, t.zone);
      }),
    );
  }

  /** One updateNetworkInterface and its operation, waited for within the context. */
  private async update(project: string, zone: string, instance: string, nic: NicRecord, ranges: readonly AliasRange[], ctx: CloudCallContext): Promise<void> {
    const aliasIpRanges = ranges.map((r) => ({ ipCidrRange: r.ipCidrRange, ...(r.subnetworkRangeName ? { subnetworkRangeName: r.subnetworkRangeName } : {}) }));
    const bodyKey = JSON.stringify([project, zone, instance, nic.name, nic.fingerprint, aliasIpRanges]);
    const requestId = this.pendingRequestIds.get(bodyKey) ?? randomUUID();
    this.pendingRequestIds.set(bodyKey, requestId);
    let op: Operation;
    if (aliasIpRanges.length === 0) {
      // The SDK serializes an empty list away, and a PATCH without the field changes nothing: sent raw.
      const url = `${this.clients.baseUrl}/compute/v1/projects/${enc(project)}/zones/${enc(zone)}/instances/${enc(instance)}/updateNetworkInterface?networkInterface=${enc(nic.name)}&requestId=${requestId}`;
      const res = await this.clients.call('instances.updateNetworkInterface', ctx, () =>
        this.clients.request<Operation>({ method: 'PATCH', url, data: { aliasIpRanges: [], fingerprint: nic.fingerprint } }),
      );
      op = res.data;
    } else {
      const [lro, raw] = await this.clients.call('instances.updateNetworkInterface', ctx, () =>
        this.clients.instances.updateNetworkInterface({
          project,
          zone,
          instance,
          networkInterface: nic.name,
          requestId,
          networkInterfaceResource: { aliasIpRanges, fingerprint: nic.fingerprint },
        }),
      );
      op = raw ?? computeOperation(lro.latestResponse);
    }
    // Compute has the request: a later attempt re-reads and sends a new body.
    this.pendingRequestIds.delete(bodyKey);
    await this.waitDone(project, zone, op, `${instance}/${nic.name}`, ctx);
  }

  /**
   * Until the operation is DONE; DONE with `error` is a failure (the SDK
   * resolves it without throwing). Waited for with zoneOperations.wait,
   * sent raw with its own timeout: the transporter's (3 s, for short calls)
   * would cut Compute's long poll as if Compute were down. The pauses and
   * the waits end with the context.
   */
  private async waitDone(project: string, zone: string, first: Operation, target: string, ctx: CloudCallContext): Promise<void> {
    let op = first;
    const name = op.name;
    if (typeof name !== 'string' || name === '')
      throw new VipdError('VIPD_E_CLOUD_RESPONSE', `updateNetworkInterface on ${target} answered without an operation name`);
    const url = `${this.clients.baseUrl}/compute/v1/projects/${enc(project)}/zones/${enc(zone)}/operations/${enc(name)}/wait`;
    for (let waits = 0; String(op.status) !== 'DONE'; waits++) {
      if (waits > 0) await abortableSleep(this.sleep, this.operationPollMs, ctx);
      const res = await this.clients.call('zoneOperations.wait', ctx, () =>
        this.clients.request<Operation>({ method: 'POST', url, timeoutMs: this.operationWaitMs }),
      );
      op = res.data;
    }
    const errors = op.error?.errors ?? [];
    if (errors.length > 0 || (op.error !== null && op.error !== undefined))
      throw operationError(name, target, errors.length > 0 ? errors : [{ code: 'UNKNOWN', message: 'error without details' }]);
  }

  private checkVips(vips: readonly CloudVip[], id: CloudIdentity): string[] {
    const subnet = parseIpv4Cidr(id.subnetCidr);
    return vips.map((v) => {
      const address = requireIpv4(v.address);
      if (subnet !== null && !cidrContains(subnet, ipv4Number(address)!)) {
        throw new VipdError(
          'VIPD_E_CLOUD_INVALID',
          `VIP ${address} is outside subnet ${id.subnetCidr} of ${id.instanceId}/${id.nicId}; the adapter adds /32 aliases of the NIC's primary range`,
          {
            details: { vip: address, subnet: id.subnetCidr, nic: id.nicId },
          },
        );
      }
      return address;
    });
  }
}

function toVmRecord(vm: Instance, name: string, zone: string): VmRecord {
  const nics = (vm.networkInterfaces ?? []).map((n, i) => {
    const where = `instances.get ${name} networkInterfaces[${i}]`;
    if (typeof n.name !== 'string' || typeof n.networkIP !== 'string' || typeof n.fingerprint !== 'string') {
      throw new VipdError('VIPD_E_CLOUD_RESPONSE', `${where} lacks its name, networkIP or fingerprint`);
    }
    const ranges = (n.aliasIpRanges ?? []).map((r, j) => {
      if (typeof r.ipCidrRange !== 'string') throw new VipdError('VIPD_E_CLOUD_RESPONSE', `${where}.aliasIpRanges[${j}] has no ipCidrRange`);
      return { ipCidrRange: r.ipCidrRange, subnetworkRangeName: r.subnetworkRangeName ?? null };
    });
    return { name: n.name, networkIP: n.networkIP, fingerprint: n.fingerprint, ranges };
  });
  return { name, zone, status: String(vm.status ?? 'UNKNOWN'), nics };
}

function requireIpv4(address: string): string {
  const ip = canonicalIpv4(address);
  if (ip === null) throw new VipdError('VIPD_E_CLOUD_INVALID', `VIP ${address} is not an IPv4 address; the GCP adapter moves IPv4 alias ranges only`);
  return ip;
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

/** The client's LRO holds compute's own Operation as its latest response, whatever google-gax's generic type for it says. */
function computeOperation(latest: unknown): Operation {
  return typeof latest === 'object' && latest !== null ? latest : {};
}
