import type { CloudOutcome } from '../metrics/cloud-outcome';

/**
 * Where an adapter reports each real API operation it sends (an EC2
 * action, an OCI or GCE REST call), not each provider method: one assign
 * may be several operations, and OCI makes one per VIP.
 */
export interface CloudRequestSink {
  /** `operation`: the cloud's own name for it (AssignPrivateIpAddresses, UpdatePrivateIp, ...). */
  cloudRequest(operation: string, outcome: CloudOutcome, seconds: number): void;
}
