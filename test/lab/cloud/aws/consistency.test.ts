import {
  AssignPrivateIpAddressesCommand,
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DescribeNetworkInterfacesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { EIP, NODE1, NODE2, VIPS, adminClient, eventually, startLab, type RunningLab } from '../fixtures';

/** EC2 is eventually consistent: Describe* may show the state of a while ago after a change. */
describe('lab cloud: a read lag between a change and what Describe shows', () => {
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

  const holderSeen = async (vip: string): Promise<string | null> => {
    const out = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'addresses.private-ip-address', Values: [vip] }] }));
    return out.NetworkInterfaces?.[0]?.NetworkInterfaceId ?? null;
  };
  const eipSeenOn = async (): Promise<string | null> => {
    const out = await ec2.send(new DescribeAddressesCommand({ AllocationIds: [EIP.allocationId] }));
    return out.Addresses?.[0]?.NetworkInterfaceId ?? null;
  };

  it('DescribeNetworkInterfaces and DescribeAddresses show the old holder for the lag, the new one after it; the change itself is immediate', async () => {
    await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE1.eni, PrivateIpAddresses: [VIPS[0]] }));
    await ec2.send(new AssociateAddressCommand({ AllocationId: EIP.allocationId, NetworkInterfaceId: NODE1.eni, PrivateIpAddress: VIPS[0] }));
    await lab.control.setReadLag(800);
    await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE2.eni, PrivateIpAddresses: [VIPS[0]], AllowReassignment: true }));
    // The control plane moved it at once (the write is not lagged) ...
    expect(lab.cloud.flavour.model.holderOf(VIPS[0])?.id).toBe(NODE2.eni);
    // ... while reads still show the state before the change.
    expect(await holderSeen(VIPS[0])).toBe(NODE1.eni);
    expect(await eipSeenOn()).toBe(NODE1.eni);
    await eventually(async () => (await holderSeen(VIPS[0])) === NODE2.eni, 5_000);
    expect(await eipSeenOn()).toBe(NODE2.eni);

    await lab.control.setReadLag(0);
    await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: NODE1.eni, PrivateIpAddresses: [VIPS[0]], AllowReassignment: true }));
    expect(await holderSeen(VIPS[0])).toBe(NODE1.eni);
  });

  it('refuses a lag that is not a whole number of ms in range', async () => {
    await expect(lab.control.setReadLag(-1)).rejects.toThrow(/read lag/);
  });
});
