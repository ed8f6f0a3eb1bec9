import { VipdError, asVipdError } from '../src/errors';
import type { LabCloudHandle } from '../lab/cloud/aws/in-lab';
import type { GcpLabCloudHandle } from '../lab/cloud/gcp/in-lab';
import { awsScenarioProvider } from '../lab/scenario/aws-provider';
import { gcpScenarioProvider } from '../lab/scenario/gcp-provider';
import type { OciLabCloudHandle } from '../lab/cloud/oci/in-lab';
import { ociScenarioProvider } from '../lab/cloud/oci/scenario-provider';
import { type FailoverResult, FailoverScenario, type FaultKind, type ScenarioDeps } from '../lab/scenario/scenario';
import type { DaemonKind } from '../lab/scenario/daemon';
import { type ScenarioProvider, noneProvider } from '../lab/scenario/provider';
import type { BenchCaseName } from './args';
import type { Verdict } from '../lab/invariants/judge';
import type { InvariantBudgets, Timeline } from '../lab/invariants/timeline';
import { type CloudHolders, TrialMonitor, invariantProblems, trialBudgets, writeTimeline } from './trial-monitor';

/**
 * One benchmark trial: a fresh lab, both daemons' start, one fault, the
 * client's outage, always torn down. The aws case also asks the emulated
 * cloud who holds the VIP afterwards and how many assign calls the
 * failover made: a run whose traffic recovered while the cloud record is
 * wrong is a failure, not a number.
 */
export interface TrialSpec {
  readonly caseName: BenchCaseName;
  readonly daemon: DaemonKind;
  readonly intervalMs: number;
  readonly kind: FaultKind;
  readonly awsPropagationMs: number;
  /** Where a failed trial keeps its evidence (daemon logs, probe records after the fault); created only on failure. */
  readonly evidenceDir: string;
  /** Keep the evidence of a good trial too (bench --keep-evidence: where did the time go?). */
  readonly keepEvidence?: boolean;
}

export interface CloudCheck {
  /** Lab node index the cloud routes the VIP to, null = nobody. */
  readonly holder: number | null;
  /** The moving calls between the fault and the end of the takeover, with their callers' node index and result. */
  readonly assigns: ReadonlyArray<{ readonly node: number | null; readonly result: string }>;
  /** What those calls are (default AssignPrivateIpAddresses; gcp: the updateNetworkInterface that adds the VIP to the caller's own NIC). */
  readonly operation?: string;
}

/** The emulated cloud of a trial, whichever it is: its record and its moving calls. */
export interface TrialCloud {
  clearCalls(): Promise<void>;
  /** This cloud's API calls of one action since the last clearCalls, oldest first. */
  calls(action: string): Promise<readonly unknown[]>;
  check(vip: string): Promise<CloudCheck>;
  /** Per VIP: the node index the cloud routes it to, for the invariant monitor. */
  holders: CloudHolders;
}

function awsTrialCloud(c: LabCloudHandle): TrialCloud {
  return {
    clearCalls: () => c.control.clearCalls(),
    calls: (action) => c.ec2Calls(action),
    holders: (vips) => c.holders(vips),
    check: async (vip) => ({
      holder: (await c.holders([vip])).get(vip) ?? null,
      assigns: (await c.ec2Calls('AssignPrivateIpAddresses')).map((a) => ({ node: c.nodeOfInstance(a.caller ?? ''), result: a.result })),
    }),
  };
}

function gcpTrialCloud(c: GcpLabCloudHandle): TrialCloud {
  return {
    clearCalls: () => c.control.clearCalls(),
    calls: (action) => c.apiCalls(action),
    holders: (vips) => c.holders(vips),
    check: async (vip) => ({
      holder: (await c.holders([vip])).get(vip) ?? null,
      // The second step: the caller adding the VIP to its own NIC.
      assigns: (await c.apiCalls('instances.updateNetworkInterface'))
        .filter((a) => a.caller === a.params.instance)
        .map((a) => ({ node: c.nodeOfInstance(a.caller ?? ''), result: a.result })),
      operation: 'instances.updateNetworkInterface (add)',
    }),
  };
}

export interface TrialOutcome {
  readonly result: FailoverResult;
  readonly cloud: CloudCheck | null;
  /** What is wrong with this run (empty: a good run). */
  readonly problems: readonly string[];
  /** The directory holding this trial's evidence when it had problems; null for a good run. */
  readonly evidence: string | null;
  readonly wallMs: number;
}

/** The checks every trial must pass; pure, so the rules are tested without a lab. */
export function trialProblems(result: FailoverResult, newMasterIndex: number, cloud: CloudCheck | null): string[] {
  const problems: string[] = [];
  if (result.holders.live.length !== 1 || result.holders.live[0] !== result.newMaster) {
    problems.push(`live VIP holders: ${result.holders.live.join(', ') || 'none'} (expected ${result.newMaster})`);
  }
  // keepalived's reason carries its notify script's failures (vipd's is the takeover reason).
  if (result.daemon === 'keepalived' && result.takeover.reason !== null) problems.push(result.takeover.reason);
  if (cloud !== null) {
    if (cloud.holder !== newMasterIndex)
      problems.push(`the cloud routes the VIP to ${cloud.holder === null ? 'nobody' : `node ${cloud.holder}`}, not to ${result.newMaster}`);
    const ok = cloud.assigns.filter((a) => a.result === 'ok' && a.node === newMasterIndex);
    if (ok.length === 0) problems.push(`no successful ${cloud.operation ?? 'AssignPrivateIpAddresses'} by ${result.newMaster} after the fault`);
  }
  return problems;
}

