import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { VipdError } from '../../src/errors';
import { runChecked } from '../../src/os/exec-runner';
import type { CommandResult, CommandRunner } from '../../src/os/runner';
import type { Logger } from '../../src/util/logger';
import { labNames, labPrefix, parseNetnsList } from './names';
import { NetnsRunner } from './netns-runner';
import { type ProbeRecord, parseProbeRecords } from './probe-analysis';
import type { LabProcess, ProcessSpawner } from './spawner';
import { killNamespaceProcesses } from './sweep';
import { MAX_NODES, clientBatch, fabricBatch, nodeAddress, nodeAddress6, nodeBatch, secondUplinkBatches, uplinkAddresses } from './topology';

export interface LabDeps {
  readonly runner: CommandRunner;
  readonly spawner: ProcessSpawner;
  readonly logger: Logger;
  /** Owner pid written into the namespace names (sweepLeftovers checks it). */
  readonly pid?: number;
  readonly random?: () => number;
}

export interface LabOptions {
  readonly nodes: number;
  /** Also give every namespace IPv6 addresses (fd00:1::/64, fd00:2::/64). */
  readonly ipv6?: boolean;
  /** Compiled output (probe.js, service.js); default: the repo's dist/. */
  readonly distDir?: string;
}

export interface ProbeHandle {
  readonly process: LabProcess;
  readonly file: string;
  /** Records written so far (the probe flushes each line). */
  records(): ProbeRecord[];
  /** SIGTERM, wait for the probe to flush, return every record. */
  stop(): Promise<ProbeRecord[]>;
}

function defaultDistDir(): string {
  // lab/netns under ts-jest, dist/lab/netns when compiled.
  const root = resolve(__dirname, '..', '..');
  return basename(root) === 'dist' ? root : join(root, 'dist');
}

/**
 * Network namespaces for one test run: a fabric (subnet bridge and
 * gateways), N nodes and a client, none connected to the host's network.
 * Build with Lab.create(); always call teardown() (it also runs when the
 * build itself fails half-way).
 */
export class Lab {
  readonly prefix: string;
  readonly fabricNs: string;
  readonly clientNs: string;
  private readonly nodeNames: readonly string[];
  private readonly processes = new Set<LabProcess>();
  private readonly uplinks = new Set<number>();
  /** Only namespaces this lab created are deleted: a name clash must not remove someone else's. */
  private readonly created = new Set<string>();
  private readonly tmp: string;
  private tornDown = false;

  private constructor(
    private readonly deps: LabDeps,
    readonly options: Required<LabOptions>,
  ) {
    this.prefix = labPrefix(deps.pid ?? process.pid, deps.random ?? Math.random);
    const names = labNames(this.prefix, options.nodes);
    this.fabricNs = names.fabric;
    this.clientNs = names.client;
    this.nodeNames = names.nodes;
    this.tmp = mkdtempSync(join(tmpdir(), this.prefix));
  }

