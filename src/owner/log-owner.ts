import type { GroupConfig } from '../config/types';
import type { Logger } from '../util/logger';
import type { AcquireReport, RepairReport, VerifyReport, VipOwner } from './types';

/**
 * The owner for `provider: none` with `os.enabled: false`: it changes
 * nothing and says what it would do. Used for tests of the election over
 * real processes, for dry runs, and by operators who drive the VIP from
 * notify hooks alone.
 */
export class LogOnlyOwner implements VipOwner {
  constructor(private readonly logger: Logger) {}

  async cleanup(groups: readonly GroupConfig[]): Promise<void> {
    this.logger.info({ groups: groups.map((g) => g.name) }, 'would remove orphaned VIPs of these groups (log-only owner)');
  }

  async acquire(group: GroupConfig): Promise<AcquireReport> {
    this.logger.info({ group: group.name, vips: group.vips.map((v) => v.address) }, 'would acquire VIPs (log-only owner)');
    return { timings: { cloudMs: 0, osMs: 0 }, cloudCalls: 0 };
  }

  async release(group: GroupConfig): Promise<void> {
    this.logger.info({ group: group.name, vips: group.vips.map((v) => v.address) }, 'would release VIPs (log-only owner)');
  }

  async announce(group: GroupConfig): Promise<void> {
    this.logger.info({ group: group.name, vips: group.vips.map((v) => v.address) }, 'would announce VIPs again (log-only owner)');
  }

  async verify(group: GroupConfig): Promise<VerifyReport> {
    return { vips: group.vips.map((v) => ({ address: v.address, cloud: null, os: null })) };
  }

  async repair(): Promise<RepairReport> {
    return { repairs: [] };
  }
}
