import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { attempt, runProbe } from '../../../lab/netns/probe';
import { parseProbeRecords } from '../../../lab/netns/probe-analysis';
import { startService } from '../../../lab/netns/service';

describe('probe and service on loopback', () => {
  it('a new connection per attempt, answered with the node name; a closed port is an error record', async () => {
    const server = await startService('n7', '127.0.0.1', 0);
    try {
      const port = (server.address() as AddressInfo).port;
      const r = await attempt('127.0.0.1', port, 2000);
      expect(r).toMatchObject({ ok: true, node: 'n7', error: null });
      expect(r.t1).toBeGreaterThanOrEqual(r.t0);
      const out = new PassThrough();
      let text = '';
      out.on('data', (d: Buffer) => (text += d.toString()));
      const probe = runProbe({ target: '127.0.0.1', port, intervalMs: 5, timeoutMs: 1000, out });
      while (parseProbeRecords(text).length < 5) await new Promise((res) => setTimeout(res, 20));
      await probe.stop();
      expect(parseProbeRecords(text).every((x) => x.ok && x.node === 'n7')).toBe(true);
    } finally {
      server.close();
    }
    const closed = await startService('n8', '127.0.0.1', 0);
    const port = (closed.address() as AddressInfo).port;
    await new Promise((res) => closed.close(res));
    expect(await attempt('127.0.0.1', port, 2000)).toMatchObject({ ok: false, node: null, error: 'ECONNREFUSED' });
  });
});
