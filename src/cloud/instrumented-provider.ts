import type { CloudHolder } from '../owner/types';
import type { MonotonicClock } from '../util/clock';
import type { CloudIdentity, CloudProvider, CloudVip } from './provider';
import { cloudOutcome, type CloudOperation, type CloudOutcome } from '../metrics/cloud-outcome';

export interface CloudRequestSink {
  cloudRequest(operation: CloudOperation, outcome: CloudOutcome, seconds: number): void;
}

/** Times and counts every provider call by operation and outcome (vipd_cloud_requests_total...). */
export class InstrumentedProvider implements CloudProvider {
  readonly name: string;
  readonly arbitrates?: boolean;

  constructor(
    private readonly inner: CloudProvider,
    private readonly sink: CloudRequestSink,
    private readonly clock: MonotonicClock,
  ) {
    this.name = inner.name;
    this.arbitrates = inner.arbitrates;
  }

  identity(): Promise<CloudIdentity> {
    return this.timed('identity', () => this.inner.identity());
  }
  assign(vips: readonly CloudVip[]): Promise<void> {
    return this.timed('assign', () => this.inner.assign(vips));
  }
  confirm(vips: readonly CloudVip[]): Promise<boolean> {
    return this.timed('confirm', () => this.inner.confirm(vips));
  }
  holders(vips: readonly CloudVip[]): Promise<ReadonlyMap<string, CloudHolder>> {
    return this.timed('holders', () => this.inner.holders(vips));
  }
  unassign(vips: readonly CloudVip[]): Promise<void> {
    return this.timed('unassign', () => this.inner.unassign(vips));
  }
  describe(): Promise<Readonly<Record<string, unknown>>> {
    return this.timed('describe', () => this.inner.describe());
  }

  private async timed<T>(op: CloudOperation, fn: () => Promise<T>): Promise<T> {
    const started = this.clock.nowMs();
    try {
      const result = await fn();
      this.sink.cloudRequest(op, cloudOutcome(), (this.clock.nowMs() - started) / 1000);
      return result;
    } catch (e) {
      this.sink.cloudRequest(op, cloudOutcome(e), (this.clock.nowMs() - started) / 1000);
      throw e;
    }
  }
}
