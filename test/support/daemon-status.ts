import { STATUS_SCHEMA_VERSION, type DaemonStatus } from '../../src/runtime/daemon';
import type { GroupStatus, PeerStatus } from '../../src/runtime/group-status';

/**
 * Status documents for the tests of what reads them (`vipd status`, the
 * doctor): complete and typed, so a test states only the fields it is about
 * and never casts a partial document into shape. The defaults describe a
 * healthy BACKUP of group web (id 1) that has heard nobody yet.
 */
export function peerStatus(id: string, over: Partial<Omit<PeerStatus, 'id'>> = {}): PeerStatus {
  return { id, live: false, role: null, lastRole: null, priority: null, lastHeardAt: null, lastHeard: null, silentForMs: null, ...over };
}

export type GroupStatusPatch = Partial<Omit<GroupStatus, 'election'>> & { readonly election?: Partial<GroupStatus['election']> };

export function groupStatus(over: GroupStatusPatch = {}): GroupStatus {
  const { election, ...rest } = over;
  return {
    name: 'web',
    id: 1,
    election: { role: 'BACKUP', basePriority: 100, effectivePriority: 100, master: null, peers: [], maintenance: false, lastMasterAdvertAt: null, ...election },
    settings: { interface: 'eth0', intervalMs: 1000, deadAfter: 3, preempt: true, preemptDelayMs: 0 },
    roleSince: '2026-12-07T04:00:05.000Z',
    lastTransition: null,
    vips: [],
    ownership: { wanted: 'inactive', applied: 'inactive', lastError: null },
    lastFailover: null,
    lastVerify: null,
    splitBrainSuspected: false,
    trackers: [],
    ...rest,
  };
}

export function daemonStatus(over: Partial<DaemonStatus> = {}): DaemonStatus {
  return {
    schemaVersion: STATUS_SCHEMA_VERSION,
    now: '2026-12-07T04:00:10.000Z',
    startedAt: '2026-12-07T04:00:05.000Z',
    nodeId: 'node-a',
    provider: 'none',
    startedAtMonotonicMs: 0,
    uptimeMs: 5000,
    lastStall: null,
    eventLoopLagMs: 0,
    maintenance: false,
    groups: [groupStatus()],
    ...over,
  };
}
