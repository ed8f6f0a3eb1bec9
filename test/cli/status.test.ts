import { humanDuration, renderStatus } from '../../src/cli/status';
import type { DaemonStatus } from '../../src/runtime/daemon';
import type { GroupStatus } from '../../src/runtime/group-status';
import { daemonStatus, groupStatus, type GroupStatusPatch } from '../support/daemon-status';

type Trackers = GroupStatus['trackers'];
type Refusal = GroupStatus['election']['refusal'];

function status(trackers: Trackers, refusal?: Refusal): DaemonStatus {
  return daemonStatus({ nodeId: 'n1', groups: [groupStatus({ trackers, election: refusal === undefined ? {} : { refusal } })] });
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

describe('humanDuration', () => {
  it.each([
    [850, '850 ms'],
    [12_340, '12.3 s'],
    [312_000, '5.2 min'],
    [3_600_000, '1.0 h'],
    [3 * 86_400_000, '3.0 d'],
  ])('%d ms -> %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe('vipd status rendering: peers and VIP views', () => {
  function withGroup(group: GroupStatusPatch): DaemonStatus {
    return daemonStatus({ nodeId: 'n1', groups: [groupStatus(group)] });
  }

  it('a peer never heard, a live one, a down one', () => {
    const text = renderStatus(
      withGroup({
        election: {
          role: 'BACKUP',
          effectivePriority: 100,
          basePriority: 100,
          master: null,
          peers: [
            { id: 'b', live: false, role: null, lastRole: null, priority: null, lastHeardAt: null, lastHeard: null, silentForMs: null },
            {
              id: 'c',
              live: true,
              role: 'BACKUP',
              lastRole: 'BACKUP',
              priority: 90,
              lastHeardAt: 4900,
              lastHeard: '2026-12-07T04:00:09.900Z',
              silentForMs: 100,
            },
            {
              id: 'd',
              live: false,
              role: null,
              lastRole: 'MASTER',
              priority: 150,
              lastHeardAt: 1000,
              lastHeard: '2026-12-07T03:00:09.000Z',
              silentForMs: 3_600_000,
            },
          ],
        },
      }),
    );
    expect(text).toContain('peer b: NEVER HEARD since this start');
    expect(text).toContain('peer c: BACKUP priority 90, last heard 100 ms ago');
    expect(text).toContain('peer d: DOWN, last heard 1.0 h ago (2026-12-07T03:00:09Z, then MASTER priority 150)');
  });

  it('a VIP view is current only when fresh; otherwise it is history with its age and role', () => {
    const view = {
      vips: [
        {
          address: '10.0.1.100',
          cloud: null,
          os: { address: '10.0.1.100', onInterface: true, prefix: 24, expectedPrefix: 24, addressOk: true, ruleOk: true, tableOk: true },
        },
      ],
    };
    const fresh = renderStatus(withGroup({ vips: ['10.0.1.100'], lastVerify: { ...view, at: 'x', ageMs: 300, fresh: true, takenAs: 'MASTER' } }));
    expect(fresh).toContain('vip 10.0.1.100: os on interface /24; cloud - (checked 300 ms ago)');
    const stale = renderStatus(withGroup({ vips: ['10.0.1.100'], lastVerify: { ...view, at: 'x', ageMs: 3_600_000, fresh: false, takenAs: 'MASTER' } }));
    expect(stale).toContain('vip 10.0.1.100: not checked since the last change; 1.0 h ago, as MASTER: os on interface /24; cloud -');
    expect(stale).not.toMatch(/vip 10\.0\.1\.100: os on interface/);
  });
});
