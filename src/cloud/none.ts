import { VipdError } from '../errors';
import type { CloudHolder } from '../owner/types';
import type { CloudIdentity, CloudProvider, CloudVip } from './provider';

/**
 * Provider "none": plain L2, where the network has no record of who holds
 * an address and gratuitous ARP is what moves traffic. The cloud side of a
 * move is an identity: assign/unassign change nothing and confirm is true
 * by definition. There is no cloud view of holders, so `arbitrates` is
 * false and `holders` refuses to invent one (CloudMover answers null, which
 * the owner reports as VipView.cloud = null).
 */
export class NoneProvider implements CloudProvider {
  readonly name = 'none';
  readonly arbitrates = false;

  constructor(private readonly deps: { readonly interfaceName: string }) {}

  async identity(): Promise<CloudIdentity> {
    return {
      provider: 'none',
      instanceId: 'local',
      nicId: this.deps.interfaceName,
      mac: '',
      subnetCidr: '',
      region: null,
      extra: {},
    };
  }

  async assign(_vips: readonly CloudVip[]): Promise<void> {
    // Nothing to tell: on L2 the OS side (address + ARP) is the whole move.
  }

  async confirm(_vips: readonly CloudVip[]): Promise<boolean> {
    return true;
  }

  async holders(_vips: readonly CloudVip[]): Promise<ReadonlyMap<string, CloudHolder>> {
    // Reporting 'me' or 'nobody' here would be a guess dressed as an observation.
    throw new VipdError('VIPD_E_INTERNAL', 'provider none has no cloud view of VIP holders; check `arbitrates` (CloudMover.holders returns null)');
  }

  async unassign(_vips: readonly CloudVip[]): Promise<void> {
    // Nothing was assigned in any cloud.
  }

  async describe(): Promise<Readonly<Record<string, unknown>>> {
    return { provider: 'none', interface: this.deps.interfaceName, note: 'plain L2: the VIP moves by OS address + gratuitous ARP only' };
  }
}
