import { acquisitionKind, type AcquisitionKind } from '../../src/election/acquisition';

/** An acquire is a failover only when it takes the VIPs from a master this node heard. */
describe('acquisitionKind', () => {
  it.each<[Parameters<typeof acquisitionKind>[0], AcquisitionKind]>([
    [null, 'reassert'],
    [{ reason: 'master-down', previousMaster: null }, 'initial'],
    [{ reason: 'master-down', previousMaster: 'a' }, 'failover'],
    [{ reason: 'peer-resigned', previousMaster: 'a' }, 'failover'],
    [{ reason: 'preempting', previousMaster: 'a' }, 'failover'],
  ])('%j is %s', (claim, kind) => {
    expect(acquisitionKind(claim)).toBe(kind);
  });
});
