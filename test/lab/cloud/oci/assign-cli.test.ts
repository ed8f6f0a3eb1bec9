import * as common from 'oci-common';
import { VirtualNetworkClient } from 'oci-core';
import { assignLikeOciCli, parseAssignArgs } from '../../../../lab/cloud/oci/assign-cli';
import { NODE1, NODE2, VIPS, startOciLab, type RunningOciLab } from './fixtures';

/** The keepalived baseline's stand-in for the OCI CLI, against the lab's OCI API with each node's API key. */
describe('assign-cli (the OCI CLI stand-in of the keepalived baseline)', () => {
  let lab: RunningOciLab;
  beforeEach(async () => {
    lab = await startOciLab();
  });
  afterEach(async () => {
    await lab.stop();
  });

  function clientOf(configFile: string): VirtualNetworkClient {
    const client = new VirtualNetworkClient({ authenticationDetailsProvider: new common.ConfigFileAuthenticationDetailsProvider(configFile) });
    client.endpoint = lab.endpoints.apiUrl;
    return client;
  }

  it('creates the address when nobody has it, moves it with one UpdatePrivateIp when another VNIC has it, and does nothing when it is already here', async () => {
    const vip = VIPS[0];
    expect(await assignLikeOciCli(clientOf(lab.configFile.node1), NODE1.vnic, vip)).toEqual({ action: 'created' });
    lab.cloud.calls.clear();
    expect(await assignLikeOciCli(clientOf(lab.configFile.node2), NODE2.vnic, vip)).toEqual({ action: 'moved' });
    expect(lab.cloud.calls.ec2().map((c) => [c.action, c.caller, c.status])).toEqual([
      ['GetVnic', NODE2.user, 200],
      ['ListPrivateIps', NODE2.user, 200],
      ['UpdatePrivateIp', NODE2.user, 200],
    ]);
    expect(await assignLikeOciCli(clientOf(lab.configFile.node2), NODE2.vnic, vip)).toEqual({ action: 'already-here' });
  });

  it('a refused call fails the command (the notify script logs its exit status)', async () => {
    await expect(
      assignLikeOciCli(clientOf(lab.writeConfig('stranger', { ...lab.keys.node1, userId: 'ocid1.user.oc1..nobody' })), NODE2.vnic, VIPS[0]),
    ).rejects.toMatchObject({
      statusCode: 401,
    });
  });

  it('every flag is required', () => {
    expect(parseAssignArgs(['--config-file', 'f', '--endpoint', 'http://x', '--vnic-id', 'v', '--ip-address', '10.0.1.42'])).toEqual({
      configFile: 'f',
      endpoint: 'http://x',
      vnicId: 'v',
      ipAddress: '10.0.1.42',
    });
    expect(() => parseAssignArgs(['--config-file', 'f', '--endpoint', '--vnic-id', 'v'])).toThrow(/missing --endpoint/);
  });
});
