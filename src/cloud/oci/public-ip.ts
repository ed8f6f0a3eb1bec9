import type { PublicIp } from 'oci-core/lib/model';
import type { VirtualNetworkClient } from 'oci-core';
import { VipdError } from '../../errors';
import type { Logger } from '../../util/logger';
import { abortableSleep } from '../call-context';
import type { CloudCallContext } from '../provider';
import { ociCall, type OciCallDeps } from './client';

export interface ReservedPublicIpDeps {
  readonly client: VirtualNetworkClient;
  readonly call: OciCallDeps;
  readonly sleep: (ms: number) => Promise<void>;
  /** Time between two GetPublicIp while an assignment is ASSIGNING. */
  readonly pollMs: number;
  readonly log: Logger;
}

/** Where a reserved public IP stands relative to the private IP it should be on ('elsewhere': neither there nor on its way). */
type Standing = 'assigned' | 'pending' | 'elsewhere';

/**
 * Makes the reserved public IP `publicIpId` point at `privateIpId`: one
 * GetPublicIp when it may already be there (`known`), else (or when it is
 * not) one UpdatePublicIp, then GetPublicIp every pollMs until OCI reports
 * it ASSIGNED to that private IP. Only the context's deadline bounds the
 * wait: OCI assigns asynchronously and can drop an assignment silently,
 * leaving the public IP AVAILABLE; that is a transient error, so the
 * caller's retry runs this again (the private IP is then found on this
 * VNIC and the assignment re-sent).
 */
export async function ensureReservedPublicIp(
  publicIpId: string,
  privateIpId: string,
  address: string,
  known: boolean,
  ctx: CloudCallContext,
  deps: ReservedPublicIpDeps,
): Promise<void> {
  const get = async (): Promise<PublicIp> => (await ociCall('GetPublicIp', ctx, deps.call, () => deps.client.getPublicIp({ publicIpId }))).publicIp;
  let pub = known ? await get() : null;
  if (pub === null || standing(pub, publicIpId, privateIpId, address) === 'elsewhere') pub = await update(publicIpId, privateIpId, ctx, deps);
  for (;;) {
    const now = standing(pub, publicIpId, privateIpId, address);
    if (now === 'assigned') break;
    if (now === 'elsewhere') throw notAssigned(pub, publicIpId, privateIpId, address);
    await abortableSleep(deps.sleep, deps.pollMs, ctx);
    pub = await get();
  }
  deps.log.info({ vip: address, publicIp: pub.ipAddress ?? null, publicIpId, privateIpId }, 'reserved public IP assigned to the VIP');
}

async function update(publicIpId: string, privateIpId: string, ctx: CloudCallContext, deps: ReservedPublicIpDeps): Promise<PublicIp> {
  const out = await ociCall('UpdatePublicIp', ctx, deps.call, () => deps.client.updatePublicIp({ publicIpId, updatePublicIpDetails: { privateIpId } }));
  return out.publicIp;
}

function standing(pub: PublicIp, publicIpId: string, privateIpId: string, address: string): Standing {
  const state = String(pub.lifecycleState ?? 'missing');
  if (pub.lifetime !== undefined && String(pub.lifetime) !== 'RESERVED') {
    throw new VipdError(
      'VIPD_E_CLOUD_INVALID',
      `public IP ${publicIpId} (reservedPublicIpId of VIP ${address}) is ${String(pub.lifetime)}, not RESERVED; only a reserved public IP can follow a VIP`,
      {
        details: detailsOf(pub, publicIpId, privateIpId, address),
      },
    );
  }
  if (state === 'TERMINATING' || state === 'TERMINATED') {
    throw new VipdError('VIPD_E_CLOUD_INVALID', `public IP ${publicIpId} (reservedPublicIpId of VIP ${address}) is ${state}`, {
      details: detailsOf(pub, publicIpId, privateIpId, address),
    });
  }
  if (pub.privateIpId !== privateIpId) return 'elsewhere';
  if (state === 'ASSIGNED') return 'assigned';
  if (state === 'ASSIGNING' || state === 'PROVISIONING') return 'pending';
  return 'elsewhere';
}

/** After our UpdatePublicIp: on another private IP, a concurrent change won; AVAILABLE, OCI dropped it. Both heal by retrying. */
function notAssigned(pub: PublicIp, publicIpId: string, privateIpId: string, address: string): VipdError {
  const details = detailsOf(pub, publicIpId, privateIpId, address);
  const state = String(pub.lifecycleState ?? 'missing');
  if (typeof pub.privateIpId === 'string' && pub.privateIpId !== privateIpId) {
    return new VipdError(
      'VIPD_E_CLOUD_CONFLICT',
      `public IP ${publicIpId} is on private IP ${pub.privateIpId} (${state}), not on VIP ${address}'s ${privateIpId}: another change raced ours; retried`,
      { transient: true, details },
    );
  }
  if (state === 'AVAILABLE' || state === 'UNASSIGNED' || state === 'UNASSIGNING' || pub.privateIpId === undefined) {
    return new VipdError('VIPD_E_CLOUD_UNAVAILABLE', `OCI did not keep the assignment of public IP ${publicIpId} to VIP ${address} (it is ${state}); retried`, {
      transient: true,
      details,
    });
  }
  return new VipdError('VIPD_E_CLOUD_RESPONSE', `public IP ${publicIpId} answered lifecycleState ${state} for VIP ${address}`, { details });
}

function detailsOf(pub: PublicIp, publicIpId: string, privateIpId: string, address: string): Record<string, unknown> {
  return { vip: address, publicIpId, privateIpId, lifecycleState: String(pub.lifecycleState ?? 'missing'), assignedTo: pub.privateIpId ?? null };
}
