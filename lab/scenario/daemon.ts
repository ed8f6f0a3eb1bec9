import type { FailoverPhases } from '../../src/runtime/ports';
import type { Lab } from '../netns/lab';
import type { ScenarioNodeAddress } from './config';
import type { NodeView } from './settle';
import type { ExitStatus } from '../netns/spawner';

/**
 * The failover daemon under test, as the scenario drives it: vipd or the
 * keepalived baseline. The scenario owns the lab, the probe and the fault;
 * a driver only starts its daemon on a node, says who is master, and
 * reports what the daemon itself measured.
 */
export type DaemonKind = 'vipd' | 'keepalived';
export const DAEMON_KINDS: readonly DaemonKind[] = ['vipd', 'keepalived'];

export interface DriverContext {
  readonly lab: Lab;
  /** Private temp dir for configs, keys, pid files and sockets. */
  readonly dir: string;
  readonly nodes: number;
  readonly intervalMs: number;
  /** The VIP the client probes (the group's last). */
  readonly vip: string;
  /** Every VIP of the group, in config order (vipd only; keepalived's scenario has one). */
  readonly vips: readonly string[];
  /** Groups on the pair (default 1); with more, group 1 holds `vips` and each other group one more VIP. */
  readonly groups?: number;
  /** The VIPs of groups 2..groups. */
  readonly extraGroupVips?: readonly string[];
}

/** What the new master itself says about a takeover (vipd's log); null fields when the daemon does not say. */
export interface TakeoverReport {
  readonly reason: string | null;
  readonly phases: FailoverPhases | null;
}

export interface DaemonDriver {
  readonly kind: DaemonKind;
  /** Starts the daemon on node i (again, after a crash) and resolves once it runs. */
  start(node: number): Promise<void>;
  /** One look from the logs: the master node when exactly one node is master and every other is backup; null otherwise (settle.ts decides when that holds). */
  settledMaster(): number | null;
  /** One look at every node (index i: node i + 1), with whom it believes is master when the daemon says. */
  observe(): Promise<NodeView[]>;
  /** Node i's role after its last logged change (null before the first): the log only, no call to the daemon. */
  loggedRole(node: number): string | null;
  /** Everything node i's daemon printed that is still buffered, for a failed trial's evidence. */
  output(node: number): { readonly stdout: string; readonly stderr: string };
  /** Pid of the daemon's main process on node i; null if never started. */
  rootPid(node: number): number | null;
  waitExited(node: number): Promise<ExitStatus>;
  /** A position in node i's log: takeoverReport only looks after it. */
  logMark(node: number): number;
  /** Once node i has finished taking over (after mark), its own account; null while not done. */
  takeoverReport(node: number, mark: number): TakeoverReport | null;
  /** Recent output of node i, for error messages. */
  tail(node: number): string;
}

export function scenarioNodes(lab: Lab, nodes: number): ScenarioNodeAddress[] {
  return Array.from({ length: nodes }, (_, k) => ({ id: lab.nodeName(k + 1), address: lab.nodeIp(k + 1) }));
}

export function lastLines(text: string, n: number): string {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-n)
    .join('\n');
}
