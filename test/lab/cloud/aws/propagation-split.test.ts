import { AssignPrivateIpAddressesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { NODE1, NODE2, VIPS, adminClient, eventually, labSpec, startLab, type RunningLab } from '../fixtures';

/**
 * After a move, AWS updates the new holder's metadata, the old holder's
 * metadata and the traffic path asynchronously, each in its own time: the
 * lab delays each separately.
 */
describe('lab cloud: separate propagation delays for the winner, the loser and the traffic', () => {
  let lab: RunningLab;
  let ec2: EC2Client;
  beforeEach(async () => {
    lab = await startLab(labSpec());
    ec2 = adminClient(lab);
  });
  afterEach(async () => {
    ec2.destroy();
    await lab.stop();
  });

  const listedOn = (eniId: string): string[] => lab.cloud.dataplane.visibleOn(eniId);
  const trafficTo = (vip: string): string | undefined => (lab.fabric.last(vip)?.op === 'route' ? (lab.fabric.last(vip) as { via: string }).via : undefined);

  it('the winner lists the address first, traffic follows, the loser drops it last: for a while both list it', async () => {
    await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE1.eni, PrivateIpAddresses: [VIPS[0]] }));
    await eventually(() => listedOn(NODE1.eni).includes(VIPS[0]));
    await lab.control.setPropagationDelays({ winnerMetadataMs: 100, loserMetadataMs: 1_500, trafficMs: 700 });
    await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE2.eni, PrivateIpAddresses: [VIPS[0]], AllowReassignment: true }));
    await eventually(() => listedOn(NODE2.eni).includes(VIPS[0]));
    // The new holder sees it; the old one still lists it; traffic still goes to the old one.
    expect(listedOn(NODE1.eni)).toContain(VIPS[0]);
    expect(trafficTo(VIPS[0])).toBe(NODE1.primary);
    await eventually(() => trafficTo(VIPS[0]) === NODE2.primary);
    expect(listedOn(NODE1.eni)).toContain(VIPS[0]);
    await eventually(() => !listedOn(NODE1.eni).includes(VIPS[0]));
    expect(listedOn(NODE2.eni)).toEqual([VIPS[0]]);
  });

  it('a move back before the slow loser update lands is not undone by it', async () => {
    await lab.control.setPropagationDelays({ winnerMetadataMs: 0, loserMetadataMs: 800, trafficMs: 0 });
    await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE1.eni, PrivateIpAddresses: [VIPS[0]] }));
    await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE2.eni, PrivateIpAddresses: [VIPS[0]], AllowReassignment: true }));
    await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE1.eni, PrivateIpAddresses: [VIPS[0]], AllowReassignment: true }));
    expect(listedOn(NODE1.eni)).toEqual([VIPS[0]]);
    // n1's "drop" from the second move (issued before the move back) must not remove it now.
    await new Promise((r) => setTimeout(r, 1_200));
    expect(listedOn(NODE1.eni)).toEqual([VIPS[0]]);
    expect(listedOn(NODE2.eni)).toEqual([]);
  });

  it('refuses a delay out of range', async () => {
    await expect(lab.control.setPropagationDelays({ winnerMetadataMs: -1, loserMetadataMs: 0, trafficMs: 0 })).rejects.toThrow(/propagation delays/);
  });
});
