import type { PeerConfig } from '../config/types';

/** One VRRP-like group as the heartbeat layer sees it. */
export interface HeartbeatGroup {
  /** 1-255, carried in every packet. */
  readonly id: number;
  readonly name: string;
  readonly peers: readonly PeerConfig[];
  /** vipDigest(group's VIPs): sent in our adverts, compared with the peers'. */
  readonly vipDigest: Buffer;
}

export interface DatagramSource {
  readonly address: string;
  readonly port: number;
}
