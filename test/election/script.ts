import { ElectionCore } from '../../src/election/core';
import type { ElectionOptions, ElectionOutput, Role } from '../../src/election/types';

/**
 * A tiny script language for table-driven tests of one core, in the style of
 * etcd-io/raft's interaction tests: a list of timed inputs, and the exact
 * outputs they produce rendered one per line as "<time> <what>".
 */
export type Input =
  | readonly ['start', number]
  | readonly ['tick', number]
  | readonly ['advert', number, string, number, Role?]
  | readonly ['resign-from', number, string]
  | readonly ['health', number, number, boolean]
  | readonly ['maintenance', number, boolean]
  | readonly ['resign', number]
  | readonly ['stop', number]
  | readonly ['stall', number, number]
  | readonly ['cloud', number, string | null]
  /** The host of this peer refused a probe (ICMP port unreachable). */
  | readonly ['refused', number, string]
  /** Taking or releasing the VIPs failed permanently (the owner-fault hold starts). */
  | readonly ['owner-failed', number]
  /** Forget the outputs so far: the rows's expectation starts after it. */
  | readonly ['mark'];

export const BASE: ElectionOptions = {
  nodeId: 'a',
  peers: ['b', 'c'],
  priority: 100,
  preempt: true,
  preemptDelayMs: 0,
  intervalMs: 1000,
  deadAfter: 3,
};

export function makeCore(overrides: Partial<ElectionOptions> = {}): ElectionCore {
  return new ElectionCore({ ...BASE, ...overrides });
}

export function render(at: number, out: ElectionOutput): string {
  switch (out.type) {
    case 'send':
      if (out.advert.kind === 'resign') return `${at} send resign role=${out.advert.role}${out.to === undefined ? '' : ` to=${out.to}`}`;
      return out.advert.role === 'MASTER' ? `${at} send advert p=${out.advert.priority}` : `${at} heartbeat ${out.advert.role} p=${out.advert.priority}`;
    case 'probe':
      return `${at} probe ${out.peer}`;
    case 'reassert':
      return `${out.at} reassert holder=${out.holder ?? 'nobody'}`;
    case 'transition':
      return `${out.at} ${out.from}->${out.to} ${out.reason}${out.peer === undefined ? '' : ` peer=${out.peer}`}`;
    case 'event': {
      const e = out.event;
      switch (e.kind) {
        case 'master-seen':
          return `${out.at} event master-seen ${e.peer} p=${e.priority}`;
        case 'lower-master-answered':
          return `${out.at} event lower-master-answered ${e.peer}`;
        case 'split-brain-suspected':
          return `${out.at} event split-brain-suspected ${e.holder}`;
        case 'split-brain-cleared':
          return `${out.at} event split-brain-cleared`;
        case 'refusal-contradicted':
          return `${out.at} event refusal-contradicted ${e.peer}`;
      }
    }
    // eslint-disable-next-line no-fallthrough -- every event kind returns above
    case 'announce':
      return `${out.at} announce ${out.reason}${out.peer === undefined ? '' : ` peer=${out.peer}`}${out.coalesced > 0 ? ` coalesced=${out.coalesced}` : ''}`;
  }
}

/**
 * Feeds the inputs to the core and returns the rendered outputs after the
 * last 'mark'. Informational adverts of BACKUP/FAULT nodes ("heartbeat ...")
 * are left out unless asked for, so each row shows only what it is about.
 */
export function run(core: ElectionCore, inputs: readonly Input[], opts: { heartbeats?: boolean } = {}): string[] {
  return runAll(core, inputs).filter((line) => opts.heartbeats === true || !line.includes(' heartbeat '));
}

function runAll(core: ElectionCore, inputs: readonly Input[]): string[] {
  let lines: string[] = [];
  for (const input of inputs) {
    let at = 0;
    switch (input[0]) {
      case 'start':
        at = input[1];
        core.start(at);
        break;
      case 'tick':
        at = input[1];
        core.tick(at);
        break;
      case 'advert':
        at = input[1];
        core.step({ kind: 'advert', from: input[2], priority: input[3], role: input[4] ?? 'MASTER', intervalMs: 1000 }, at);
        break;
      case 'resign-from':
        at = input[1];
        core.step({ kind: 'resign', from: input[2], priority: 0, role: 'BACKUP', intervalMs: 1000 }, at);
        break;
      case 'health':
        at = input[1];
        core.setHealth({ penalty: input[2], fault: input[3] }, at);
        break;
      case 'maintenance':
        at = input[1];
        core.setMaintenance(input[2], at);
        break;
      case 'resign':
        at = input[1];
        core.resign(at);
        break;
      case 'stop':
        at = input[1];
        core.stop(at);
        break;
      case 'stall':
        at = input[1];
        core.noteStall(at, input[2]);
        break;
      case 'cloud':
        at = input[1];
        core.observeCloudHolder(input[2], at);
        break;
      case 'refused':
        at = input[1];
        core.peerRefused(input[2], at);
        break;
      case 'owner-failed':
        at = input[1];
        core.ownerFailed(at);
        break;
      case 'mark':
        core.drain();
        lines = [];
        continue;
    }
    for (const out of core.drain()) lines.push(render(at, out));
  }
  return lines;
}
