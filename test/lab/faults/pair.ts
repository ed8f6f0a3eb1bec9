import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ControlClient } from '../../../src/control/client';
import { processClock } from '../../../src/util/clock';
import { IpBatchReader } from '../../../lab/invariants/ip-batch';
import { InvariantMonitor, judgeAndKeep } from '../../../lab/invariants/monitor';
import type { InvariantBudgets, NodeCondition, Timeline, Waiver } from '../../../lab/invariants/timeline';
import type { Verdict } from '../../../lab/invariants/judge';
import type { Lab, ProbeHandle } from '../../../lab/netns/lab';
import { eventually, newLab } from '../../support/lab';
import { VIPD_MAIN, VipdProcess, type LogLine } from '../../support/vipd-process';
import { type FaultCloud, type FaultProvider, selectedProviders, startFaultCloud } from './fault-cloud';

export type { FaultProvider } from './fault-cloud';

/**
 * A vipd pair under attack: two real daemons in lab nodes, the client
 * probe, the invariant monitor watching from outside, and (a cloud
 * provider) the emulated cloud in the fabric. The fault scenarios are
 * written once against this and run once per provider (PROVIDERS: one entry
 * per column; VIPD_FAULT_PROVIDERS picks some).
 */
export const PROVIDERS: readonly FaultProvider[] = selectedProviders(process.env.VIPD_FAULT_PROVIDERS);

export const SERVICE_PORT = 8080;
export const HEARTBEAT_PORT = 9476;
export const INTERVAL_MS = 100;
export const DEAD_AFTER = 3;
export const RECONCILE_MS = 1000;
export const VERIFY_MS = 1000;
/** Where failed runs keep their timeline (and the daemons' logs). */
export const EVIDENCE_DIR = process.env.VIPD_FAULT_EVIDENCE ?? join(tmpdir(), 'vipd-fault-evidence');

export interface GroupSpec {
  readonly name: string;
  readonly id: number;
  readonly vips: readonly string[];
  /** Priority per node index (1-based). */
  readonly priority: Readonly<Record<number, number>>;
  readonly preempt?: boolean;
}

export interface PairOptions {
  readonly scenario: string;
  readonly provider: FaultProvider;
  readonly groups?: readonly GroupSpec[];
}

export const DEFAULT_GROUP: GroupSpec = { name: 'web', id: 1, vips: ['10.0.1.100'], priority: { 1: 200, 2: 100 } };

/** The budgets every scenario starts from (docs/reliability.md explains each). */
export function defaultBudgets(provider: FaultProvider): InvariantBudgets {
  return {
    dualHoldMs: RECONCILE_MS,
    cloudMismatchMs: 2 * VERIFY_MS,
    // Detection (deadAfter x interval + skew) plus the move; the cloud adds its API round and confirmation.
    noOwnerMs: provider === 'none' ? 3000 : 5000,
    maxOwnerChanges: 1,
  };
}

export class FaultPair {
  readonly keyFile: string;
  readonly groups: readonly GroupSpec[];
  private readonly processes = new Map<number, VipdProcess>();
  private readonly readers: IpBatchReader[];
  private readonly controls: ControlClient[];
  monitor: InvariantMonitor | null = null;
  probe: ProbeHandle | null = null;