function ociTrialCloud(c: OciLabCloudHandle): TrialCloud {
  return {
    clearCalls: () => c.control.clearCalls(),
    calls: (action) => c.apiCalls(action),
    holders: (vips) => c.holders(vips),
    check: async (vip) => ({
      holder: (await c.holders([vip])).get(vip) ?? null,
      // The VIP exists after the start-up: the failover moves it with one UpdatePrivateIp (never a delete and create).
      assigns: (await c.apiCalls('UpdatePrivateIp')).map((a) => ({ node: c.nodeOfCaller(a.caller), result: a.result })),
      operation: 'UpdatePrivateIp',
    }),
  };
}

/** The scenario provider of an emulated cloud, handing its TrialCloud view to `onReady` once it serves. */
export function cloudScenarioProvider(cloud: 'aws' | 'oci' | 'gcp', onReady: (c: TrialCloud) => void, awsPropagationMs?: number): ScenarioProvider {
  if (cloud === 'aws') return awsScenarioProvider({ propagationMs: awsPropagationMs, onReady: (c) => onReady(awsTrialCloud(c)) });
  if (cloud === 'gcp') return gcpScenarioProvider({ onReady: (c) => onReady(gcpTrialCloud(c)) });
  return ociScenarioProvider({ onReady: (c) => onReady(ociTrialCloud(c)) });
}

function providerFor(spec: TrialSpec, onReady: (c: TrialCloud) => void): ScenarioProvider {
  return spec.caseName === 'l2' ? noneProvider : cloudScenarioProvider(spec.caseName, onReady, spec.awsPropagationMs);
}

export async function runTrial(deps: ScenarioDeps, spec: TrialSpec): Promise<TrialOutcome> {
  const begin = deps.clock.nowMs();
  let cloud: TrialCloud | null = null;
  const scenario = await FailoverScenario.create(deps, {
    daemon: spec.daemon,
    intervalMs: spec.intervalMs,
    provider: providerFor(spec, (c) => (cloud = c)),
  });
  let outcome: Omit<TrialOutcome, 'wallMs' | 'evidence'>;
  let monitor: TrialMonitor | null = null;
  let invariants: { timeline: Timeline; budgets: InvariantBudgets; verdict: Verdict };
  try {
    await scenario.start();
    const master = await scenario.waitForSteadyState();
    const c = cloud as TrialCloud | null;
    // Only the failover's calls count: the start-up assign is not part of it.
    await c?.clearCalls();
    monitor = new TrialMonitor(scenario, deps, c === null ? null : c.holders, `${spec.caseName}-${spec.daemon}-${spec.intervalMs}ms-${spec.kind}`);
    monitor.start();
    const fault = await scenario.injectFault(spec.kind, master);
    monitor.faulted(fault.node, spec.kind);
    const result = await scenario.awaitRecovery(fault);
    const newMaster = scenario.nodeIndex(result.newMaster);
    const budgets = trialBudgets(scenario.masterDownMs, c !== null, spec.caseName === 'aws' ? spec.awsPropagationMs : 0);
    const watched = await monitor.stop(budgets);
    monitor = null;
    invariants = { timeline: watched.timeline, budgets, verdict: watched.verdict };
    let check: CloudCheck | null = null;
    if (c !== null) check = await c.check(scenario.vip);
    outcome = { result, cloud: check, problems: [...trialProblems(result, newMaster, check), ...invariantProblems(watched.verdict)] };
  } catch (e) {
    monitor?.close();
    const evidence = keepEvidence(scenario, spec.evidenceDir, deps);
    // The trial's own failure is the one worth reporting, not a teardown error after it.
    await scenario.teardown().catch((te: unknown) => deps.logger.error({ err: asVipdError(te).toJSON() }, 'scenario teardown failed'));
    const err = asVipdError(e);
    throw new VipdError(err.code, evidence === null ? err.message : `${err.message} (evidence in ${evidence})`, { cause: e, details: { evidence } });
  }
  const evidence = outcome.problems.length > 0 || spec.keepEvidence === true ? keepEvidence(scenario, spec.evidenceDir, deps) : null;
  if (evidence !== null) writeTimeline(evidence, invariants.timeline, invariants.budgets, invariants.verdict);
  await scenario.teardown();
  return { ...outcome, evidence, wallMs: deps.clock.nowMs() - begin };
}

/** Writes the evidence; a failure to write it is logged, never hides the trial's own failure. */
function keepEvidence(scenario: FailoverScenario, dir: string, deps: ScenarioDeps): string | null {
  try {
    return scenario.keepEvidence(dir);
  } catch (e) {
    deps.logger.error({ err: asVipdError(e).toJSON(), dir }, "could not keep the failed trial's evidence");
    return null;
  }
}
