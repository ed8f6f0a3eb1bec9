import type { CloudHolder } from '../owner/types';
import type { Logger } from '../util/logger';
import type { CloudIdentity, CloudProvider, CloudVip } from './provider';

/** `--dry-run`: reads (identity, holders, describe) go to the cloud; changes are only logged. */
export class DryRunProvider implements CloudProvider {
  readonly name: string;
  readonly arbitrates?: boolean;

  constructor(
    private readonly inner: CloudProvider,
    private readonly logger: Logger,
  ) {
    this.name = inner.name;
    this.arbitrates = inner.arbitrates;
  }

  identity(): Promise<CloudIdentity> {
    return this.inner.identity();
  }

  async assign(vips: readonly CloudVip[]): Promise<void> {
    const id = await this.inner.identity();
    this.logger.info({ dryRun: true, provider: this.name, nic: id.nicId, vips: vips.map((v) => v.address) }, `dry run: would assign ${vips.map((v) => v.address).join(', ')} to ${id.nicId}`);
  }

  async confirm(): Promise<boolean> {
    return true;
  }

  holders(vips: readonly CloudVip[]): Promise<ReadonlyMap<string, CloudHolder>> {
    return this.inner.holders(vips);
  }

  async unassign(vips: readonly CloudVip[]): Promise<void> {
    this.logger.info({ dryRun: true, provider: this.name, vips: vips.map((v) => v.address) }, 'dry run: would unassign');
  }

  describe(): Promise<Readonly<Record<string, unknown>>> {
    return this.inner.describe();
  }
}
