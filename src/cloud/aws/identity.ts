import { VipdError } from '../../errors';
import type { CloudIdentity } from '../provider';
import { formatIpv4Cidr, parseIpv4Cidr } from '../../util/ip';
import type { ImdsClient } from './imds';
import { normalizeMac, type MacOf } from './mac';

/**
 * Who this instance is and which ENI backs the configured interface. The
 * ENI is found by the interface's MAC, never by position: on a two-ENI
 * instance "the first one" is the wrong one half the time (F5 CFE #32).
 * Any metadata failure is an error: identity is never guessed.
 */
export async function readAwsIdentity(imds: ImdsClient, interfaceName: string, macOf: MacOf, configRegion: string | null): Promise<CloudIdentity> {
  const mac = await macOf(interfaceName);
  const macs = (await imds.getLines('network/interfaces/macs/')).map((line) => normalizeMac(line.replace(/\/$/, '')));
  if (macs.some((m) => m === null)) {
    throw new VipdError('VIPD_E_METADATA', 'instance metadata network/interfaces/macs/ holds something that is not a MAC address');
  }
  if (!macs.includes(mac)) {
    throw new VipdError(
      'VIPD_E_IDENTITY',
      `interface ${interfaceName} (MAC ${mac}) matches no network interface of this instance; metadata lists ${macs.join(', ') || 'none'}`,
      {
        details: { interfaceName, mac, metadataMacs: macs },
      },
    );
  }
  const base = `network/interfaces/macs/${mac}`;
  const [instanceId, region, availabilityZone, instanceType, eniId, cidrText, vpcId, subnetId, deviceNumber] = await Promise.all([
    imds.get('instance-id'),
    imds.get('placement/region'),
    imds.get('placement/availability-zone'),
    imds.get('instance-type'),
    imds.get(`${base}/interface-id`),
    imds.get(`${base}/subnet-ipv4-cidr-block`),
    imds.get(`${base}/vpc-id`),
    imds.get(`${base}/subnet-id`),
    imds.get(`${base}/device-number`),
  ]);
  expect(/^i-[0-9a-z]+$/.test(instanceId), 'instance-id', instanceId);
  expect(/^[a-z]{2}(-[a-z]+)+-[0-9]+$/.test(region), 'placement/region', region);
  expect(/^eni-[0-9a-z]+$/.test(eniId), `${base}/interface-id`, eniId);
  expect(/^vpc-[0-9a-z]+$/.test(vpcId), `${base}/vpc-id`, vpcId);
  const cidr = parseIpv4Cidr(cidrText);
  expect(cidr !== null, `${base}/subnet-ipv4-cidr-block`, cidrText);
  return {
    provider: 'aws',
    instanceId,
    nicId: eniId,
    mac,
    subnetCidr: formatIpv4Cidr(cidr!),
    region: configRegion ?? region,
    extra: { vpcId, subnetId, availabilityZone, instanceType, deviceNumber, interfaceName, metadataRegion: region },
  };
}

function expect(ok: boolean, path: string, value: string): void {
  if (!ok) {
    throw new VipdError('VIPD_E_METADATA', `instance metadata ${path} answered "${value.slice(0, 80)}", which is not a valid value`, { details: { path } });
  }
}
