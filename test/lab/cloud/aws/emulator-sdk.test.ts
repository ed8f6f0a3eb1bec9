import {
  AssignPrivateIpAddressesCommand,
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfaceAttributeCommand,
  DescribeNetworkInterfacesCommand,
  DisassociateAddressCommand,
  EC2Client,
  UnassignPrivateIpAddressesCommand,
  type EC2ServiceException,
} from '@aws-sdk/client-ec2';
import { EIP, NODE1, NODE2, SMALL, VIPS, adminClient, eventually, instanceClient, labSpec, startLab, type RunningLab } from '../fixtures';

/** The SDK's error for a call that must fail. */
async function failure(p: Promise<unknown>): Promise<EC2ServiceException> {
  try {
    await p;
  } catch (e) {
    return e as EC2ServiceException;
  }
  throw new Error('expected the call to fail');
}

function secondaries(lab: RunningLab, eniId: string): string[] {
  return lab.cloud.flavour.model
    .eni(eniId)
    .ips.filter((i) => !i.primary)
    .map((i) => i.address);
}

describe('lab cloud EC2 API with the real @aws-sdk/client-ec2', () => {
  let lab: RunningLab;
  let ec2: EC2Client;

  beforeEach(async () => {
    lab = await startLab();
    ec2 = adminClient(lab);
  });
  afterEach(async () => {
    ec2.destroy();
    await lab.stop();
  });

  it('AssignPrivateIpAddresses assigns several addresses in one call and echoes them', async () => {
    const out = await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE1.eni, PrivateIpAddresses: [...VIPS] }));
    expect(out.NetworkInterfaceId).toBe(NODE1.eni);
    expect(out.AssignedPrivateIpAddresses?.map((a) => a.PrivateIpAddress)).toEqual([...VIPS]);
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(secondaries(lab, NODE1.eni)).toEqual([...VIPS]);
    const calls = lab.cloud.calls.ec2();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ action: 'AssignPrivateIpAddresses', caller: 'admin', result: 'ok', status: 200 });
    expect(calls[0]!.params['PrivateIpAddress.3']).toBe(VIPS[2]);
    // The raw body as the SDK sent it (form-encoded Query protocol).
    expect(new URLSearchParams(calls[0]!.body).get('Action')).toBe('AssignPrivateIpAddresses');
    expect(new URLSearchParams(calls[0]!.body).get('PrivateIpAddress.3')).toBe(VIPS[2]);
  });

  it('SecondaryPrivateIpAddressCount picks free, non-reserved addresses of the subnet', async () => {
    const out = await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE2.eni, SecondaryPrivateIpAddressCount: 2 }));
    // .0-.3 are reserved by AWS; .10-.12 and .20 are primaries.
    expect(out.AssignedPrivateIpAddresses?.map((a) => a.PrivateIpAddress)).toEqual(['10.0.1.4', '10.0.1.5']);
  });

  it('reassignment: refused without AllowReassignment, moves the address with it', async () => {
    await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE2.eni, PrivateIpAddresses: [VIPS[0]] }));
    const refused = await failure(ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE1.eni, PrivateIpAddresses: [VIPS[0]] })));
    expect(refused.name).toBe('InvalidParameterValue');
    expect(refused.$metadata.httpStatusCode).toBe(400);
    expect(refused.message).toContain('in use');
    expect(secondaries(lab, NODE2.eni)).toEqual([VIPS[0]]);

    await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE1.eni, PrivateIpAddresses: [VIPS[0]], AllowReassignment: true }));
    expect(secondaries(lab, NODE2.eni)).toEqual([]);
    expect(secondaries(lab, NODE1.eni)).toEqual([VIPS[0]]);
  });

  it('assigning an address already on the same ENI is idempotent', async () => {
    await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE1.eni, PrivateIpAddresses: [VIPS[0]], AllowReassignment: true }));
    const again = await ec2.send(
      new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE1.eni, PrivateIpAddresses: [VIPS[0]], AllowReassignment: true }),
    );
    expect(again.AssignedPrivateIpAddresses?.map((a) => a.PrivateIpAddress)).toEqual([VIPS[0]]);
    expect(secondaries(lab, NODE1.eni)).toEqual([VIPS[0]]);
  });

  it.each([
    ['outside the subnet', '10.0.3.42', 'InvalidParameterValue', /does not fall within the subnet/],
    ['reserved by AWS', '10.0.1.1', 'InvalidParameterValue', /reserved/],
    ['another primary address', NODE2.primary, 'InvalidParameterValue', /primary/],
    ['not an address', '10.0.1.420', 'InvalidParameterValue', /Invalid value/],
  ])('refuses an address %s', async (_what, address, code, message) => {
    const e = await failure(
      ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE1.eni, PrivateIpAddresses: [address], AllowReassignment: true })),
    );
    expect(e.name).toBe(code);
    expect(e.message).toMatch(message);
    expect(e.$fault).toBe('client');
    expect(secondaries(lab, NODE1.eni)).toEqual([]);
  });

  it('enforces the per-ENI address limit of the instance type (t3.micro: 2 including the primary)', async () => {
    await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: SMALL.eni, PrivateIpAddresses: [VIPS[0]] }));
    const e = await failure(ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: SMALL.eni, PrivateIpAddresses: [VIPS[1]] })));
    expect(e.name).toBe('PrivateIpAddressLimitExceeded');
    expect(e.message).toContain('Number of private addresses will exceed limit');
    // All or nothing: a batch that does not fit assigns none of it.
    const batch = await failure(
      ec2.send(
        new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE2.eni, PrivateIpAddresses: Array.from({ length: 12 }, (_, i) => `10.0.1.${100 + i}`) }),
      ),
    );
    expect(batch.name).toBe('PrivateIpAddressLimitExceeded');
    expect(secondaries(lab, NODE2.eni)).toEqual([]);
  });

  it('unknown and malformed ENI ids have their own error codes', async () => {
    const missing = await failure(
      ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: 'eni-0ffffffffffffffff', PrivateIpAddresses: [VIPS[0]] })),
    );
    expect(missing.name).toBe('InvalidNetworkInterfaceID.NotFound');
    const malformed = await failure(ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['nope'] })));
    expect(malformed.name).toBe('InvalidNetworkInterfaceID.Malformed');
  });

  it('UnassignPrivateIpAddresses removes only secondaries that are on the ENI', async () => {
    await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE1.eni, PrivateIpAddresses: [VIPS[0], VIPS[1]] }));
    const out = await ec2.send(new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE1.eni, PrivateIpAddresses: [VIPS[0]] }));
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(secondaries(lab, NODE1.eni)).toEqual([VIPS[1]]);
    const notThere = await failure(ec2.send(new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE1.eni, PrivateIpAddresses: [VIPS[2]] })));
    expect(notThere.name).toBe('InvalidParameterValue');
    const primary = await failure(ec2.send(new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE1.eni, PrivateIpAddresses: [NODE1.primary] })));
    expect(primary.name).toBe('InvalidParameterValue');
    expect(secondaries(lab, NODE1.eni)).toEqual([VIPS[1]]);
  });

  it('DescribeNetworkInterfaces: full shape, filters by address (exact, .1 is not .10), id and instance', async () => {
    await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE1.eni, PrivateIpAddresses: [VIPS[0]] }));
    const byAddress = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'addresses.private-ip-address', Values: [VIPS[0]] }] }));
    expect(byAddress.NetworkInterfaces).toHaveLength(1);
    const eni = byAddress.NetworkInterfaces![0]!;
    expect(eni).toMatchObject({
      NetworkInterfaceId: NODE1.eni,
      SubnetId: 'subnet-0a000000000000001',
      VpcId: 'vpc-0a000000000000001',
      MacAddress: NODE1.mac,
      PrivateIpAddress: NODE1.primary,
      SourceDestCheck: false,
      Status: 'in-use',
      InterfaceType: 'interface',
      Attachment: { InstanceId: NODE1.id, DeviceIndex: 1, Status: 'attached' },
    });
    expect(eni.PrivateIpAddresses?.map((p) => [p.PrivateIpAddress, p.Primary])).toEqual([
      [NODE1.primary, true],
      [VIPS[0], false],
    ]);

    const prefixOnly = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'addresses.private-ip-address', Values: ['10.0.1.4'] }] }));
    expect(prefixOnly.NetworkInterfaces).toEqual([]);

    const byInstance = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [NODE1.id] }] }));
    expect(byInstance.NetworkInterfaces?.map((n) => n.NetworkInterfaceId).sort()).toEqual([NODE1.eni0, NODE1.eni].sort());
    const byId = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [NODE2.eni] }));
    expect(byId.NetworkInterfaces?.map((n) => n.NetworkInterfaceId)).toEqual([NODE2.eni]);
    const byIdFilter = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'network-interface-id', Values: [NODE2.eni] }] }));
    expect(byIdFilter.NetworkInterfaces?.map((n) => n.NetworkInterfaceId)).toEqual([NODE2.eni]);

    const badFilter = await failure(ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'no-such-filter', Values: ['x'] }] })));
    expect(badFilter.name).toBe('InvalidParameterValue');
  });

  it('DescribeNetworkInterfaces pages with MaxResults / NextToken', async () => {
    const first = await ec2.send(new DescribeNetworkInterfacesCommand({ MaxResults: 5 }));
    expect(first.NetworkInterfaces).toHaveLength(4);
    expect(first.NextToken).toBeUndefined();
    lab.cloud.setDescribePageSize(3);
    const page1 = await ec2.send(new DescribeNetworkInterfacesCommand({}));
    expect(page1.NetworkInterfaces).toHaveLength(3);
    expect(typeof page1.NextToken).toBe('string');
    const page2 = await ec2.send(new DescribeNetworkInterfacesCommand({ NextToken: page1.NextToken }));
    expect(page2.NetworkInterfaces).toHaveLength(1);
    expect(page2.NextToken).toBeUndefined();
  });

  it('DescribeInstances reports type, state and interfaces; the state follows the control endpoint', async () => {
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [NODE1.id] }));
    const inst = out.Reservations?.[0]?.Instances?.[0];
    expect(inst).toMatchObject({ InstanceId: NODE1.id, InstanceType: 't3.large', State: { Code: 16, Name: 'running' }, PrivateIpAddress: '10.0.2.10' });
    expect(inst?.NetworkInterfaces?.map((n) => [n.NetworkInterfaceId, n.Attachment?.DeviceIndex])).toEqual([
      [NODE1.eni0, 0],
      [NODE1.eni, 1],
    ]);
    expect(inst?.IamInstanceProfile?.Arn).toContain('instance-profile/vipd-node');
    await lab.control.setInstanceState(NODE2.id, 'stopped');
    const stopped = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['stopped'] }] }));
    expect(stopped.Reservations?.flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId)).toEqual([NODE2.id]);
  });

  it('DescribeNetworkInterfaceAttribute sourceDestCheck', async () => {
    const a = await ec2.send(new DescribeNetworkInterfaceAttributeCommand({ NetworkInterfaceId: NODE1.eni, Attribute: 'sourceDestCheck' }));
    expect(a.NetworkInterfaceId).toBe(NODE1.eni);
    expect(a.SourceDestCheck?.Value).toBe(false);
    const b = await ec2.send(new DescribeNetworkInterfaceAttributeCommand({ NetworkInterfaceId: NODE2.eni, Attribute: 'sourceDestCheck' }));
    expect(b.SourceDestCheck?.Value).toBe(true);
  });

  it('Elastic IP: associate, reassociation rules, follows a reassigned address, describe and disassociate', async () => {
    await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE2.eni, PrivateIpAddresses: [VIPS[0]] }));
    const assoc = await ec2.send(new AssociateAddressCommand({ AllocationId: EIP.allocationId, NetworkInterfaceId: NODE2.eni, PrivateIpAddress: VIPS[0] }));
    expect(assoc.AssociationId).toMatch(/^eipassoc-/);

    const taken = await failure(
      ec2.send(new AssociateAddressCommand({ AllocationId: EIP.allocationId, NetworkInterfaceId: NODE1.eni, PrivateIpAddress: NODE1.primary })),
    );
    expect(taken.name).toBe('Resource.AlreadyAssociated');

    // The move: the EIP rides along with the private address.
    await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE1.eni, PrivateIpAddresses: [VIPS[0]], AllowReassignment: true }));
    const described = await ec2.send(new DescribeAddressesCommand({ AllocationIds: [EIP.allocationId] }));
    expect(described.Addresses).toHaveLength(1);
    expect(described.Addresses![0]).toMatchObject({
      AllocationId: EIP.allocationId,
      PublicIp: EIP.publicIp,
      Domain: 'vpc',
      NetworkInterfaceId: NODE1.eni,
      InstanceId: NODE1.id,
      PrivateIpAddress: VIPS[0],
      AssociationId: assoc.AssociationId,
    });
    const eni = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [NODE1.eni] }));
    const vipEntry = eni.NetworkInterfaces![0]!.PrivateIpAddresses!.find((p) => p.PrivateIpAddress === VIPS[0]);
    expect(vipEntry?.Association?.PublicIp).toBe(EIP.publicIp);

    const byFilter = await ec2.send(new DescribeAddressesCommand({ Filters: [{ Name: 'network-interface-id', Values: [NODE2.eni] }] }));
    expect(byFilter.Addresses).toEqual([]);

    await ec2.send(new DisassociateAddressCommand({ AssociationId: assoc.AssociationId }));
    const after = await ec2.send(new DescribeAddressesCommand({ PublicIps: [EIP.publicIp] }));
    expect(after.Addresses![0]!.AssociationId).toBeUndefined();
    const gone = await failure(ec2.send(new DisassociateAddressCommand({ AssociationId: assoc.AssociationId })));
    expect(gone.name).toBe('InvalidAssociationID.NotFound');
    const unknown = await failure(ec2.send(new DescribeAddressesCommand({ AllocationIds: ['eipalloc-0ffffffffffffffff'] })));
    expect(unknown.name).toBe('InvalidAllocationID.NotFound');
  });

  it('unassigning an address disassociates its Elastic IP', async () => {
    await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE1.eni, PrivateIpAddresses: [VIPS[0]] }));
    await ec2.send(new AssociateAddressCommand({ AllocationId: EIP.allocationId, NetworkInterfaceId: NODE1.eni, PrivateIpAddress: VIPS[0] }));
    await ec2.send(new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE1.eni, PrivateIpAddresses: [VIPS[0]] }));
    const out = await ec2.send(new DescribeAddressesCommand({ AllocationIds: [EIP.allocationId] }));
    expect(out.Addresses![0]!.NetworkInterfaceId).toBeUndefined();
  });

  it('answers InvalidAction for an action it does not know, in the documented error format', async () => {
    const res = await fetch(lab.endpoints.apiUrl, { method: 'POST', body: 'Action=RunInstances&Version=2016-11-15' });
    // Unsigned: authentication is checked before the action.
    expect(res.status).toBe(401);
    expect(await res.text()).toMatch(
      /<Response><Errors><Error><Code>MissingAuthenticationToken<\/Code><Message>.+<\/Message><\/Error><\/Errors><RequestID>[0-9a-f-]{36}<\/RequestID><\/Response>/,
    );

    // Signed, through the SDK's generic command machinery: an action the emulator lacks.
    const { CreateTagsCommand } = await import('@aws-sdk/client-ec2');
    const e = await failure(ec2.send(new CreateTagsCommand({ Resources: [NODE1.eni], Tags: [{ Key: 'a', Value: 'b' }] })));
    expect(e.name).toBe('InvalidAction');
    expect(e.$metadata.httpStatusCode).toBe(400);
  });

  it('role credentials identify the calling instance; allowedActions is enforced as UnauthorizedOperation', async () => {
    await lab.stop();
    lab = await startLab(
      labSpec((s) => {
        (s.instances as Record<string, unknown>[])[1]!.allowedActions = ['DescribeNetworkInterfaces'];
      }),
    );
    const node2 = instanceClient(lab, NODE2.id);
    try {
      await node2.send(new DescribeNetworkInterfacesCommand({}));
      const e = await failure(node2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE2.eni, PrivateIpAddresses: [VIPS[0]] })));
      expect(e.name).toBe('UnauthorizedOperation');
      expect(e.$metadata.httpStatusCode).toBe(403);
      expect(lab.cloud.calls.ec2().map((c) => [c.action, c.caller, c.result])).toEqual([
        ['DescribeNetworkInterfaces', NODE2.id, 'ok'],
        ['AssignPrivateIpAddresses', NODE2.id, 'UnauthorizedOperation'],
      ]);
    } finally {
      node2.destroy();
    }
  });

  it('the VIPs of one assign reach the fabric together (one batch), as one remap on the SDN', async () => {
    lab.fabric.batches.length = 0;
    await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE2.eni, PrivateIpAddresses: [...VIPS], AllowReassignment: true }));
    await lab.cloud.dataplane.settled();
    expect(lab.fabric.batches).toEqual([[...VIPS]]);
    await ec2.send(new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE2.eni, PrivateIpAddresses: [...VIPS] }));
    await lab.cloud.dataplane.settled();
  });

  it('traffic follows the cloud: the fabric routes to the holder after the propagation delay, blackholes when nobody holds it', async () => {
    // At start every VIP is held by nobody: blackholed.
    expect(VIPS.map((v) => lab.fabric.last(v))).toEqual(VIPS.map((vip) => ({ op: 'blackhole', vip })));
    lab.cloud.setPropagationDelay(300);
    await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE2.eni, PrivateIpAddresses: [VIPS[0]] }));
    // The API has answered; the data plane has not moved yet.
    expect(lab.cloud.dataplane.holderOf(VIPS[0])).toBeNull();
    expect(lab.fabric.last(VIPS[0])).toEqual({ op: 'blackhole', vip: VIPS[0] });
    await eventually(() => lab.fabric.last(VIPS[0])?.op === 'route');
    expect(lab.fabric.last(VIPS[0])).toEqual({ op: 'route', vip: VIPS[0], via: NODE2.primary });

    await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE1.eni, PrivateIpAddresses: [VIPS[0]], AllowReassignment: true }));
    await eventually(() => lab.fabric.last(VIPS[0])?.op === 'route' && (lab.fabric.last(VIPS[0]) as { via: string }).via === NODE1.primary);
    await ec2.send(new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE1.eni, PrivateIpAddresses: [VIPS[0]] }));
    await eventually(() => lab.fabric.last(VIPS[0])?.op === 'blackhole');
    const events = (await lab.control.state()).fabric as { vip: string; action: string; via: string | null; error: string | null }[];
    expect(events.filter((e) => e.vip === VIPS[0]).map((e) => [e.action, e.via, e.error])).toEqual([
      ['blackhole', null, null],
      ['route', NODE2.primary, null],
      ['route', NODE1.primary, null],
      ['blackhole', null, null],
    ]);
  });
});