  private constructor(
    readonly lab: Lab,
    readonly cloud: FaultCloud | null,
    readonly dir: string,
    readonly opts: PairOptions,
  ) {
    this.groups = opts.groups ?? [DEFAULT_GROUP];
    this.keyFile = join(dir, 'heartbeat.key');
    writeFileSync(this.keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    this.readers = [1, 2].map((i) => new IpBatchReader(lab.nodeNs(i)));
    this.controls = [1, 2].map((i) => new ControlClient(this.socket(i)));
  }

  static async create(opts: PairOptions): Promise<FaultPair> {
    const lab = await newLab({ nodes: 2 });
    const dir = mkdtempSync(join(tmpdir(), 'vipd-faults-'));
    try {
      const vips = (opts.groups ?? [DEFAULT_GROUP]).flatMap((g) => g.vips);
      const cloud = opts.provider === 'none' ? null : await startFaultCloud(opts.provider, lab, vips, dir);
      for (const i of [1, 2]) await lab.startService(i, SERVICE_PORT);
      return new FaultPair(lab, cloud, dir, opts);
    } catch (e) {
      await lab.teardown().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  get vips(): string[] {
    return this.groups.flatMap((g) => g.vips);
  }

  socket(i: number): string {
    return join(this.dir, `n${i}.sock`);
  }

  configFile(i: number): string {
    return join(this.dir, `n${i}.yaml`);
  }

  config(i: number, groups: readonly GroupSpec[] = this.groups): Record<string, unknown> {
    const stateDir = join(this.dir, `n${i}-state`);
    mkdirSync(stateDir, { recursive: true });
    const other = 3 - i;
    return {
      node: { id: this.lab.nodeName(i), stateDir },
      heartbeat: { bind: this.lab.nodeIp(i), port: HEARTBEAT_PORT, keyFile: this.keyFile },
      provider: {
        type: this.opts.provider,
        acquireDeadlineMs: '20s',
        verifyIntervalMs: `${VERIFY_MS}ms`,
        ...(this.cloud ? this.cloud.providerSection(i) : {}),
      },
      os: { enabled: true, policyRouting: true, reconcileIntervalMs: `${RECONCILE_MS}ms` },
      metrics: { enabled: true, listen: this.lab.nodeIp(i), port: 9477 },
      control: { socket: this.socket(i) },
      log: { level: 'info' },
      groups: groups.map((g) => ({
        name: g.name,
        id: g.id,
        priority: g.priority[i],
        preempt: g.preempt ?? true,
        intervalMs: `${INTERVAL_MS}ms`,
        deadAfter: DEAD_AFTER,
        interface: 'eth0',
        vips: [...g.vips],
        peers: [{ id: this.lab.nodeName(other), address: this.lab.nodeIp(other) }],
      })),
    };
  }

  writeConfig(i: number, groups: readonly GroupSpec[] = this.groups): void {
    writeFileSync(this.configFile(i), stringify(this.config(i, groups)));
  }

  start(i: number): VipdProcess {
    this.writeConfig(i);
    const env = this.cloud ? this.cloud.env() : {};
    const p = new VipdProcess(this.lab.nodeName(i), ['run', '--config', this.configFile(i)], {
      command: ['ip', 'netns', 'exec', this.lab.nodeNs(i), process.execPath, VIPD_MAIN],
      env,
    });
    this.processes.set(i, p);
    this.monitor?.setCondition(this.lab.nodeName(i), 'up');
    return p;
  }

  vipd(i: number): VipdProcess {
    const p = this.processes.get(i);
    if (!p) throw new Error(`vipd not started on node ${i}`);
    return p;
  }

  /** Waits until node i is MASTER of `group` with its VIPs ready (after log line `after`). */
  async waitReady(i: number, group = this.groups[0]!.name, after = 0, timeoutMs = 30_000): Promise<LogLine> {
    const p = this.vipd(i);
    await p.waitForRole(group, 'MASTER', { after, timeoutMs });
    return p.waitFor(
      (l) => p.lines.indexOf(l) >= after && l.event === 'vips-ready' && (l.group === undefined || l.group === group),
      timeoutMs,
      `vips-ready ${group}`,
    );
  }

  /** n1 first and master of every group where it is preferred, then n2, settled once it hears n1. */
  async startPair(): Promise<void> {
    this.start(1);
    for (const g of this.groups) if ((g.priority[1] ?? 0) > (g.priority[2] ?? 0)) await this.waitReady(1, g.name);
    this.start(2);
    for (const g of this.groups) if ((g.priority[2] ?? 0) > (g.priority[1] ?? 0)) await this.waitReady(2, g.name);
    await eventually(async () => (await this.roles(2)).every((r) => r.role === 'BACKUP' || r.role === 'MASTER'), 'n2 settled');
    await eventually(async () => (await this.peerLive(2)) && (await this.peerLive(1)), 'both nodes to hear each other');
  }

  /** Every group's role as node i's control socket reports it. */
  async roles(i: number): Promise<Array<{ group: string; role: string }>> {
    const doc = (await this.controls[i - 1]!.call('status', {}, 1000)) as { groups: Array<{ name: string; election: { role: string } }> };
    return doc.groups.map((g) => ({ group: g.name, role: g.election.role }));
  }

  private async peerLive(i: number): Promise<boolean> {
    const doc = (await this.controls[i - 1]!.call('status', {}, 1000)) as { groups: Array<{ election: { peers: Array<{ live: boolean }> } }> };
    return doc.groups.every((g) => g.election.peers.every((p) => p.live));
  }

  /** Starts the client probe (first VIP) and the monitor; from here on every invariant is watched. */
  async watch(): Promise<void> {
    this.probe = await this.lab.startProbe(this.vips[0]!, SERVICE_PORT, { intervalMs: 20 });
    const nodes = ['n1', 'n2'];
    const vips = this.vips;
    const cloud = this.cloud;
    const firstGroup = this.groups[0]!.name;
    this.monitor = new InvariantMonitor(
      {
        os: async () => {
          const held = await Promise.all(this.readers.map((r) => r.addressesOn('eth0', vips)));
          return { n1: held[0]!, n2: held[1]! };
        },
        ...(cloud
          ? {
              cloud: async () => {
                const h = await cloud.holders(vips);
                return Object.fromEntries(vips.map((v) => [v, h.get(v) ? `n${h.get(v)}` : null]));
              },
            }
          : {}),
        daemonRole: async (node) => {
          const roles = await this.roles(Number(node.slice(1)));
          return roles.find((r) => r.group === firstGroup)?.role ?? null;
        },
        probe: () => this.probe?.records() ?? [],
      },
      processClock,
      (ms) => new Promise((r) => setTimeout(r, ms)),
      { scenario: this.opts.scenario, provider: this.opts.provider, nodes, vips },
    );
    this.monitor.start();
    await eventually(async () => (this.monitor?.sampleCount ?? 0) >= 10, 'the monitor to take its first samples', 10_000, 20);
  }

  mark(node: number, condition: NodeCondition): void {
    this.monitor?.setCondition(this.lab.nodeName(node), condition);
  }

  event(what: string): void {
    this.monitor?.event(what);
  }

  waive(rule: Waiver['rule'], from: number, to: number, why: string): void {
    this.monitor?.waive({ rule, from, to, why });
  }

  /** iptables inside node i: drop (or stop dropping) the peer's heartbeats arriving there. */
  async heartbeatFilter(i: number, op: '-A' | '-D', extra: readonly string[] = []): Promise<void> {
    const peer = this.lab.nodeIp(3 - i);
    const r = await this.lab.run(this.lab.nodeNs(i), [
      'iptables',
      op,
      'INPUT',
      '-p',
      'udp',
      '-s',
      peer,
      '--dport',
      String(HEARTBEAT_PORT),
      ...extra,
      '-j',
      'DROP',
    ]);
    if (r.exitCode !== 0) throw new Error(`iptables ${op} in n${i}: ${r.stderr}`);
  }

  /** Scrapes node i's /metrics from inside its namespace. */
  async metrics(i: number): Promise<string> {
    const r = await this.lab.run(this.lab.nodeNs(i), ['curl', '-sf', '--max-time', '5', `http://${this.lab.nodeIp(i)}:9477/metrics`], { timeoutMs: 15_000 });
    if (r.exitCode !== 0) throw new Error(`scraping n${i} /metrics failed (${r.exitCode}): ${r.stderr}`);
    return r.stdout;
  }

  /** Stops the monitor and judges; on a violation keeps the timeline and the daemons' logs and throws. */
  async verdict(budgets: InvariantBudgets, known: readonly Verdict['violations'][number]['rule'][] = []): Promise<{ verdict: Verdict; timeline: Timeline }> {
    if (!this.monitor) throw new Error('watch() was not called');
    const timeline = await this.monitor.stop();
    this.monitor = null;
    const { verdict, file } = judgeAndKeep(timeline, budgets, EVIDENCE_DIR);
    if (file !== null) {
      for (const [i, p] of this.processes) writeFileSync(file.replace(/\.timeline\.json$/, `.n${i}.log`), p.lines.map((l) => JSON.stringify(l)).join('\n'));
      // A known, documented violation (docs/reliability.md "Findings") is returned for the test to pin down exactly.
      if (known.length > 0 && verdict.violations.every((v) => known.includes(v.rule))) return { verdict, timeline };
      throw new Error(`invariants violated (timeline kept in ${file}):\n${verdict.violations.map((v) => `  ${v.rule} ${v.vip}: ${v.detail}`).join('\n')}`);
    }
    return { verdict, timeline };
  }

  async destroy(): Promise<void> {
    if (this.monitor) await this.monitor.stop();
    for (const r of this.readers) r.close();
    await this.probe?.stop().catch(() => undefined);
    await Promise.all([...this.processes.values()].map((p) => p.stop()));
    await this.cloud?.stop().catch(() => undefined);
    await this.lab.teardown();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** When the first sample showed `node` as the VIP's only up holder after `after` (ms, monotonic); null if never. */
export function ownedAt(timeline: Timeline, vip: string, node: string, after: number): number | null {
  const s = timeline.samples.find(
    (x) => x.t >= after && (x.os[vip] ?? []).filter((n) => x.nodes[n] === 'up').join() === node && (x.cloud === undefined || x.cloud[vip] === node),
  );
  return s?.t ?? null;
}

/** Appends one scenario's figures to EVIDENCE_DIR/figures.ndjson (the source of docs/reliability.md's table). */
export function recordFigures(scenario: string, provider: FaultProvider, figures: Readonly<Record<string, unknown>>): void {
  mkdirSync(EVIDENCE_DIR, { recursive: true });
  appendFileSync(join(EVIDENCE_DIR, 'figures.ndjson'), `${JSON.stringify({ at: new Date().toISOString(), scenario, provider, ...figures })}\n`);
}
