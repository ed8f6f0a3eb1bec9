import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MonotonicClock } from '../../src/util/clock';
import type { ProbeRecord } from '../netns/probe-analysis';
import { judgeTimeline, type Verdict } from './judge';
import type { InvariantBudgets, NodeCondition, Sample, Timeline, TimelineEvent, Waiver } from './timeline';

/**
 * The invariant monitor's sampling loop (the imperative half; judge.ts
 * decides). Every period it reads, from outside the daemons, which node
 * carries each VIP and what the cloud records, and waits for both before
 * the next sample. The daemons' own word (control socket) is polled beside
 * it and the latest answer goes into each sample: a frozen daemon must not
 * stall the sampling.
 */
export interface MonitorSources {
  /** Per node name: the VIPs its interface carries. */
  os(): Promise<Readonly<Record<string, readonly string[]>>>;
  /** Per VIP: the node the cloud records (null: nobody); absent without a cloud. */
  readonly cloud?: () => Promise<Readonly<Record<string, string | null>>>;
  /** The group's role as node's control socket reports it; null when it does not answer. */
  daemonRole(node: string): Promise<string | null>;
  /** The client probe's records so far. */
  probe(): readonly ProbeRecord[];
}

export interface MonitorOptions {
  readonly scenario: string;
  readonly provider: string;
  readonly nodes: readonly string[];
  readonly vips: readonly string[];
  readonly periodMs?: number;
}

export class InvariantMonitor {
  private readonly samples: Sample[] = [];
  private readonly events: TimelineEvent[] = [];
  private readonly waivers: Waiver[] = [];
  private readonly conditions: Record<string, NodeCondition>;
  private readonly roles: Record<string, string | null>;
  private running = false;
  private loops: Promise<void>[] = [];
  private sampleErrors = 0;

  constructor(
    private readonly sources: MonitorSources,
    private readonly clock: MonotonicClock,
    private readonly sleep: (ms: number) => Promise<void>,
    readonly options: MonitorOptions,
  ) {
    this.conditions = Object.fromEntries(options.nodes.map((n) => [n, 'up' as NodeCondition]));
    this.roles = Object.fromEntries(options.nodes.map((n) => [n, null]));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = [this.sampleLoop(), ...this.options.nodes.map((n) => this.roleLoop(n))];
  }

  /** The scenario's own record of what it did to a node (decides who counts as up). */
  setCondition(node: string, condition: NodeCondition): void {
    this.conditions[node] = condition;
    this.event(`${node} ${condition}`);
  }

  event(what: string): void {
    this.events.push({ t: this.clock.nowMs(), what });
  }

  /** Waives a rule between two times (see Waiver): the scenario says why, the timeline keeps it. */
  waive(waiver: Waiver): void {
    this.waivers.push(waiver);
  }

  get sampleCount(): number {
    return this.samples.length;
  }

  async stop(): Promise<Timeline> {
    this.running = false;
    await Promise.all(this.loops);
    return {
      scenario: this.options.scenario,
      provider: this.options.provider,
      vips: [...this.options.vips],
      samples: [...this.samples],
      events: [...this.events],
      waivers: [...this.waivers],
      probe: [...this.sources.probe()],
    };
  }

  private async sampleLoop(): Promise<void> {
    const period = this.options.periodMs ?? 20;
    while (this.running) {
      const t = this.clock.nowMs();
      try {
        const [os, cloud] = await Promise.all([this.sources.os(), this.sources.cloud?.()]);
        const perVip: Record<string, string[]> = Object.fromEntries(this.options.vips.map((v) => [v, [] as string[]]));
        for (const node of this.options.nodes) for (const vip of os[node] ?? []) perVip[vip]?.push(node);
        this.samples.push({ t, os: perVip, ...(cloud ? { cloud } : {}), daemons: { ...this.roles }, nodes: { ...this.conditions } });
      } catch {
        // A failed read is no sample (never "nobody holds it"); the judge sees the gap as a longer span.
        this.sampleErrors++;
      }
      const left = period - (this.clock.nowMs() - t);
      if (left > 0) await this.sleep(left);
    }
  }

  private async roleLoop(node: string): Promise<void> {
    while (this.running) {
      const t = this.clock.nowMs();
      this.roles[node] = await this.sources.daemonRole(node).catch(() => null);
      const left = (this.options.periodMs ?? 20) - (this.clock.nowMs() - t);
      if (left > 0) await this.sleep(left);
    }
  }

  get failedSamples(): number {
    return this.sampleErrors;
  }
}

/** Judges a timeline; on a failure writes it (JSON) into evidenceDir and returns the file with the verdict. */
export function judgeAndKeep(timeline: Timeline, budgets: InvariantBudgets, evidenceDir: string): { verdict: Verdict; file: string | null } {
  const verdict = judgeTimeline(timeline, budgets);
  if (verdict.ok) return { verdict, file: null };
  mkdirSync(evidenceDir, { recursive: true });
  const file = join(evidenceDir, `${timeline.scenario.replace(/[^a-zA-Z0-9_.-]+/g, '-')}-${timeline.provider}.timeline.json`);
  writeFileSync(file, `${JSON.stringify({ budgets, verdict, ...timeline }, null, 1)}\n`);
  return { verdict, file };
}
