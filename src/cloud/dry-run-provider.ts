import type { Logger } from '../util/logger';
import type { CloudCallContext, CloudFacts, CloudHolder, CloudIdentity, CloudProvider, CloudVip } from './provider';

/** `--dry-run`: reads (identity, holders, describe) go to the cloud; changes are only logged. */
export class DryRunProvider implements CloudProvider {
  readonly name: string;

  constructor(
    private readonly inner: CloudProvider,
    private readonly logger: Logger,
  ) {
    this.name = inner.name;
  }

  identity(ctx: CloudCallContext): Promise<CloudIdentity> {
    return this.inner.identity(ctx);
  }

  async assign(vips: readonly CloudVip[], ctx: CloudCallContext): Promise<void> {
    const id = await this.inner.identity(ctx);
    this.logger.info(
      { dryRun: true, provider: this.name, nic: id.nicId, vips: vips.map((v) => v.address) },
      `dry run: would assign ${vips.map((v) => v.address).join(', ')} to ${id.nicId}`,
    );
  }

  async confirm(): Promise<boolean> {
    return true;
  }

  holders(vips: readonly CloudVip[], ctx: CloudCallContext): Promise<ReadonlyMap<string, CloudHolder>> {
    return this.inner.holders(vips, ctx);
  }

  observeHolders(vips: readonly CloudVip[], ctx: CloudCallContext): Promise<ReadonlyMap<string, CloudHolder>> {
    return this.inner.observeHolders(vips, ctx);
  }

  describe(ctx: CloudCallContext): Promise<CloudFacts> {
    return this.inner.describe(ctx);
  }
}
