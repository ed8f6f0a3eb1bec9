import { moveLikeGcloud, parseAliasCliArgs, type AliasCliArgs } from '../../../../lab/cloud/gcp/alias-cli';
import type { GcpCloudSpec } from '../../../../lab/cloud/gcp/spec';
import type { RunningLab } from '../fixtures';
import { A, B, PROJECT, VIP, ZONE, startGcpLab } from './fixtures';

const METADATA = 'http://metadata.test';

function argsFor(lab: RunningLab<GcpCloudSpec>, peer: string, self: string): AliasCliArgs {
  return { endpoint: lab.endpoints.apiUrl, metadata: METADATA, project: PROJECT, zone: ZONE, peer, self, nic: 'nic0', vip: VIP };
}

/**
 * fetch, except that the metadata server's token answer is given here: it
 * identifies the VM by its source address, which a test process does not
 * have. `seen` records every request.
 */
function withMetadataToken(token: string, seen: (method: string, url: string) => void = () => undefined): typeof fetch {
  return (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    seen(init?.method ?? 'GET', url);
    return url.startsWith(`${METADATA}/`)
      ? Promise.resolve(Response.json({ access_token: token, expires_in: 3599, token_type: 'Bearer' }))
      : fetch(input, init);
  };
}

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
    const args = argsFor(started, A.name, B.name);
    const seen: string[] = [];
    const http = withMetadataToken(metadataToken, (method, url) => seen.push(`${method} ${url.replace(started.endpoints.apiUrl, '')}`));
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
    // B keeps the VIP (peer "vipd-a" is cleared, not B): setting it on A is refused as in use.
    await expect(moveLikeGcloud(argsFor(started, A.name, A.name), withMetadataToken(token))).rejects.toThrow(/vipd-a.*(HTTP 400|failed).*already in use/s);
  });
});