  static async create(deps: LabDeps, options: LabOptions): Promise<Lab> {
    if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > MAX_NODES) {
      throw new VipdError('VIPD_E_CONFIG', `lab: nodes must be 1-${MAX_NODES}, got ${options.nodes}`);
    }
    const lab = new Lab(deps, { nodes: options.nodes, ipv6: options.ipv6 ?? false, distDir: options.distDir ?? defaultDistDir() });
    try {
      await lab.build();
    } catch (e) {
      await lab.teardown().catch((te: unknown) => deps.logger.error({ err: String(te) }, 'lab teardown after failed build also failed'));
      throw e;
    }
    return lab;
  }

  get namespaces(): string[] {
    return [this.fabricNs, this.clientNs, ...this.nodeNames];
  }

  nodeNs(i: number): string {
    const ns = this.nodeNames[i - 1];
    if (ns === undefined) throw new VipdError('VIPD_E_INTERNAL', `lab has nodes 1-${this.nodeNames.length}, not ${i}`);
    return ns;
  }

  nodeName(i: number): string {
    this.nodeNs(i);
    return `n${i}`;
  }

  nodeIp(i: number): string {
    this.nodeNs(i);
    return nodeAddress(i);
  }

  nodeIp6(i: number): string {
    this.nodeNs(i);
    return nodeAddress6(i);
  }

  /** A CommandRunner whose commands run inside node i (give it to an OsConfigurator). */
  nodeRunner(i: number): CommandRunner {
    return new NetnsRunner(this.deps.runner, this.nodeNs(i));
  }

  runnerIn(ns: string): CommandRunner {
    return new NetnsRunner(this.deps.runner, ns);
  }

  /** Runs argv inside a namespace; resolves with the result even on a non-zero exit. */
  run(ns: string, argv: readonly string[], options: { timeoutMs?: number; input?: string } = {}): Promise<CommandResult> {
    return this.deps.runner.run('ip', ['netns', 'exec', ns, ...argv], options);
  }

  /** `ip -n NS args...`, throwing VIPD_E_COMMAND_FAILED on a non-zero exit. */
  async ip(ns: string, args: readonly string[], input?: string): Promise<string> {
    return (await runChecked(this.deps.runner, 'ip', ['-n', ns, ...args], input === undefined ? undefined : { input })).stdout;
  }

  async ipJson(ns: string, args: readonly string[]): Promise<unknown> {
    return JSON.parse(await this.ip(ns, ['-json', ...args])) as unknown;
  }

  spawnIn(ns: string, argv: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): LabProcess {
    const p = this.deps.spawner.spawn(['ip', 'netns', 'exec', ns, ...argv], options);
    this.processes.add(p);
    return p;
  }

  spawnInNode(i: number, argv: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): LabProcess {
    return this.spawnIn(this.nodeNs(i), argv, options);
  }

  spawnInClient(argv: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): LabProcess {
    return this.spawnIn(this.clientNs, argv, options);
  }

  /** For the cloud emulator: it runs in the fabric and programs routes there. */
  spawnInFabric(argv: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): LabProcess {
    return this.spawnIn(this.fabricNs, argv, options);
  }

  /** Node death as the network sees it: its fabric ports go down (its own routes stay intact). */
  async cutNode(i: number): Promise<void> {
    await this.setNodePorts(i, 'down');
  }

  async restoreNode(i: number): Promise<void> {
    await this.setNodePorts(i, 'up');
  }

  private async setNodePorts(i: number, state: 'up' | 'down'): Promise<void> {
    this.nodeNs(i);
    const lines = [`link set p-n${i} ${state}`];
    if (this.uplinks.has(i)) lines.push(`link set q-n${i} ${state}`);
    await this.ip(this.fabricNs, ['-batch', '-'], `${lines.join('\n')}\n`);
  }

  /**
   * Gives node i a second uplink (eth1, 10.0.(100+i).10/24) whose default
   * route (metric 10) beats the subnet's (moved to metric 100). The fabric
   * filters that link with strict reverse-path checking, so a reply from a
   * VIP that leaves through it is dropped: the source-address gotcha.
   */
  async addSecondUplink(i: number): Promise<{ ifname: string; nodeAddress: string; gateway: string }> {
    const batches = secondUplinkBatches(i, this.nodeNs(i));
    await this.ip(this.fabricNs, ['-batch', '-'], `${batches.fabric.join('\n')}\n`);
    await this.sysctl(this.fabricNs, [`net.ipv4.conf.q-n${i}.rp_filter=1`]);
    await this.ip(this.nodeNs(i), ['-batch', '-'], `${batches.node.join('\n')}\n`);
    this.uplinks.add(i);
    const a = uplinkAddresses(i);
    return { ifname: 'eth1', nodeAddress: a.node, gateway: a.fabric };
  }

  /** Cloud hook: the SDN sends the VIP to node i (a /32 beats the bridge's ARP). */
  async fabricRouteTo(vip: string, i: number): Promise<void> {
    await this.ip(this.fabricNs, ['route', 'replace', `${vip}/32`, 'via', this.nodeIp(i)]);
  }

  /** Cloud hook: nobody holds the VIP. */
  async fabricBlackhole(vip: string): Promise<void> {
    await this.ip(this.fabricNs, ['route', 'replace', 'blackhole', `${vip}/32`]);
  }

  /** E.g. 169.254.169.254/32 for an emulated metadata service: nodes reach it through their default route. */
  async addFabricLocalAddress(cidr: string): Promise<void> {
    await this.ip(this.fabricNs, ['address', 'replace', cidr, 'dev', 'lo']);
  }

  async linkMac(ns: string, ifname: string): Promise<string> {
    const links = (await this.ipJson(ns, ['link', 'show', 'dev', ifname])) as { address?: unknown }[];
    const mac = links[0]?.address;
    if (typeof mac !== 'string') throw new VipdError('VIPD_E_OS_STATE', `no MAC for ${ifname} in ${ns}`);
    return mac;
  }

  nodeMac(i: number): Promise<string> {
    return this.linkMac(this.nodeNs(i), 'eth0');
  }

  /** The fabric's neighbour entry for an address on the subnet bridge, or null. */
  async fabricNeighbour(address: string): Promise<{ lladdr: string | null; state: readonly string[] } | null> {
    const entries = (await this.ipJson(this.fabricNs, ['neigh', 'show', address, 'dev', 'br0'])) as { lladdr?: unknown; state?: unknown }[];
    const e = entries[0];
    if (!e) return null;
    return {
      lladdr: typeof e.lladdr === 'string' ? e.lladdr : null,
      state: Array.isArray(e.state) ? e.state.filter((s): s is string => typeof s === 'string') : [],
    };
  }

  /** The lab's HTTP service in node i, answering with its node name ("n1"); resolves once it listens. */
  async startService(i: number, port: number): Promise<LabProcess> {
    const p = this.spawnInNode(i, [
      process.execPath,
      join(this.options.distDir, 'lab', 'netns', 'service.js'),
      '--name',
      this.nodeName(i),
      '--port',
      String(port),
    ]);
    await p.waitForOutput(/^listening /, 15_000);
    return p;
  }

  /** Starts the probe in the client namespace: a new TCP connection and GET to target:port every intervalMs. */
  async startProbe(target: string, port: number, options: { intervalMs?: number; timeoutMs?: number } = {}): Promise<ProbeHandle> {
    const file = join(this.tmp, `probe-${this.processes.size}.ndjson`);
    const argv = [
      process.execPath,
      join(this.options.distDir, 'lab', 'netns', 'probe.js'),
      '--target',
      target,
      '--port',
      String(port),
      '--interval-ms',
      String(options.intervalMs ?? 10),
      '--timeout-ms',
      String(options.timeoutMs ?? 250),
      '--out',
      file,
    ];
    const p = this.spawnInClient(argv);
    await p.waitForOutput(/^probing /, 15_000);
    const read = (): ProbeRecord[] => {
      let text = '';
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      return parseProbeRecords(text);
    };
    return {
      process: p,
      file,
      records: read,
      stop: async () => {
        p.kill('SIGTERM');
        const status = await p.wait();
        if (status.code !== 0) throw new VipdError('VIPD_E_INTERNAL', `probe exited ${status.code ?? status.signal}: ${p.stderr().slice(-2000)}`);
        return read();
      },
    };
  }

  /** Kills every process in the lab's namespaces and deletes them; safe to call twice. */
  async teardown(): Promise<void> {
    if (this.tornDown) return;
    this.tornDown = true;
    const errors: string[] = [];
    for (const p of this.processes) p.kill('SIGKILL');
    for (const ns of this.created) {
      try {
        await killNamespaceProcesses(this.deps.runner, ns);
      } catch (e) {
        errors.push(`${ns}: ${String(e)}`);
      }
    }
    const existing = new Set(await this.existingNamespaces());
    for (const ns of this.created) {
      if (!existing.has(ns)) continue;
      const r = await this.deps.runner.run('ip', ['netns', 'del', ns]);
      if (r.exitCode !== 0) errors.push(`ip netns del ${ns}: ${r.stderr.trim()}`);
    }
    await Promise.all([...this.processes].map((p) => p.wait()));
    rmSync(this.tmp, { recursive: true, force: true });
    if (errors.length > 0) throw new VipdError('VIPD_E_COMMAND_FAILED', `lab teardown: ${errors.join('; ')}`);
  }

  private async existingNamespaces(): Promise<string[]> {
    const r = await runChecked(this.deps.runner, 'ip', ['netns', 'list']);
    return parseNetnsList(r.stdout);
  }

  private async sysctl(ns: string, settings: readonly string[]): Promise<void> {
    await runChecked(this.deps.runner, 'ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', ...settings]);
  }

  private async build(): Promise<void> {
    for (const ns of this.namespaces) {
      await runChecked(this.deps.runner, 'ip', ['netns', 'add', ns]);
      this.created.add(ns);
      // No duplicate address detection: link-local addresses are final at once,
      // so a test's before/after snapshots do not race a DAD timer.
      await this.sysctl(ns, ['net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
    }
    const names = { client: this.clientNs, nodes: this.nodeNames };
    await this.ip(this.fabricNs, ['-batch', '-'], `${fabricBatch(names, this.options.ipv6).join('\n')}\n`);
    const forwarding = ['net.ipv4.ip_forward=1'];
    if (this.options.ipv6) forwarding.push('net.ipv6.conf.all.forwarding=1');
    await this.sysctl(this.fabricNs, forwarding);
    await Promise.all([
      ...this.nodeNames.map((ns, k) => this.ip(ns, ['-batch', '-'], `${nodeBatch(k + 1, this.options.ipv6).join('\n')}\n`)),
      this.ip(this.clientNs, ['-batch', '-'], `${clientBatch(this.options.ipv6).join('\n')}\n`),
    ]);
    this.deps.logger.debug({ prefix: this.prefix, nodes: this.nodeNames.length }, 'lab built');
  }
}
