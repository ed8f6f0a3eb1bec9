import * as common from 'oci-common';
import { VirtualNetworkClient } from 'oci-core';

/**
 * The keepalived baseline's cloud call on OCI. The HA guides' notify script
 * runs `oci network vnic assign-private-ip --vnic-id V --ip-address X
 * --unassign-if-already-assigned`; the OCI CLI (Python) is not installable
 * here, so the benchmark runs this one-shot stand-in instead, on the same
 * oci-core SDK vipd uses, doing what the CLI's command does: read the
 * VNIC's subnet, look the address up in it, then move it here with one
 * UpdatePrivateIp (or create it when it does not exist). A fresh process
 * per failover with API-key auth and the SDK's defaults, as the CLI is; it
 * starts faster than the Python CLI would, so the baseline it gives is, if
 * anything, flattering to keepalived. Labelled as a stand-in wherever its
 * numbers appear.
 */
export interface AssignOutcome {
  readonly action: 'created' | 'moved' | 'already-here';
}

export async function assignLikeOciCli(client: VirtualNetworkClient, vnicId: string, ipAddress: string): Promise<AssignOutcome> {
  const { vnic } = await client.getVnic({ vnicId });
  const { items } = await client.listPrivateIps({ ipAddress, subnetId: vnic.subnetId });
  const existing = items.find((p) => p.ipAddress === ipAddress);
  if (existing === undefined) {
    await client.createPrivateIp({ createPrivateIpDetails: { vnicId, ipAddress } });
    return { action: 'created' };
  }
  if (existing.vnicId === vnicId) return { action: 'already-here' };
  await client.updatePrivateIp({ privateIpId: existing.id!, updatePrivateIpDetails: { vnicId } });
  return { action: 'moved' };
}

export function parseAssignArgs(argv: readonly string[]): { configFile: string; endpoint: string; vnicId: string; ipAddress: string } {
  const get = (flag: string): string => {
    const i = argv.indexOf(flag);
    const v = i >= 0 ? argv[i + 1] : undefined;
    if (v === undefined || v.startsWith('--'))
      throw new Error(`usage: assign-cli --config-file F --endpoint URL --vnic-id OCID --ip-address IP (missing ${flag})`);
    return v;
  };
  return { configFile: get('--config-file'), endpoint: get('--endpoint'), vnicId: get('--vnic-id'), ipAddress: get('--ip-address') };
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseAssignArgs(argv);
  const client = new VirtualNetworkClient({ authenticationDetailsProvider: new common.ConfigFileAuthenticationDetailsProvider(args.configFile) });
  client.endpoint = args.endpoint;
  const out = await assignLikeOciCli(client, args.vnicId, args.ipAddress);
  process.stdout.write(`${JSON.stringify(out)}\n`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`assign-cli: ${e instanceof Error ? e.message : JSON.stringify(e)}\n`);
      process.exit(1);
    },
  );
}
