import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Lab } from '../../lab/netns/lab';
import { scenarioPriority, vipdNodeConfig } from '../../lab/scenario/config';
import { VIPD_MAIN, VipdProcess } from './vipd-process';

type Doc = Record<string, unknown> & { groups: Array<Record<string, unknown>>; os: Record<string, unknown> };

/**
 * Real vipd daemons inside a Lab's node namespaces (provider none, OS on),
 * one config file and control socket per node, logs parsed by VipdProcess.
 */
export class LabVipd {
  readonly dir = mkdtempSync(join(tmpdir(), 'vipd-labd-'));
  readonly keyFile = join(this.dir, 'heartbeat.key');
  readonly procs = new Map<number, VipdProcess>();

  constructor(
    readonly lab: Lab,
    readonly nodes: number,
    readonly intervalMs = 100,
    private readonly tweak: (doc: Doc, node: number) => void = () => undefined,
  ) {
    writeFileSync(this.keyFile, 'lab-vipd-test-key-0123456789abcdef\n', { mode: 0o600 });
  }

  id(i: number): string {
    return `n${i}`;
  }

  socket(i: number): string {
    return join(this.dir, `n${i}.sock`);
  }

  stateDir(i: number): string {
    const dir = join(this.dir, `n${i}-state`);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  configPath(i: number): string {
    return join(this.dir, `n${i}.yaml`);
  }

  writeConfig(i: number): string {
    const all = Array.from({ length: this.nodes }, (_, k) => ({ id: this.id(k + 1), address: this.lab.nodeIp(k + 1) }));
    const doc = vipdNodeConfig({
      self: { id: this.id(i), address: this.lab.nodeIp(i) },
      peers: all.filter((n) => n.id !== this.id(i)),
      priority: scenarioPriority(i, this.nodes),
      intervalMs: this.intervalMs,
      keyFile: this.keyFile,
      controlSocket: this.socket(i),
      stateDir: this.stateDir(i),
      provider: { type: 'none' },
    }) as Doc;
    this.tweak(doc, i);
    writeFileSync(this.configPath(i), stringify(doc));
    return this.configPath(i);
  }

  start(i: number, extraArgs: readonly string[] = [], env: NodeJS.ProcessEnv = {}): VipdProcess {
    const path = this.writeConfig(i);
    const p = new VipdProcess(this.id(i), ['run', '--config', path, ...extraArgs], {
      command: ['ip', 'netns', 'exec', this.lab.nodeNs(i), process.execPath, VIPD_MAIN],
      env,
    });
    this.procs.set(i, p);
    return p;
  }

  /** Runs the vipd CLI (status, switchover, doctor...) inside node i's namespace. */
  async cli(i: number, args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const p = new VipdProcess(`cli-n${i}`, args, { command: ['ip', 'netns', 'exec', this.lab.nodeNs(i), process.execPath, VIPD_MAIN] });
    const { code } = await p.wait();
    // VipdProcess parses stdout as NDJSON; CLI output is text and is kept as unparsed lines.
    return { code, stdout: p.lines.map((l) => (l.unparsed ? String(l.msg) : JSON.stringify(l))).join('\n'), stderr: p.stderr.join('\n') };
  }

  get(i: number): VipdProcess {
    const p = this.procs.get(i);
    if (!p) throw new Error(`vipd n${i} not started`);
    return p;
  }

  async destroy(): Promise<void> {
    await Promise.all([...this.procs.values()].map((p) => p.stop()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
