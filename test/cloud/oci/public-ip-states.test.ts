import type { VirtualNetworkClient } from 'oci-core';
import type { PublicIp } from 'oci-core/lib/model';
import { ensureReservedPublicIp } from '../../../src/cloud/oci/public-ip';
import type { CloudCallContext } from '../../../src/cloud/provider';
import { silentLogger } from '../../../src/util/logger';
import { rejection } from '../../support/rejection';

const PUB = 'ocid1.publicip.oc1.iad.aaaapub';
const MINE = 'ocid1.privateip.oc1.iad.mine';
const OTHER = 'ocid1.privateip.oc1.iad.other';
const ctx = (): CloudCallContext => ({ signal: new AbortController().signal, deadlineAt: Number.MAX_SAFE_INTEGER });

/**
 * The states OCI can answer that the lab cloud does not produce (a dropped
 * assignment, a race, an ephemeral or terminated public IP): a client that
 * answers a script of PublicIp bodies, one per call, and records the calls.
 */
function scripted(answers: Partial<PublicIp>[]): { client: VirtualNetworkClient; calls: string[] } {
  const calls: string[] = [];
  const next = async (op: string): Promise<{ publicIp: PublicIp }> => {
    calls.push(op);
    const a = answers.shift();
    if (a === undefined) throw new Error('script exhausted');
    return { publicIp: { id: PUB, ipAddress: '203.0.113.10', lifetime: 'RESERVED', ...a } as PublicIp };
  };
  const client = { getPublicIp: () => next('GetPublicIp'), updatePublicIp: () => next('UpdatePublicIp') } as unknown as VirtualNetworkClient;
  return { client, calls };
}

const run = (answers: Partial<PublicIp>[], known = false) => {
  const s = scripted(answers);
  const done = ensureReservedPublicIp(PUB, MINE, '10.0.1.42', known, ctx(), {
    client: s.client,
    call: { renewable: true },
    sleep: async () => undefined,
    pollMs: 1,
    log: silentLogger(),
  });
  return { done, calls: s.calls };
};

describe('ensureReservedPublicIp: what each public IP state means', () => {
  it('ASSIGNING on my private IP is polled until ASSIGNED', async () => {
    const r = run([
      { lifecycleState: 'ASSIGNING' as PublicIp['lifecycleState'], privateIpId: MINE },
      { lifecycleState: 'ASSIGNING' as PublicIp['lifecycleState'], privateIpId: MINE },
      { lifecycleState: 'ASSIGNED' as PublicIp['lifecycleState'], privateIpId: MINE },
    ]);
    await r.done;
    expect(r.calls).toEqual(['UpdatePublicIp', 'GetPublicIp', 'GetPublicIp']);
  });

  it('AVAILABLE after our update (OCI dropped it) is a transient error, so the retry sends it again', async () => {
    const r = run([
      { lifecycleState: 'ASSIGNING' as PublicIp['lifecycleState'], privateIpId: MINE },
      { lifecycleState: 'AVAILABLE' as PublicIp['lifecycleState'] },
    ]);
    expect(await rejection(r.done)).toMatchObject({ code: 'VIPD_E_CLOUD_UNAVAILABLE', transient: true, details: { lifecycleState: 'AVAILABLE' } });
  });

  it('on another private IP after our update: a transient conflict', async () => {
    const r = run([{ lifecycleState: 'ASSIGNED' as PublicIp['lifecycleState'], privateIpId: OTHER }]);
    expect(await rejection(r.done)).toMatchObject({ code: 'VIPD_E_CLOUD_CONFLICT', transient: true, details: { assignedTo: OTHER } });
  });

  it('an ephemeral or terminated public IP is a permanent VIPD_E_CLOUD_INVALID, not polled', async () => {
    const eph = run([{ lifetime: 'EPHEMERAL' as PublicIp['lifetime'], lifecycleState: 'ASSIGNED' as PublicIp['lifecycleState'], privateIpId: OTHER }], true);
    expect(await rejection(eph.done)).toMatchObject({ code: 'VIPD_E_CLOUD_INVALID', transient: false });
    expect(eph.calls).toEqual(['GetPublicIp']);
    const gone = run([{ lifecycleState: 'TERMINATED' as PublicIp['lifecycleState'] }]);
    expect(await rejection(gone.done)).toMatchObject({ code: 'VIPD_E_CLOUD_INVALID', transient: false });
  });

  it('known and already ASSIGNED here: one GetPublicIp, no update; known but elsewhere: updated', async () => {
    const here = run([{ lifecycleState: 'ASSIGNED' as PublicIp['lifecycleState'], privateIpId: MINE }], true);
    await here.done;
    expect(here.calls).toEqual(['GetPublicIp']);
    const away = run(
      [
        { lifecycleState: 'ASSIGNED' as PublicIp['lifecycleState'], privateIpId: OTHER },
        { lifecycleState: 'ASSIGNED' as PublicIp['lifecycleState'], privateIpId: MINE },
      ],
      true,
    );
    await away.done;
    expect(away.calls).toEqual(['GetPublicIp', 'UpdatePublicIp']);
  });
});
