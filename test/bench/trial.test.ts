import { type CloudCheck, trialProblems } from '../../bench/trial';
import type { FailoverResult } from '../../lab/scenario/scenario';

const result = (over: Partial<FailoverResult> = {}): FailoverResult => ({
  daemon: 'vipd',
  provider: 'aws',
  fault: 'hard',
  intervalMs: 100,
  oldMaster: 'n1',
  newMaster: 'n2',
  phaseDelayMs: 40,
  outageMs: 400,
  outage: {
    nodeBefore: 'n1',
    recoveredBy: 'n2',
    recoveredAtMs: 1400,
    outageMs: 400,
    errorsAfterFault: 30,
    attemptsAfterFault: 31,
    oldNodeAnswersAfterFault: 0,
  },
  takeover: { reason: 'master-down', phases: { detectionMs: 362, cloudMs: 30, osMs: 15, totalMs: 407 } },
  holders: { live: ['n2'], staleOnDeadNodes: ['n1'] },
  ...over,
});

const cloudOk: CloudCheck = { holder: 2, assigns: [{ node: 2, result: 'ok' }] };

describe('what makes a benchmark trial fail', () => {
  it('passes a clean failover: one live holder (the new master), the cloud routing to it after its own successful call', () => {
    expect(trialProblems(result(), 2, cloudOk)).toEqual([]);
    expect(trialProblems(result({ provider: 'none' }), 2, null)).toEqual([]);
  });

  it('fails a second live holder or none at all', () => {
    expect(trialProblems(result({ holders: { live: ['n1', 'n2'], staleOnDeadNodes: [] } }), 2, cloudOk)).toEqual(['live VIP holders: n1, n2 (expected n2)']);
    expect(trialProblems(result({ holders: { live: [], staleOnDeadNodes: ['n1'] } }), 2, null)).toEqual(['live VIP holders: none (expected n2)']);
  });

  it('fails a run whose traffic recovered while the cloud record is wrong or the new master never called', () => {
    expect(trialProblems(result(), 2, { holder: null, assigns: [{ node: 2, result: 'ok' }] })).toEqual(['the cloud routes the VIP to nobody, not to n2']);
    expect(trialProblems(result(), 2, { holder: 1, assigns: [{ node: 2, result: 'ok' }] })).toEqual(['the cloud routes the VIP to node 1, not to n2']);
    expect(trialProblems(result(), 2, { holder: 2, assigns: [{ node: 2, result: 'RequestLimitExceeded' }] })).toEqual([
      'no successful AssignPrivateIpAddresses by n2 after the fault',
    ]);
    expect(trialProblems(result(), 2, { holder: 2, assigns: [] })).toEqual(['no successful AssignPrivateIpAddresses by n2 after the fault']);
    // gcp: the move call that counts is the new master's add to its own NIC.
    expect(trialProblems(result(), 2, { holder: 2, assigns: [], operation: 'instances.updateNetworkInterface (add)' })).toEqual([
      'no successful instances.updateNetworkInterface (add) by n2 after the fault',
    ]);
  });

  it("fails keepalived when its notify script or keepalived itself reported a problem; vipd's reason is only why it took over", () => {
    const ka = result({ daemon: 'keepalived', takeover: { reason: "Unsafe permissions found for script '/x' - disabling.", phases: null } });
    expect(trialProblems(ka, 2, cloudOk)).toEqual(["Unsafe permissions found for script '/x' - disabling."]);
    expect(trialProblems(result({ daemon: 'keepalived', takeover: { reason: null, phases: null } }), 2, cloudOk)).toEqual([]);
  });
});
