import type { GceInstance } from './gce-model';

/** Compute's JSON shapes as the REST API answers them (the fields vipd and the SDK read, and their neighbours). */
export interface GceOperation {
  readonly id: string;
  readonly name: string;
  readonly instance: string;
  readonly nic: string;
  status: 'PENDING' | 'RUNNING' | 'DONE';
  error: { code: string; message: string } | null;
  readonly insertTime: string;
  endTime: string | null;
}

export function zoneUrl(project: string, zone: string): string {
  return `https://www.googleapis.com/compute/v1/projects/${project}/zones/${zone}`;
}

export function instanceJson(i: GceInstance, project: string, zone: string, subnetName: string): Record<string, unknown> {
  const region = zone.replace(/-[a-z]$/, '');
  return {
    kind: 'compute#instance',
    id: i.id,
    name: i.name,
    zone: zoneUrl(project, zone),
    status: i.status,
    selfLink: `${zoneUrl(project, zone)}/instances/${i.name}`,
    networkInterfaces: i.networkInterfaces.map((n) => ({
      kind: 'compute#networkInterface',
      name: n.name,
      network: `https://www.googleapis.com/compute/v1/projects/${project}/global/networks/default`,
      subnetwork: `https://www.googleapis.com/compute/v1/projects/${project}/regions/${region}/subnetworks/${subnetName}`,
      networkIP: n.networkIP,
      fingerprint: n.fingerprint,
      stackType: 'IPV4_ONLY',
      ...(n.aliasIpRanges.length > 0
        ? {
            aliasIpRanges: n.aliasIpRanges.map((r) => ({
              ipCidrRange: r.ipCidrRange,
              ...(r.subnetworkRangeName !== null ? { subnetworkRangeName: r.subnetworkRangeName } : {}),
            })),
          }
        : {}),
    })),
  };
}

export function operationJson(op: GceOperation, project: string, zone: string): Record<string, unknown> {
  return {
    kind: 'compute#operation',
    id: op.id,
    name: op.name,
    zone: zoneUrl(project, zone),
    operationType: 'updateNetworkInterface',
    targetLink: `${zoneUrl(project, zone)}/instances/${op.instance}`,
    status: op.status,
    progress: op.status === 'DONE' ? 100 : 0,
    insertTime: op.insertTime,
    startTime: op.insertTime,
    ...(op.endTime !== null ? { endTime: op.endTime } : {}),
    ...(op.error !== null
      ? { error: { errors: [{ code: op.error.code, message: op.error.message }] }, httpErrorStatusCode: 400, httpErrorMessage: 'BAD REQUEST' }
      : {}),
    selfLink: `${zoneUrl(project, zone)}/operations/${op.name}`,
  };
}

/** Google's JSON error body. */
export function googleError(status: number, reason: string, message: string): string {
  return JSON.stringify({ error: { code: status, message, errors: [{ message, domain: 'global', reason }] } });
}
