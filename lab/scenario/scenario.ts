import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { LiveScenarios } from './live-scenarios';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { masterDownMs } from '../../src/election/timing';
import { VipdError, asVipdError } from '../../src/errors';
import type { CommandRunner } from '../../src/os/runner';
import type { MonotonicClock } from '../../src/util/clock';
import type { Logger } from '../../src/util/logger';
import { sleep, type Timers } from '../../src/util/timers';
import { Lab, type ProbeHandle } from '../netns/lab';
import { type OutageAnalysis, type ProbeRecord, analyzeOutage } from '../netns/probe-analysis';
import { SCENARIO_INTERFACE, SERVICE_PORT, scenarioPriority, scenarioVips } from './config';
import type { DaemonDriver, DaemonKind, TakeoverReport } from './daemon';
import { type VipHolders, classifyHolders, interfaceHasAddress } from './holders';
import { KeepalivedDriver } from './keepalived';
import { type ProcessControl, killOrder } from './process';
import { type PreparedProvider, type ScenarioProvider, noneProvider } from './provider';
import { VipdDriver } from './vipd';
import { type Observation, steadyMaster } from './settle';
import { waitUntil } from './wait';
import type { ProcessSpawner } from '../netns/spawner';

/**
 * One failover, end to end, with real processes in the namespace lab:
 * N nodes running the daemon under test (vipd or keepalived) and an HTTP
 * service, a client probing the VIP every 10 ms, a fault injected at a
 * random phase of the heartbeat cycle, and the outage as the client saw
 * it. Shared by the lab tests, `npm run demo` and the benchmark.
 *
 *   hard     = the master's fabric link cut, then every process of its daemon
 *              killed -9 (node death: no resign, nothing cleaned up, no ICMP)
 *   graceful = SIGTERM to the master's daemon (it resigns and releases)
 *   crash    = every process of the master's daemon killed -9, host and link
 *              up (a crash, OOM kill, failed upgrade), and the VIP removed from
 *              its interface as the fault's last step: the service behind the
 *              VIP is lost with the daemon (the keepalived baseline's "process
 *              crash"); left in place, the old node would go on answering and
 *              there would be no outage to measure
 */
export type FaultKind = 'hard' | 'graceful' | 'crash';
export const FAULT_KINDS: readonly FaultKind[] = ['hard', 'graceful', 'crash'];

export interface ScenarioDeps {
  readonly runner: CommandRunner;
  readonly spawner: ProcessSpawner;
  readonly logger: Logger;
  readonly clock: MonotonicClock;
  readonly timers: Timers;
  readonly random: () => number;
  readonly processes: ProcessControl;
  /** The entry point's registry of live scenarios (torn down on an interrupt); absent in tests. */
  readonly live?: LiveScenarios;
}

export interface ScenarioOptions {
  readonly daemon?: DaemonKind;
  readonly intervalMs: number;
  readonly nodes?: number;
  readonly provider?: ScenarioProvider;
  /** Compiled output (vipd, probe, service); default: the repo's dist/. */
  readonly distDir?: string;
  readonly probeIntervalMs?: number;
  /** The node binary vipd runs on (the footprint benchmark compares Node lines); default this process's. */
  readonly nodeBinary?: string;
  /** VIPs in the group (default 1); the client probes the last one (vipd only). */
  readonly vipCount?: number;
  /** Groups on the pair, one VIP each beyond the first group's (default 1; vipd only); the client probes the last group's VIP. */
  readonly groupCount?: number;
}

export interface Fault {
  readonly kind: FaultKind;
  readonly node: number;
  /** Monotonic ms (the probe's clock) of the first fault action. */
  readonly atMs: number;
  /** The random wait before it: where in the heartbeat cycle the fault fell. */
  readonly phaseDelayMs: number;
  readonly signalled: readonly number[];
  readonly logMarks: readonly number[];
}

export interface FailoverResult {
  readonly daemon: DaemonKind;
  readonly provider: string;
  readonly fault: FaultKind;
  readonly intervalMs: number;
  readonly oldMaster: string;
  readonly newMaster: string;
  readonly phaseDelayMs: number;
  /** Fault -> first answer from the new master, as the client saw it. */
  readonly outageMs: number;
  readonly outage: OutageAnalysis;
  /** The new master's own account (vipd: reason and phases; keepalived: nothing). */
  readonly takeover: TakeoverReport;
  readonly holders: VipHolders;
}

const STEADY_ANSWERS = 5;

