import { isDeepStrictEqual } from 'node:util';
import type { GroupConfig } from '../config/types';
import type { GroupHealth, RuntimeMetrics, TrackerSet, TrackerSetFactory } from './ports';

/**
 * A group's trackers as an input of its election: owns the tracker set's
 * lifecycle, passes on each health change and keeps vipd_tracker_up
 * current. A reload with other trackers replaces the set, handing the
 * verdicts of unchanged trackers over to the new one.
 */
export class TrackerFeed {
  private set: TrackerSet;
  private latest: GroupHealth = { penalty: 0, fault: false };

  constructor(
    private group: GroupConfig,
    private readonly deps: { readonly factory: TrackerSetFactory; readonly metrics: RuntimeMetrics; readonly changed: (health: GroupHealth) => void },
  ) {
    this.set = deps.factory(group, (h) => this.onChange(h));
  }

  /** The latest verdict: all healthy until the set has started. */
  get health(): GroupHealth {
    return this.latest;
  }

  start(): void {
    this.set.start();
    this.latest = this.set.health();
    this.publish();
  }

  /** Reload: true when the trackers changed (the set was replaced; its health may differ). */
  replace(group: GroupConfig): boolean {
    const previous = this.group;
    this.group = group;
    if (isDeepStrictEqual(previous.trackers, group.trackers)) return false;
    const carry = this.set.carryOver?.();
    this.set.stop();
    this.set = this.deps.factory(group, (h) => this.onChange(h), carry);
    this.set.start();
    this.latest = this.set.health();
    this.publish(); // drops the series of trackers no longer configured
    return true;
  }

  stop(): void {
    this.set.stop();
  }

  status(): ReturnType<TrackerSet['status']> {
    return this.set.status();
  }

  private onChange(health: GroupHealth): void {
    this.latest = health;
    this.publish();
    this.deps.changed(health);
  }

  /** vipd_tracker_up for every tracker of the group (the set reports each up/down change). */
  private publish(): void {
    this.deps.metrics.setTrackers(
      this.group.name,
      this.set.status().map((t) => ({ name: t.name, up: t.up })),
    );
  }
}
