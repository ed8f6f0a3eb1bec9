import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GceMetadataClient } from '../../../src/cloud/gcp/metadata';

/** A stand-in server: what answers on the metadata address decides what the client believes. */
function serve(
  handler: (headers: Record<string, string | string[] | undefined>) => { status: number; flavour: boolean; body: string },
): Promise<{ server: Server; url: string; seen: Record<string, string | string[] | undefined>[] }> {
  const seen: Record<string, string | string[] | undefined>[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    const a = handler(req.headers);
    res.writeHead(a.status, a.flavour ? { 'Metadata-Flavor': 'Google' } : {});
    res.end(a.body);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen })),
  );
}

describe('GceMetadataClient', () => {
  let server: Server | null = null;
  afterEach(() => new Promise<void>((r) => (server === null ? r() : server.close(() => r()))));

  it('sends Metadata-Flavor: Google and believes only answers that carry it back', async () => {
    const s = await serve(() => ({ status: 200, flavour: true, body: 'vipd-a' }));
    server = s.server;
    expect(await new GceMetadataClient({ baseUrl: s.url }).get('instance/name')).toBe('vipd-a');
    expect(s.seen[0]!['metadata-flavor']).toBe('Google');
    server.close();
    const liar = await serve(() => ({ status: 200, flavour: false, body: 'vipd-a' }));
    server = liar.server;
    await expect(new GceMetadataClient({ baseUrl: liar.url }).get('instance/name')).rejects.toMatchObject({
      code: 'VIPD_E_METADATA',
      transient: false,
      message: expect.stringContaining('Metadata-Flavor'),
    });
  });

  it('network interfaces: malformed entries are errors, never an empty list; 5xx is transient, 404 permanent', async () => {
    let answer = {
      status: 200,
      flavour: true,
      body: JSON.stringify([{ mac: '42:01:0A:00:01:0A', ip: '10.0.1.10', subnetmask: '255.255.255.0', ipAliases: ['10.0.1.42/32'] }]),
    };
    const s = await serve(() => answer);
    server = s.server;
    const client = new GceMetadataClient({ baseUrl: s.url });
    expect(await client.networkInterfaces()).toEqual([
      { mac: '42:01:0a:00:01:0a', ip: '10.0.1.10', subnetmask: '255.255.255.0', gateway: null, ipAliases: ['10.0.1.42/32'] },
    ]);
    answer = {
      status: 200,
      flavour: true,
      body: JSON.stringify([{ mac: '42:01:0a:00:01:0a', ip: '10.0.1.10', subnetmask: '255.255.255.0', ipAliases: '10.0.1.42' }]),
    };
    await expect(client.networkInterfaces()).rejects.toMatchObject({ code: 'VIPD_E_METADATA' });
    answer = { status: 200, flavour: true, body: '{not json' };
    await expect(client.networkInterfaces()).rejects.toMatchObject({ code: 'VIPD_E_METADATA' });
    answer = { status: 503, flavour: true, body: '' };
    await expect(client.networkInterfaces()).rejects.toMatchObject({ code: 'VIPD_E_METADATA', transient: true });
    answer = { status: 404, flavour: true, body: '' };
    await expect(client.token()).rejects.toMatchObject({ code: 'VIPD_E_METADATA', transient: false });
  });
});
