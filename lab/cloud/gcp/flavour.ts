import { VipdError } from '../../../src/errors';
import { sleep } from '../../../src/util/timers';
import type { ApiRequest, FlavourContext, HttpAnswer, InstanceState, LabCloudFlavour, MetadataRequest } from '../flavour';
import { GceApi } from './gce-api';
import { googleError } from './gce-json';
import { GceApiError, GceModel, holderKey, singleAddresses } from './gce-model';
import { GceMetadataService } from './metadata-service';
import type { GceStatus, GcpCloudSpec } from './spec';

const STATE_OF: Readonly<Record<InstanceState, GceStatus>> = { pending: 'PROVISIONING', running: 'RUNNING', stopping: 'STOPPING', stopped: 'TERMINATED' };

/**
 * The gcp flavour of the lab cloud: Compute's REST surface for alias IP
 * ranges (Bearer tokens from its metadata server), and the metadata server
 * with the paths vipd, gcp-metadata and google-auth-library read.
 */
export class GcpFlavour implements LabCloudFlavour {
  readonly cloud = 'gcp' as const;
  readonly model: GceModel;
  readonly metadata: GceMetadataService;
  readonly api: GceApi;

  constructor(
    private readonly spec: GcpCloudSpec,
    private readonly ctx: FlavourContext,
  ) {
    this.model = new GceModel(spec, (address, holder) => {
      ctx.logger.info({ vip: address, nic: holder }, 'control plane: alias holder changed');
      ctx.dataplane.change(address, holder);
    });
    this.metadata = new GceMetadataService({ model: this.model, dataplane: ctx.dataplane, clock: ctx.clock, log: ctx.calls });
    this.api = new GceApi({
      model: this.model,
      tokens: (t) => this.metadata.tokenOwner(t),
      faults: ctx.faults,
      log: ctx.calls,
      clock: ctx.clock,
      timers: ctx.timers,
      sleep: (ms) => sleep(ctx.timers, ms),
      wallNowMs: ctx.wallNowMs,
      waitCapMs: this.spec.operationWaitCapMs,
    });
  }

  routedAddresses(): ReadonlyArray<readonly [string, string | null]> {
    const tracked = new Map<string, string | null>(this.spec.vips.map((v) => [v, null]));
    for (const inst of this.model.instances) {
      for (const nic of inst.networkInterfaces) for (const a of singleAddresses(nic.aliasIpRanges)) tracked.set(a, holderKey(inst.name, nic.name));
    }
    return [...tracked];
  }

  nextHopOf(holder: string): string | null {
    const [instance, nic] = holder.split('/');
    return this.model.instances.find((i) => i.name === instance)?.networkInterfaces.find((n) => n.name === nic)?.networkIP ?? null;
  }

  serveApi(req: ApiRequest): Promise<HttpAnswer> {
    return this.api.serve(req);
  }

  apiUnavailable(): HttpAnswer {
    return { status: 503, headers: { 'content-type': 'application/json' }, body: googleError(503, 'backendError', 'The service is currently unavailable.') };
  }

  apiInternalError(): HttpAnswer {
    return { status: 500, headers: { 'content-type': 'application/json' }, body: googleError(500, 'backendError', 'emulator failure') };
  }

  serveMetadata(req: MetadataRequest): HttpAnswer {
    return this.metadata.handle(req);
  }

  instanceOf(source: string): string | null {
    return this.model.instances.find((i) => i.sourceAddresses.includes(source))?.name ?? null;
  }

  hasInstance(id: string): boolean {
    return this.model.instances.some((i) => i.name === id);
  }

  setInstanceState(id: string, state: InstanceState): void {
    try {
      this.model.setStatus(id, STATE_OF[state]);
    } catch (e) {
      if (e instanceof GceApiError) throw new VipdError('VIPD_E_CONFIG', e.message, { cause: e });
      throw e;
    }
  }

  expireMetadataTokens(): number {
    return this.metadata.expireTokens();
  }

  /** GCE has no role credentials: the metadata server's access tokens are the nearest thing. */
  setRoleCredentialLifetime(): void {
    throw new VipdError('VIPD_E_CONFIG', 'the gcp flavour has no role credentials: its metadata access tokens are expired with expireRoleCredentials');
  }

  expireRoleCredentials(): number {
    return this.metadata.expireTokens();
  }

  setReadLag(): void {
    throw new VipdError('VIPD_E_CONFIG', 'a read lag is emulated by the aws flavour only');
  }

  setListPageSize(): void {
    // Compute's instances.get is not paged.
  }

  state(): Record<string, unknown> {
    return { ...this.model.snapshot(), metadataTokens: this.metadata.tokenCount() };
  }
}
