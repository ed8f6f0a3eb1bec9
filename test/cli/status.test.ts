import { renderStatus } from '../../src/cli/status';
import type { DaemonStatus } from '../../src/runtime/daemon';

function status(trackers: unknown[], refusal?: unknown): DaemonStatus {
  return {
    nodeId: 'n1',
    provider: 'none',
    startedAtMonotonicMs: 0,
    uptimeMs: 5000,
    lastStall: null,
    eventLoopLagMs: 0,
    maintenance: false,
    groups: [
      {
        name: 'web',
        id: 1,
        election: { role: 'BACKUP', effectivePriority: 100, basePriority: 100, master: null, peers: [], refusal },
        vips: [],
        ownership: { wanted: 'inactive', applied: 'inactive', lastError: null },
        lastFailover: null,
        lastVerify: null,
        splitBrainSuspected: false,
        trackers,
      },
    ],
  } as unknown as DaemonStatus;
}

describe('vipd status rendering', () => {
  it('tells a tracker not probed yet from one that failed its probes', () => {
    const text = renderStatus(
      status([
        { name: 'nginx', type: 'http', up: false, weight: -50, lastError: null, lastCheckAt: null },
        { name: 'db', type: 'tcp', up: false, weight: -20, lastError: 'connect ECONNREFUSED', lastCheckAt: 1200 },
        { name: 'link', type: 'link', up: true, weight: 0, lastError: null, lastCheckAt: 1300 },
      ]),
    );
    expect(text).toContain('tracker nginx (http): DOWN (not probed yet: down until proven up) weight -50');
    expect(text).toContain('tracker db (tcp): DOWN weight -20 (connect ECONNREFUSED)');
    expect(text).toContain('tracker link (link): up weight 0');
  });

  it('shows refused probes: pending evidence and peers whose refusals are ignored', () => {
    const text = renderStatus(status([], { pending: { peer: 'n2', firstAt: 100, confirmed: true }, ignoredPeers: ['n3'] }));
    expect(text).toContain("refused probes: n2's host refused twice (confirmed");
    expect(text).toContain('refused probes: ignored from n3 (its adverts arrive while its host refuses: a firewall REJECT?)');
    expect(renderStatus(status([]))).not.toContain('refused probes');
  });
});
