import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IpBatchReader } from '../lab/invariants/ip-batch';
import { judgeTimeline, type Verdict } from '../lab/invariants/judge';
import { InvariantMonitor } from '../lab/invariants/monitor';
import type { InvariantBudgets, NodeCondition, Timeline } from '../lab/invariants/timeline';
import type { FaultKind, FailoverScenario, ScenarioDeps } from '../lab/scenario/scenario';
import { SCENARIO_INTERFACE } from '../lab/scenario/config';

/** Per VIP: the lab node index the emulated cloud routes it to (null: nobody). */
export type CloudHolders = (vips: readonly string[]) => Promise<ReadonlyMap<string, number | null>>;

/**
 * What a trial's invariants allow (docs/reliability.md explains the rules):
 * one owner change (the failover), no owner for at most the backup's
 * master-down interval plus the move (the cloud's call and confirmation, and
 * the emulator's propagation delay), two holders for at most one reconcile
 * round, the cloud naming a node that does not carry the VIP for at most two
 * verify rounds.
 */
export function trialBudgets(masterDownMs: number, cloud: boolean, propagationMs: number): InvariantBudgets {
  return {
    dualHoldMs: 1000,
    cloudMismatchMs: 2000 + propagationMs,
    noOwnerMs: Math.ceil(masterDownMs) + (cloud ? 3000 + propagationMs : 1000),
    maxOwnerChanges: 1,
  };
}

/** The node condition a fault leaves its target in (only `up` nodes count as holders). */
export function conditionAfter(kind: FaultKind): NodeCondition {
  return kind === 'graceful' ? 'stopped' : 'dead';
}

/**
 * The fault suite's invariant monitor around one benchmark trial, from the
 * settled pair to the end of the takeover: which namespaces carry the VIP
 * (one long-lived `ip -batch` per node), what the cloud records, each
 * daemon's role (from its log, so keepalived is watched alike) and the
 * client's answers, every 20 ms.
 */
export class TrialMonitor {
  private readonly readers: IpBatchReader[];
  private readonly monitor: InvariantMonitor;

  constructor(
    private readonly scenario: FailoverScenario,
    deps: ScenarioDeps,
    cloudHolders: CloudHolders | null,
    label: string,
  ) {
    const lab = scenario.lab;
    const count = scenario.nodes;
    const names = Array.from({ length: count }, (_, k) => lab.nodeName(k + 1));
    this.readers = names.map((_, k) => new IpBatchReader(lab.nodeNs(k + 1)));
    const vips = [...scenario.vips];
    this.monitor = new InvariantMonitor(
      {
        os: async () => {
          const held = await Promise.all(this.readers.map((r) => r.addressesOn(SCENARIO_INTERFACE, vips)));
          return Object.fromEntries(names.map((n, k) => [n, held[k] ?? []]));
        },
        ...(cloudHolders === null
          ? {}
          : {
              cloud: async () => {
                const h = await cloudHolders(vips);
                return Object.fromEntries(vips.map((v) => [v, nodeName(names, h.get(v) ?? null)]));
              },
            }),
        // From the log, for both daemons alike: a control-socket status per sample would load the daemon under test.
        daemonRole: (node) => Promise.resolve(scenario.driver.loggedRole(names.indexOf(node) + 1)),
        probe: () => {
          try {
            return scenario.probeRecords();
          } catch {
            return [];
          }
        },
      },
      deps.clock,
      (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      { scenario: label, provider: scenario.providerName, nodes: names, vips },
    );
  }

  start(): void {
    this.monitor.start();
  }

  /** The fault as the scenario made it: from here the target no longer counts as a holder. */
  faulted(node: number, kind: FaultKind): void {
    this.monitor.setCondition(this.scenario.lab.nodeName(node), conditionAfter(kind));
  }

  /** Stops sampling and judges; the timeline is returned for the evidence. */
  async stop(budgets: InvariantBudgets): Promise<{ verdict: Verdict; timeline: Timeline; failedSamples: number }> {
    try {
      const timeline = await this.monitor.stop();
      return { verdict: judgeTimeline(timeline, budgets), timeline, failedSamples: this.monitor.failedSamples };
    } finally {
      this.close();
    }
  }

  /** Ends the `ip -batch` readers (stop does it too; safe to call twice). */
  close(): void {
    for (const r of this.readers) r.close();
  }
}

function nodeName(names: readonly string[], index: number | null): string | null {
  return index === null ? null : (names[index - 1] ?? `node ${index}`);
}

/** One line per violation, for the trial's problems. */
export function invariantProblems(verdict: Verdict): string[] {
  return verdict.violations.map((v) => `invariant ${v.rule} (${v.vip}): ${v.detail}`);
}

/** Writes the judged timeline beside the trial's other evidence. */
export function writeTimeline(dir: string, timeline: Timeline, budgets: InvariantBudgets, verdict: Verdict): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'invariants.timeline.json');
  writeFileSync(file, `${JSON.stringify({ budgets, verdict, ...timeline }, null, 1)}\n`);
  return file;
}
