import type { CloudHolder } from '../../src/cloud/provider';
import type { VerifyReport } from '../../src/owner/types';
import { cloudView } from '../../src/runtime/cloud-view';

/** What one read of the cloud tells the election (docs/election.md, "Cloud arbitration"). */
const report = (...clouds: Array<CloudHolder | null>): VerifyReport => ({ vips: clouds.map((cloud, i) => ({ address: `10.0.1.${50 + i}`, cloud, os: null })) });
const other = (instanceId: string, nodeId: string | null): CloudHolder => ({ kind: 'other', instanceId, nodeId, primaryAddress: null });

describe('cloudView', () => {
  it('is null when no provider has a say (provider none): the election hears nothing', () => {
    expect(cloudView(report(null, null), 'b')).toBeNull();
  });

  it('names this node when the cloud shows every VIP here', () => {
    expect(cloudView(report({ kind: 'me' }, { kind: 'me' }), 'b')).toEqual({ holder: 'b', allHere: true });
  });

  it('names the other holder by node id, else by instance, even when some VIPs are here', () => {
    expect(cloudView(report({ kind: 'me' }, other('i-a', 'a')), 'b')).toEqual({ holder: 'a', allHere: false });
    expect(cloudView(report(other('i-a', null)), 'b')).toEqual({ holder: 'i-a', allHere: false });
  });

  it('names nobody when some VIPs are held by nobody and none by another node', () => {
    expect(cloudView(report({ kind: 'me' }, { kind: 'nobody' }), 'b')).toEqual({ holder: null, allHere: false });
  });
});
