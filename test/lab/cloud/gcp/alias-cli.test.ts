import { moveLikeGcloud, parseAliasCliArgs, type AliasCliArgs } from '../../../../lab/cloud/gcp/alias-cli';
import type { GcpCloudSpec } from '../../../../lab/cloud/gcp/spec';
import type { RunningLab } from '../fixtures';
import { A, B, PROJECT, VIP, ZONE, startGcpLab } from './fixtures';

/** The keepalived baseline's gcloud stand-in against the gcp emulator: what the two commands of the recipe do. */
describe('gcp alias-cli (the gcloud stand-in of the keepalived baseline)', () => {
  let lab: RunningLab<GcpCloudSpec> | null = null;
  afterEach(async () => {
    await lab?.stop();
    lab = null;
  });

  it('parses its flags and names a missing one', () => {
    const argv = [
      '--endpoint',
      'http://e',
      '--metadata',
      'http://m',
      '--project',
      'p',
      '--zone',
      'z',
      '--peer',
      'a',
      '--self',
      'b',
      '--nic',
      'nic0',
      '--vip',
      '10.0.1.5',
    ];
    expect(parseAliasCliArgs(argv)).toEqual({
      endpoint: 'http://e',
      metadata: 'http://m',
      project: 'p',
      zone: 'z',
      peer: 'a',
      self: 'b',
      nic: 'nic0',
      vip: '10.0.1.5',
    });
    expect(() => parseAliasCliArgs(argv.slice(0, -2))).toThrow(/missing --vip/);
    expect(() => parseAliasCliArgs([...argv.slice(0, 2), '--metadata', '--project'])).toThrow(/missing --metadata/);
  });

  it("clears the peer's aliases, then sets the VIP as this VM's only alias, each update waited for, with the instance's metadata token", async () => {
    const started = await startGcpLab();
    lab = started;
    const model = started.cloud.flavour.model;
    const metadataToken = started.cloud.flavour.metadata.issueToken(B.name);
    const args: AliasCliArgs = {
      endpoint: started.endpoints.apiUrl,
      metadata: 'http://metadata.test',
      project: PROJECT,
      zone: ZONE,
      peer: A.name,
      self: B.name,
      nic: 'nic0',
      vip: VIP,
    };
    const seen: string[] = [];
    // The metadata server answers from the VM's own address, which a test process does not have: its answer is given here.
    const http = (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
      const url = String(input);
      seen.push(`${init?.method ?? 'GET'} ${url.replace(started.endpoints.apiUrl, '')}`);
      if (url.startsWith('http://metadata.test/'))
        return Promise.resolve(Response.json({ access_token: metadataToken, expires_in: 3599, token_type: 'Bearer' }));
      return fetch(input, init);
    };
    const fpA = model.nic(A.name, 'nic0').fingerprint;
    await moveLikeGcloud(args, http);
    expect(model.nic(B.name, 'nic0').aliasIpRanges.map((r) => r.ipCidrRange)).toEqual([`${VIP}/32`]);
    expect(model.nic(A.name, 'nic0').aliasIpRanges).toEqual([]);
    expect(model.nic(A.name, 'nic0').fingerprint).not.toBe(fpA);
    expect(seen.map((s) => s.replace(/operation-[\w-]+/, 'OP'))).toEqual([
      'GET http://metadata.test/computeMetadata/v1/instance/service-accounts/default/token',
      `GET /compute/v1/projects/${PROJECT}/zones/${ZONE}/instances/${A.name}`,
      `PATCH /compute/v1/projects/${PROJECT}/zones/${ZONE}/instances/${A.name}/updateNetworkInterface?networkInterface=nic0`,
      `POST /compute/v1/projects/${PROJECT}/zones/${ZONE}/operations/OP/wait`,
      `GET /compute/v1/projects/${PROJECT}/zones/${ZONE}/instances/${B.name}`,
      `PATCH /compute/v1/projects/${PROJECT}/zones/${ZONE}/instances/${B.name}/updateNetworkInterface?networkInterface=nic0`,
      `POST /compute/v1/projects/${PROJECT}/zones/${ZONE}/operations/OP/wait`,
    ]);
  });

  it('fails, naming the instance, when an update is refused (the notify script exits non-zero)', async () => {
    const started = await startGcpLab();
    lab = started;
    const token = started.cloud.flavour.metadata.issueToken(A.name);
    const http = (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> =>
      String(input).startsWith('http://metadata.test/') ? Promise.resolve(Response.json({ access_token: token })) : fetch(input, init);
    // B keeps the VIP (peer "vipd-a" is cleared, not B): setting it on A is refused as in use.
    const args: AliasCliArgs = {
      endpoint: started.endpoints.apiUrl,
      metadata: 'http://metadata.test',
      project: PROJECT,
      zone: ZONE,
      peer: A.name,
      self: A.name,
      nic: 'nic0',
      vip: VIP,
    };
    await expect(moveLikeGcloud(args, http)).rejects.toThrow(/vipd-a.*(HTTP 400|failed).*already in use/s);
  });
});
