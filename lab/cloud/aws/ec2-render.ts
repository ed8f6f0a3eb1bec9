import type { Ec2Model, Eip, Eni, Instance } from './ec2-model';
import { itemSet, leaf, node, type Xml } from './xml';

/**
 * EC2's XML shapes for the emulated resources (element names and nesting
 * as in the 2016-11-15 API), complete enough that the SDK and the CLI parse
 * every field a real answer would carry for these calls.
 */
const ATTACH_TIME = '2024-01-01T00:00:00.000Z';
const STATE_CODES: Record<Instance['state'], number> = { pending: 0, running: 16, stopping: 64, stopped: 80 };

export function dnsName(model: Ec2Model, address: string): string {
  return `ip-${address.replace(/\./g, '-')}.${model.region}.compute.internal`;
}

function eipAssociationXml(model: Ec2Model, eni: Eni, address: string): Xml {
  const eip = model.eips.find((e) => e.association?.eniId === eni.id && e.association.privateIp === address);
  if (eip === undefined || eip.association === null) return '';
  return node(
    'association',
    leaf('publicIp', eip.publicIp),
    leaf('publicDnsName', `ec2-${eip.publicIp.replace(/\./g, '-')}.${model.region}.compute.amazonaws.com`),
    leaf('ipOwnerId', model.accountId),
    leaf('allocationId', eip.allocationId),
    leaf('associationId', eip.association.associationId),
  );
}

function privateIpsXml(model: Ec2Model, eni: Eni): Xml {
  return itemSet(
    'privateIpAddressesSet',
    eni.ips.map(
      (ip) =>
        leaf('privateIpAddress', ip.address) +
        leaf('privateDnsName', dnsName(model, ip.address)) +
        leaf('primary', ip.primary) +
        eipAssociationXml(model, eni, ip.address),
    ),
  );
}

function primaryOf(eni: Eni): string {
  return eni.ips.find((i) => i.primary)!.address;
}

export function eniXml(model: Ec2Model, eni: Eni): Xml {
  const subnet = model.subnetOf(eni);
  const primary = primaryOf(eni);
  const attachment =
    eni.instanceId === null
      ? ''
      : node(
          'attachment',
          leaf('attachmentId', `eni-attach-${eni.id.slice(4)}`),
          leaf('instanceId', eni.instanceId),
          leaf('instanceOwnerId', model.accountId),
          leaf('deviceIndex', eni.deviceIndex),
          leaf('networkCardIndex', 0),
          leaf('status', 'attached'),
          leaf('attachTime', ATTACH_TIME),
          leaf('deleteOnTermination', eni.deviceIndex === 0),
        );
  return (
    leaf('networkInterfaceId', eni.id) +
    leaf('subnetId', eni.subnetId) +
    leaf('vpcId', subnet.vpcId) +
    leaf('availabilityZone', model.availabilityZone) +
    leaf('description', eni.description) +
    leaf('ownerId', model.accountId) +
    leaf('requesterManaged', false) +
    leaf('status', eni.instanceId === null ? 'available' : 'in-use') +
    leaf('macAddress', eni.mac) +
    leaf('privateIpAddress', primary) +
    leaf('privateDnsName', dnsName(model, primary)) +
    leaf('sourceDestCheck', eni.sourceDestCheck) +
    itemSet('groupSet', [leaf('groupId', 'sg-00000000000000001') + leaf('groupName', 'default')]) +
    attachment +
    eipAssociationXml(model, eni, primary) +
    node('tagSet') +
    privateIpsXml(model, eni) +
    node('ipv6AddressesSet') +
    leaf('interfaceType', 'interface')
  );
}

export function instanceXml(model: Ec2Model, inst: Instance): Xml {
  const enis = model.enis.filter((e) => e.instanceId === inst.id).sort((a, b) => a.deviceIndex - b.deviceIndex);
  const first = enis[0]!;
  const primary = primaryOf(first);
  const subnet = model.subnetOf(first);
  return (
    leaf('instanceId', inst.id) +
    leaf('imageId', 'ami-00000000000000001') +
    node('instanceState', leaf('code', STATE_CODES[inst.state]), leaf('name', inst.state)) +
    leaf('privateDnsName', dnsName(model, primary)) +
    leaf('dnsName', '') +
    leaf('amiLaunchIndex', 0) +
    leaf('instanceType', inst.type) +
    leaf('launchTime', ATTACH_TIME) +
    node('placement', leaf('availabilityZone', model.availabilityZone), leaf('tenancy', 'default')) +
    node('monitoring', leaf('state', 'disabled')) +
    leaf('subnetId', first.subnetId) +
    leaf('vpcId', subnet.vpcId) +
    leaf('privateIpAddress', primary) +
    leaf('sourceDestCheck', first.sourceDestCheck) +
    itemSet('groupSet', [leaf('groupId', 'sg-00000000000000001') + leaf('groupName', 'default')]) +
    leaf('architecture', 'x86_64') +
    leaf('rootDeviceType', 'ebs') +
    (inst.role === null
      ? ''
      : node('iamInstanceProfile', leaf('arn', `arn:aws:iam::${model.accountId}:instance-profile/${inst.role}`), leaf('id', 'AIPA0000000000000001'))) +
    itemSet(
      'networkInterfaceSet',
      enis.map(
        (eni) =>
          leaf('networkInterfaceId', eni.id) +
          leaf('subnetId', eni.subnetId) +
          leaf('vpcId', model.subnetOf(eni).vpcId) +
          leaf('description', eni.description) +
          leaf('ownerId', model.accountId) +
          leaf('status', 'in-use') +
          leaf('macAddress', eni.mac) +
          leaf('privateIpAddress', primaryOf(eni)) +
          leaf('privateDnsName', dnsName(model, primaryOf(eni))) +
          leaf('sourceDestCheck', eni.sourceDestCheck) +
          node(
            'attachment',
            leaf('attachmentId', `eni-attach-${eni.id.slice(4)}`),
            leaf('deviceIndex', eni.deviceIndex),
            leaf('networkCardIndex', 0),
            leaf('status', 'attached'),
            leaf('attachTime', ATTACH_TIME),
            leaf('deleteOnTermination', eni.deviceIndex === 0),
          ) +
          eipAssociationXml(model, eni, primaryOf(eni)) +
          privateIpsXml(model, eni) +
          leaf('interfaceType', 'interface'),
      ),
    ) +
    leaf('hypervisor', 'xen') +
    leaf('virtualizationType', 'hvm')
  );
}

export function reservationXml(model: Ec2Model, inst: Instance): Xml {
  return (
    leaf('reservationId', `r-${inst.id.slice(2)}`) + leaf('ownerId', model.accountId) + node('groupSet') + itemSet('instancesSet', [instanceXml(model, inst)])
  );
}

export function addressXml(model: Ec2Model, eip: Eip): Xml {
  const a = eip.association;
  return (
    leaf('publicIp', eip.publicIp) +
    leaf('allocationId', eip.allocationId) +
    leaf('domain', 'vpc') +
    (a === null
      ? ''
      : leaf('instanceId', model.eni(a.eniId).instanceId) +
        leaf('associationId', a.associationId) +
        leaf('networkInterfaceId', a.eniId) +
        leaf('networkInterfaceOwnerId', model.accountId) +
        leaf('privateIpAddress', a.privateIp)) +
    node('tagSet') +
    leaf('publicIpv4Pool', 'amazon') +
    leaf('networkBorderGroup', model.region)
  );
}
