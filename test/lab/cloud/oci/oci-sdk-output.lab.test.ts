import { ensureBuilt } from '../../../support/build';
import { describeLab } from '../../../support/lab-guard';
import { OciLabCluster } from './oci-lab-support';

/**
 * oci-common prints federation failures with console.log, on stdout, which
 * is vipd's NDJSON log. With provider oci the daemon routes the SDK's
 * console into its logger: the failure arrives as a JSON log line, and
 * stdout carries nothing else.
 */
jest.setTimeout(180_000);

const VIP = '10.0.1.100';

describeLab('the OCI SDK output of a real vipd', () => {
  let cluster: OciLabCluster;

  beforeAll(async () => {
    ensureBuilt();
    cluster = await OciLabCluster.create({ vips: [VIP], intervalMs: 200 });
  });

  afterAll(async () => cluster?.destroy());

  it('a failing federation is logged as JSON lines (component cloud, source oci-sdk); stdout has no other line, stderr none of the SDK', async () => {
    // Instance principals whose federation endpoint refuses connections: the SDK's X509 federation client retries and prints each failure.
    const dead = new URL(String(cluster.cloud.vipdProviderConfig(1).endpoint));
    dead.port = '9';
    const p = cluster.start(1, (config) => {
      const provider = config.provider as { oci: Record<string, unknown> };
      provider.oci.federationEndpoint = dead.origin;
    });
    const printed = await p.waitFor((l) => l.source === 'oci-sdk' && l.via === 'console.log', 60_000, 'the SDK federation failure as a log line');
    expect(printed).toMatchObject({ level: expect.anything(), component: 'cloud', provider: 'oci', msg: expect.any(String) });
    // The daemon's own account of the same failure, as a typed error (the token is fetched lazily, by the first API call).
    await p.waitFor((l) => l.code === 'VIPD_E_CLOUD_UNAVAILABLE' && JSON.stringify(l.err).includes('auth server'), 60_000, 'the typed federation error');
    await p.stop();
    expect(p.lines.filter((l) => l.unparsed === true).map((l) => l.msg)).toEqual([]);
    expect(p.stderr.filter((l) => /retr|exception|fetch failed|federation/i.test(l))).toEqual([]);
  });
});
