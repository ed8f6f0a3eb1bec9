import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ControlClient } from '../../src/control/client';
import type { DaemonStatus } from '../../src/runtime/daemon';
import { VipdProcess } from './vipd-process';

export interface LoopbackNode {
  readonly id: string;
  readonly port: number;
  readonly priority: number | Record<string, number>;
  readonly preempt?: boolean;
  readonly preemptDelayMs?: number;
}

export interface LoopbackGroup {
  readonly name: string;
  readonly id: number;
  readonly vip: string;
}

/** Reserves free UDP ports on 127.0.0.1 (bind 0, read, close). */
export async function freeUdpPorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  const sockets = await Promise.all(
    Array.from({ length: n }, () => {
      const s = createSocket('udp4');
      return new Promise<ReturnType<typeof createSocket>>((resolve) => s.bind(0, '127.0.0.1', () => resolve(s)));
    }),
  );
  for (const s of sockets) ports.push(s.address().port);
  await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

/**
 * Several real vipd processes on 127.0.0.1, one UDP port each, sharing a
 * key; provider none with OS changes off (the log-only owner).
 */
export class LoopbackCluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'vipd-loop-'));
  readonly keyFile = join(this.dir, 'heartbeat.key');
  readonly processes = new Map<string, VipdProcess>();

  constructor(
    readonly nodes: readonly LoopbackNode[],
    readonly groups: readonly LoopbackGroup[],
    readonly intervalMs = 250,
  ) {
    writeFileSync(this.keyFile, 'loopback-test-key-0123456789abcdef\n', { mode: 0o600 });
  }

  /** The usual pair: n1 (priority 200) and n2 (priority 100) on free ports. */
  static async pair(groups: readonly LoopbackGroup[], intervalMs?: number): Promise<LoopbackCluster> {
    const [p1, p2] = await freeUdpPorts(2);
    return new LoopbackCluster(
      [
        { id: 'n1', port: p1 as number, priority: 200 },
        { id: 'n2', port: p2 as number, priority: 100 },
      ],
      groups,
      intervalMs,
    );
  }

  /** A node's definition, with overrides (e.g. another priority for a reload). */
  node(id: string, overrides: Partial<LoopbackNode> = {}): LoopbackNode {
    const n = this.nodes.find((x) => x.id === id);
    if (!n) throw new Error(`no node ${id}`);
    return { ...n, ...overrides };
  }

  configPath(id: string): string {
    return join(this.dir, `${id}.yaml`);
  }

  stateDir(id: string): string {
    const dir = join(this.dir, `${id}-state`);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  socketPath(id: string): string {
    return join(this.dir, `${id}.sock`);
  }

  writeConfig(node: LoopbackNode, overrides: { keyFile?: string; nextKeyFile?: string | null; groups?: readonly LoopbackGroup[] } = {}): string {
    const groups = overrides.groups ?? this.groups;
    const config = {
      node: { id: node.id, stateDir: this.stateDir(node.id) },
      heartbeat: { bind: '127.0.0.1', port: node.port, keyFile: overrides.keyFile ?? this.keyFile, nextKeyFile: overrides.nextKeyFile ?? null },
      provider: { type: 'none' },
      os: { enabled: false },
      metrics: { enabled: false },
      control: { socket: this.socketPath(node.id) },
      log: { level: 'debug' },
      groups: groups.map((g) => ({
        name: g.name,
        id: g.id,
        priority: typeof node.priority === 'number' ? node.priority : (node.priority[g.name] ?? 100),
        preempt: node.preempt ?? true,
        preemptDelayMs: `${node.preemptDelayMs ?? 0}ms`,
        intervalMs: `${this.intervalMs}ms`,
        interface: 'lo',
        vips: [g.vip],
        peers: this.nodes.filter((n) => n.id !== node.id).map((n) => ({ id: n.id, address: '127.0.0.1', port: n.port })),
      })),
    };
    const path = this.configPath(node.id);
    writeFileSync(path, stringify(config));
    return path;
  }

  start(id: string, overrides: { keyFile?: string } = {}): VipdProcess {
    const node = this.nodes.find((n) => n.id === id);
    if (!node) throw new Error(`no node ${id}`);
    const path = this.writeConfig(node, overrides);
    const p = new VipdProcess(id, ['run', '--config', path]);
    this.processes.set(id, p);
    return p;
  }

  get(id: string): VipdProcess {
    const p = this.processes.get(id);
    if (!p) throw new Error(`node ${id} not started`);
    return p;
  }

  async status(id: string): Promise<DaemonStatus> {
    return (await new ControlClient(this.socketPath(id)).call('status', {}, 5000)) as DaemonStatus;
  }

  /**
   * Waits until every named node reports, over its control socket, the
   * given role per group and (for a backup) the given master. A logged
   * "-> BACKUP" line is not enough before killing a master: the start
   * transition is also "-> BACKUP", and under load two nodes can both be
   * MASTER for a moment before the adverts cross.
   */
  async settle(expected: Record<string, Record<string, { role: string; master?: string }>>, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen: string[] = [];
      let ok = true;
      for (const [id, groups] of Object.entries(expected)) {
        let s: DaemonStatus;
        try {
          s = await this.status(id);
        } catch (err) {
          seen.push(`${id}: ${(err as Error).message}`);
          ok = false;
          continue;
        }
        for (const [name, want] of Object.entries(groups)) {
          const e = s.groups.find((g) => g.name === name)?.election;
          seen.push(`${id}/${name}: ${e?.role ?? '?'} (master ${e?.master ?? 'none'})`);
          if (e?.role !== want.role || (want.master !== undefined && e.master !== want.master)) ok = false;
        }
      }
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`cluster did not settle within ${timeoutMs} ms; last seen: ${seen.join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async destroy(): Promise<void> {
    await Promise.all([...this.processes.values()].map((p) => p.stop()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
