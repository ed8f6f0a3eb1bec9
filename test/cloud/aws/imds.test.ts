import { ImdsClient } from '../../../src/cloud/aws/imds';
import { VipdError } from '../../../src/errors';
import { processClock, type MonotonicClock } from '../../../src/util/clock';
import { NODE1, NODE2, startLab, type RunningLab } from '../../lab/cloud/fixtures';
import { rejection } from '../../support/rejection';

class FakeClock implements MonotonicClock {
  constructor(public now = 1_000) {}
  nowMs(): number {
    return this.now;
  }
}

describe('ImdsClient (IMDSv2) against the lab metadata service', () => {
  let lab: RunningLab;
  beforeEach(async () => {
    lab = await startLab();
  });
  afterEach(async () => {
    await lab.stop();
  });

  const client = (opts: { clock?: MonotonicClock; source?: string; timeoutMs?: number } = {}): ImdsClient =>
    new ImdsClient({ baseUrl: lab.endpoints.imdsUrl, localAddress: opts.source ?? NODE1.source, clock: opts.clock ?? processClock, timeoutMs: opts.timeoutMs });
  const tokenPuts = (): number => lab.cloud.calls.imds().filter((c) => c.method === 'PUT').length;

  it('identifies the caller by source address and caches one token for many reads', async () => {
    const imds = client();
    expect(await imds.get('instance-id')).toBe(NODE1.id);
    expect(await imds.getLines('network/interfaces/macs/')).toEqual([`${NODE1.mac0}/`, `${NODE1.mac}/`]);
    expect(await imds.get('placement/region')).toBe('eu-west-1');
    expect(await client({ source: NODE2.source }).get('instance-id')).toBe(NODE2.id);
    expect(tokenPuts()).toBe(2); // one per client
    expect(lab.cloud.calls.imds().filter((c) => c.caller === NODE1.id && c.method === 'GET')).toHaveLength(3);
  });

  it('concurrent first reads share one token request', async () => {
    const imds = client();
    await Promise.all([imds.get('instance-id'), imds.get('instance-type'), imds.get('mac')]);
    expect(tokenPuts()).toBe(1);
  });

  it('renews the token on a 401 (the service forgot it) and succeeds', async () => {
    const imds = client();
    await imds.get('instance-id');
    expect(lab.cloud.expireMetadataTokens()).toBe(1);
    expect(await imds.get('instance-type')).toBe('t3.large');
    expect(tokenPuts()).toBe(2);
    expect(lab.cloud.calls.imds().map((c) => [c.method, c.status])).toEqual([
      ['PUT', 200],
      ['GET', 200],
      ['GET', 401],
      ['PUT', 200],
      ['GET', 200],
    ]);
  });

  it('renews the token before it expires (monotonic clock)', async () => {
    const clock = new FakeClock();
    const imds = new ImdsClient({ baseUrl: lab.endpoints.imdsUrl, localAddress: NODE1.source, clock, tokenTtlSeconds: 600 });
    await imds.get('instance-id');
    clock.now += 500_000; // well inside the TTL
    await imds.get('instance-id');
    expect(tokenPuts()).toBe(1);
    clock.now += 50_000; // 550 s: within the renewal margin of a 600 s token
    await imds.get('instance-id');
    expect(tokenPuts()).toBe(2);
    expect(
      lab.cloud.calls
        .imds()
        .filter((c) => c.method === 'PUT')
        .every((c) => c.status === 200),
    ).toBe(true);
  });

  it('a missing path is a permanent VIPD_E_METADATA; an unknown source is refused', async () => {
    const e = await rejection(client().get('no/such/path'));
    expect(e.code).toBe('VIPD_E_METADATA');
    expect(e.transient).toBe(false);
    expect(e.message).toContain('404');
    const stranger = await rejection(client({ source: '127.0.0.99' }).get('instance-id'));
    expect(stranger.code).toBe('VIPD_E_METADATA');
    expect(stranger.transient).toBe(false);
  });

  it.each(['refuse', 'reset', 'http500', 'hang'] as const)('a metadata outage (%s) is a transient VIPD_E_METADATA, never an empty answer', async (mode) => {
    const imds = client({ timeoutMs: 400 });
    await imds.get('instance-id');
    await lab.control.setOutage({ metadata: mode });
    const e = await rejection(imds.getLines(`network/interfaces/macs/${NODE1.mac}/local-ipv4s`));
    expect(e.code).toBe('VIPD_E_METADATA');
    expect(e.transient).toBe(true);
    await lab.control.setOutage({ metadata: null });
    expect(await imds.getLines(`network/interfaces/macs/${NODE1.mac}/local-ipv4s`)).toEqual([NODE1.primary]);
  });

  it('an http500 outage can hit one instance only; the others read on, and setting only the API outage keeps it narrow', async () => {
    const one = client({ timeoutMs: 400 });
    const two = client({ source: NODE2.source, timeoutMs: 400 });
    await one.get('instance-id');
    await two.get('instance-id');
    expect(await lab.control.setOutage({ metadata: 'http500', metadataInstances: [NODE2.id] })).toEqual({
      api: null,
      metadata: 'http500',
      metadataInstances: [NODE2.id],
    });
    expect(await one.get('instance-id')).toBe(NODE1.id);
    expect((await rejection(two.get('instance-id'))).code).toBe('VIPD_E_METADATA');
    await lab.control.setOutage({ api: 'http503' });
    expect((await lab.control.state()).outage).toEqual({ api: 'http503', metadata: 'http500', metadataInstances: [NODE2.id] });
    expect(await one.get('instance-id')).toBe(NODE1.id);
    await lab.control.setOutage({ api: null, metadata: null });
    expect(await two.get('instance-id')).toBe(NODE2.id);
    expect((await lab.control.state()).outage).toEqual({ api: null, metadata: null, metadataInstances: null });
  });

  it('refuses a per-instance metadata outage it cannot honour', async () => {
    await expect(lab.control.setOutage({ metadata: 'refuse', metadataInstances: [NODE1.id] })).rejects.toThrow(/metadataInstances needs metadata: http500/);
    await expect(lab.control.setOutage({ metadata: 'http500', metadataInstances: ['i-0fffffffffffffff'] })).rejects.toThrow(
      /instance i-0fffffffffffffff does not exist/,
    );
    await expect(lab.control.setOutage({ metadata: 'http500', metadataInstances: [] })).rejects.toThrow(/non-empty array/);
    expect((await lab.control.state()).outage).toEqual({ api: null, metadata: null, metadataInstances: null });
  });

  it("a read in flight ends when its caller's signal aborts, with the abort reason (a typed error), long before its own timeout", async () => {
    const imds = client({ timeoutMs: 10_000 });
    await imds.get('instance-id');
    await lab.control.setOutage({ metadata: 'hang' });
    const controller = new AbortController();
    const pending = rejection(imds.get('instance-type', controller.signal));
    await new Promise((r) => setTimeout(r, 100));
    controller.abort(new VipdError('VIPD_E_CANCELLED', 'no longer wanted'));
    const e = await pending;
    expect(e).toMatchObject({ code: 'VIPD_E_CANCELLED', message: 'no longer wanted' });
    await lab.control.setOutage({ metadata: null });
    // The client still works afterwards (the aborted socket is not reused).
    expect(await imds.get('instance-type')).toBe('t3.large');
  });

  it('refuses a non-http endpoint at construction', () => {
    expect(() => new ImdsClient({ baseUrl: 'https://169.254.169.254', clock: processClock })).toThrow(expect.objectContaining({ code: 'VIPD_E_CONFIG' }));
  });
});