export class FailoverScenario {
  readonly nodes: number;
  readonly intervalMs: number;
  /** The VIP the client probes: the group's last. */
  readonly vip: string;
  readonly vips: readonly string[];
  private probe: ProbeHandle | null = null;
  /** The probe's records once awaitRecovery stopped it; the last fault injected: a failed trial's evidence. */
  private stoppedProbeRecords: readonly ProbeRecord[] = [];
  private lastFault: Fault | null = null;
  private tornDown = false;

  private constructor(
    private readonly deps: ScenarioDeps,
    readonly lab: Lab,
    readonly driver: DaemonDriver,
    private readonly provider: PreparedProvider,
    readonly providerName: string,
    private readonly dir: string,
    private readonly options: ScenarioOptions,
  ) {
    this.nodes = options.nodes ?? 2;
    this.intervalMs = options.intervalMs;
    this.vips = scenarioVips((options.vipCount ?? 1) + (options.groupCount ?? 1) - 1);
    this.vip = this.vips[this.vips.length - 1]!;
  }

  /** Builds the lab and writes the configs; nothing runs yet. Tears down what it built when it fails. */
  static async create(deps: ScenarioDeps, options: ScenarioOptions): Promise<FailoverScenario> {
    const nodes = options.nodes ?? 2;
    if (nodes < 2) throw new VipdError('VIPD_E_CONFIG', `a failover needs at least 2 nodes, got ${nodes}`);
    const provider = options.provider ?? noneProvider;
    const lab = await Lab.create(
      { runner: deps.runner, spawner: deps.spawner, logger: deps.logger, random: deps.random },
      { nodes, ...(options.distDir === undefined ? {} : { distDir: options.distDir }) },
    );
    const dir = mkdtempSync(join(tmpdir(), 'vipd-scenario-'));
    let prepared: PreparedProvider | null = null;
    try {
      const groupVips = options.vipCount ?? 1;
      const all = scenarioVips(groupVips + (options.groupCount ?? 1) - 1);
      if (all.length > 1 && (options.daemon ?? 'vipd') !== 'vipd') throw new VipdError('VIPD_E_CONFIG', 'the keepalived baseline runs one VIP');
      const vip = all[all.length - 1]!;
      prepared = await provider.prepare({ lab, dir, vip, vips: all, nodes });
      const ctx = {
        lab,
        dir,
        nodes,
        intervalMs: options.intervalMs,
        vip,
        vips: all.slice(0, groupVips),
        groups: options.groupCount ?? 1,
        extraGroupVips: all.slice(groupVips),
      };
      // keepalived with a cloud provider runs the guides' notify script (the provider's recipe).
      const recipe = prepared.keepalivedRecipe?.bind(prepared) ?? null;
      const driver =
        (options.daemon ?? 'vipd') === 'vipd'
          ? new VipdDriver(ctx, prepared, lab.options.distDir, options.nodeBinary ?? process.execPath)
          : new KeepalivedDriver(ctx, recipe);
      const scenario = new FailoverScenario(deps, lab, driver, prepared, provider.name, dir, options);
      deps.live?.add(scenario);
      return scenario;
    } catch (e) {
      await prepared?.close().catch(() => undefined);
      await lab.teardown().catch((te: unknown) => deps.logger.error({ err: String(te) }, 'lab teardown after a failed scenario setup also failed'));
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** What the client saw so far (started by waitForSteadyState), for scenarios that go on after it. */
  probeRecords(): ProbeRecord[] {
    if (!this.probe) throw new VipdError('VIPD_E_INTERNAL', 'probeRecords before waitForSteadyState');
    return this.probe.records();
  }

  /** Time a backup waits for a silent master (the least preferred node's, the longest). */
  get masterDownMs(): number {
    return masterDownMs(scenarioPriority(this.nodes, this.nodes), this.intervalMs, 3);
  }

  /** Services and daemons on every node. */
  async start(): Promise<void> {
    const all = Array.from({ length: this.nodes }, (_, k) => k + 1);
    await Promise.all(all.map((i) => this.lab.startService(i, SERVICE_PORT)));
    await Promise.all(all.map((i) => this.driver.start(i)));
  }

  /**
   * Waits for a settled master (settle.ts: the same master, believed by every
   * node, for two master-down intervals) and the probe answering from it;
   * returns the master.
   */
  async waitForSteadyState(): Promise<number> {
    const names = Array.from({ length: this.nodes }, (_, k) => this.lab.nodeName(k + 1));
    const rule = { stableMs: 2 * this.masterDownMs, maxGapMs: this.masterDownMs };
    const history: Observation[] = [];
    const master = await waitUntil(
      this.deps,
      async () => {
        const nodes = await this.driver.observe();
        history.push({ atMs: this.deps.clock.nowMs(), nodes });
        return steadyMaster(history, names, rule);
      },
      `one master, believed by every node, for ${rule.stableMs.toFixed(0)} ms`,
      {
        timeoutMs: 30_000 + 3 * this.masterDownMs,
        everyMs: 20,
        context: () => `last look: ${JSON.stringify(history[history.length - 1]?.nodes ?? [])}\n${this.tails()}`,
      },
    );
    const name = this.lab.nodeName(master);
    if (!this.probe) this.probe = await this.lab.startProbe(this.vip, SERVICE_PORT, { intervalMs: this.options.probeIntervalMs ?? 10 });
    const probe = this.probe;
    await waitUntil(
      this.deps,
      () => {
        const last = probe.records().slice(-STEADY_ANSWERS);
        return last.length === STEADY_ANSWERS && last.every((r) => r.ok && r.node === name) ? true : null;
      },
      `the probe answered ${STEADY_ANSWERS} times in a row by ${name}`,
      { timeoutMs: 20_000, everyMs: 20, context: () => `last probe records: ${JSON.stringify(probe.records().slice(-3))}` },
    );
    this.deps.logger.info({ master: name }, 'steady state: one master, the probe answered by it');
    return master;
  }

  /**
   * Waits a random part of one heartbeat interval (a fixed sleep would pin
   * every run to one point of the advert cycle), then injects the fault.
   */
  async injectFault(kind: FaultKind, node: number): Promise<Fault> {
    const root = this.driver.rootPid(node);
    if (root === null) throw new VipdError('VIPD_E_INTERNAL', `no daemon runs on node ${node}`);
    const phaseDelayMs = this.deps.random() * this.intervalMs;
    await sleep(this.deps.timers, phaseDelayMs);
    const logMarks = Array.from({ length: this.nodes }, (_, k) => this.driver.logMark(k + 1));
    if (kind === 'graceful') {
      const atMs = this.deps.clock.nowMs();
      this.deps.processes.signal(root, 'SIGTERM');
      return (this.lastFault = { kind, node, atMs, phaseDelayMs, signalled: [root], logMarks });
    }
    // Read the process table before the clock starts; kill children first, so
    // no child outlives its parent long enough to resign on its behalf.
    const victims = killOrder(root, this.deps.processes.list());
    const atMs = this.deps.clock.nowMs();
    // A dead node answers nothing, not even an ICMP port unreachable: the link
    // goes first, or a peer's probe in the milliseconds between the kill and
    // the cut would see a refusal and take over as after a crash.
    if (kind === 'hard') await this.lab.cutNode(node);
    for (const pid of victims) this.deps.processes.signal(pid, 'SIGKILL');
    this.lastFault = { kind, node, atMs, phaseDelayMs, signalled: victims, logMarks };
    if (kind === 'crash') await this.lab.ip(this.lab.nodeNs(node), ['addr', 'del', `${this.vip}/24`, 'dev', SCENARIO_INTERFACE]);
    return this.lastFault;
  }

  /** Waits until another node answers and has finished taking over, then measures and checks. */
  async awaitRecovery(fault: Fault): Promise<FailoverResult> {
    const probe = this.probe;
    if (!probe) throw new VipdError('VIPD_E_INTERNAL', 'awaitRecovery before waitForSteadyState');
    const oldName = this.lab.nodeName(fault.node);
    const recoveredBy = await waitUntil(
      this.deps,
      () => {
        const a = analyzeOutage(probe.records(), fault.atMs);
        return a.recoveredBy !== null && a.recoveredBy !== oldName ? a.recoveredBy : null;
      },
      `an answer from a node other than ${oldName}`,
      { timeoutMs: 20_000 + 10 * this.masterDownMs, everyMs: 10, context: () => this.tails() },
    );
    const newMaster = this.nodeIndex(recoveredBy);
    const mark = fault.logMarks[newMaster - 1] ?? 0;
    const takeover = await waitUntil(this.deps, () => this.driver.takeoverReport(newMaster, mark), `${recoveredBy} to finish taking over`, {
      timeoutMs: 20_000,
      everyMs: 20,
      context: () => this.driver.tail(newMaster),
    });
    if (fault.kind === 'graceful') {
      let exited = false;
      void this.driver.waitExited(fault.node).then(() => (exited = true));
      await waitUntil(this.deps, () => (exited ? true : null), `the stopped daemon on ${oldName} to exit`, {
        timeoutMs: 20_000,
        everyMs: 20,
        context: () => this.driver.tail(fault.node),
      });
    }
    const records = await probe.stop();
    this.probe = null;
    this.stoppedProbeRecords = records;
    const outage = analyzeOutage(records, fault.atMs);
    if (outage.outageMs === null || outage.recoveredBy === null) {
      throw new VipdError('VIPD_E_INTERNAL', 'the probe saw the new master answer, but its final records do not show the recovery');
    }
    const holders = await this.vipHolders(fault.kind === 'hard' ? [fault.node] : []);
    const result: FailoverResult = {
      daemon: this.driver.kind,
      provider: this.providerName,
      fault: fault.kind,
      intervalMs: this.intervalMs,
      oldMaster: oldName,
      newMaster: outage.recoveredBy,
      phaseDelayMs: fault.phaseDelayMs,
      outageMs: outage.outageMs,
      outage,
      takeover,
      holders,
    };
    this.deps.logger.info({ result }, 'failover measured');
    return result;
  }

  /** Which nodes carry the VIP on their interface; `dead` nodes (link cut) count as stale, not as holders. */
  async vipHolders(dead: readonly number[]): Promise<VipHolders> {
    const nodes = await Promise.all(
      Array.from({ length: this.nodes }, async (_, k) => {
        const i = k + 1;
        const json = await this.lab.ipJson(this.lab.nodeNs(i), ['-4', 'addr', 'show', 'dev', SCENARIO_INTERFACE]);
        return { name: this.lab.nodeName(i), holds: interfaceHasAddress(json, this.vip), dead: dead.includes(i) };
      }),
    );
    return classifyHolders(nodes);
  }

  /**
   * A failed trial's evidence, written to `dir` before teardown: every
   * daemon's buffered output and the probe's records (all of them, and
   * those after the fault when there was one). Returns the directory.
   */
  keepEvidence(dir: string): string {
    const fault = this.lastFault;
    mkdirSync(dir, { recursive: true });
    for (let i = 1; i <= this.nodes; i++) {
      const out = this.driver.output(i);
      const name = this.lab.nodeName(i);
      writeFileSync(join(dir, `${name}-${this.driver.kind}.stdout.log`), out.stdout);
      writeFileSync(join(dir, `${name}-${this.driver.kind}.stderr.log`), out.stderr);
    }
    const records = this.probe?.records() ?? this.stoppedProbeRecords;
    const lines = (rs: readonly unknown[]): string => rs.map((r) => `${JSON.stringify(r)}\n`).join('');
    writeFileSync(join(dir, 'probe.ndjson'), lines(records));
    if (fault !== null) {
      writeFileSync(join(dir, 'fault.json'), `${JSON.stringify(fault, null, 2)}\n`);
      writeFileSync(join(dir, 'probe-after-fault.ndjson'), lines(records.filter((r) => r.t0 >= fault.atMs)));
    }
    return dir;
  }

  nodeIndex(name: string): number {
    for (let i = 1; i <= this.nodes; i++) if (this.lab.nodeName(i) === name) return i;
    throw new VipdError('VIPD_E_INTERNAL', `the probe was answered by "${name}", which is not a node of this lab`);
  }

  /** Kills everything, deletes the namespaces and the temp dir; safe to call twice. */
  async teardown(): Promise<void> {
    if (this.tornDown) return;
    this.tornDown = true;
    this.deps.live?.delete(this);
    const errors: unknown[] = [];
    await this.provider.close().catch((e: unknown) => errors.push(e));
    await this.lab.teardown().catch((e: unknown) => errors.push(e));
    rmSync(this.dir, { recursive: true, force: true });
    if (errors.length > 0) throw asVipdError(errors[0]);
  }

  private tails(): string {
    return Array.from({ length: this.nodes }, (_, k) => this.driver.tail(k + 1)).join('\n');
  }
}

/** The whole scenario: build, start, settle, fault, measure, and always tear down. */
export async function runFailover(deps: ScenarioDeps, options: ScenarioOptions & { readonly fault: FaultKind }): Promise<FailoverResult> {
  const scenario = await FailoverScenario.create(deps, options);
  let result: FailoverResult;
  try {
    await scenario.start();
    const master = await scenario.waitForSteadyState();
    const fault = await scenario.injectFault(options.fault, master);
    result = await scenario.awaitRecovery(fault);
  } catch (e) {
    // The scenario's own failure is the one worth reporting, not a teardown error after it.
    await scenario.teardown().catch((te: unknown) => deps.logger.error({ err: asVipdError(te) }, 'scenario teardown failed'));
    throw e;
  }
  await scenario.teardown();
  return result;
}
