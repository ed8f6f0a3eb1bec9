import { createSocket } from 'node:dgram';
import type { VipdConfig } from '../../src/config/types';
import { checkPeerRefusals, type RefusalProbe } from '../../src/doctor/refusal-checks';
import { probeForRefusal } from '../../src/heartbeat/prober';
import type { DaemonStatus } from '../../src/runtime/daemon';
import { silentLogger } from '../../src/util/logger';
import { daemonStatus, groupStatus, peerStatus } from '../support/daemon-status';
import { group0, type Doc } from '../config/helpers';
import { testConfig } from '../support/config';

const PORT = 9476;

function config(claimOnRefusal = true): VipdConfig {
  return testConfig((doc) => {
    doc.heartbeat = { ...(doc.heartbeat as Doc), port: PORT };
    Object.assign(group0(doc), { vips: ['10.0.1.100'], claimOnRefusal, peers: [{ id: 'n2', address: '10.0.1.12' }] });
  });
}

function daemon(lastHeardAt: number | null): DaemonStatus {
  const peer = peerStatus('n2', { live: lastHeardAt !== null, lastHeardAt, priority: 100, role: 'BACKUP', lastRole: 'BACKUP' });
  return daemonStatus({
    nodeId: 'n1',
    uptimeMs: 10_000,
    groups: [groupStatus({ election: { role: 'MASTER', basePriority: 200, effectivePriority: 200, master: 'n1', peers: [peer] } })],
  });
}

function recordingProbe(answer: boolean): { probe: RefusalProbe; calls: Array<[string, number]> } {
  const calls: Array<[string, number]> = [];
  return { calls, probe: (address, port) => (calls.push([address, port]), Promise.resolve(answer)) };
}

describe('doctor: probe refusals', () => {
  it('a peer not heard is probed on its heartbeat port; a refusal passes', async () => {
    const p = recordingProbe(true);
    const [r] = await checkPeerRefusals({ config: config(), daemon: daemon(null) }, p.probe);
    expect(p.calls).toEqual([['10.0.1.12', PORT]]);
    expect(r).toMatchObject({ check: 'probe refusals from n2', status: 'pass', fix: null });
    expect(r?.detail).toMatch(/peer-refused/);
  });

  it('a live peer is probed on the next port (its vipd holds the heartbeat port); no refusal warns with the fix', async () => {
    const p = recordingProbe(false);
    const [r] = await checkPeerRefusals({ config: config(), daemon: daemon(9_900) }, p.probe);
    expect(p.calls).toEqual([['10.0.1.12', PORT + 1]]);
    expect(r?.status).toBe('warn');
    expect(r?.detail).toMatch(/down timer only/);
    expect(r?.fix).toMatch(/claimOnRefusal: false in web/);
  });

  it('skips, probing nothing, when claimOnRefusal is off everywhere', async () => {
    const p = recordingProbe(true);
    const [r] = await checkPeerRefusals({ config: config(false), daemon: null }, p.probe);
    expect(p.calls).toEqual([]);
    expect(r?.status).toBe('skip');
  });
});

describe('probeForRefusal (real sockets on loopback)', () => {
  it('true for a closed port, false for a listening one', async () => {
    const open = createSocket('udp4');
    await new Promise<void>((resolve) => open.bind({ address: '127.0.0.1', port: 0 }, () => resolve()));
    const closed = createSocket('udp4');
    await new Promise<void>((resolve) => closed.bind({ address: '127.0.0.1', port: 0 }, () => resolve()));
    const closedPort = closed.address().port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    try {
      const opts = { bindAddress: '127.0.0.1', logger: silentLogger() };
      expect(await probeForRefusal(opts, '127.0.0.1', closedPort, 5000)).toBe(true);
      expect(await probeForRefusal(opts, '127.0.0.1', open.address().port, 300)).toBe(false);
    } finally {
      await new Promise<void>((resolve) => open.close(() => resolve()));
    }
  });
});
