import type { PeerAdvert } from '../../src/election/types';
import { HeartbeatIntake } from '../../src/runtime/heartbeat-intake';
import { noMetrics } from '../../src/runtime/ports';
import type { Logger } from '../../src/util/logger';
import { testGroup } from '../support/config';

/** What the heartbeat brings a group is counted and said before the core judges it. */
const GROUP = testGroup((g) => void (g.peers = [{ id: 'a', address: '10.0.1.12' }]));

function setup() {
  const lines: { level: string; msg: string }[] = [];
  const at =
    (level: string) =>
    (a: object | string, b?: string): void => {
      lines.push({ level, msg: typeof a === 'string' ? a : (b ?? '') });
    };
  const log: Logger = { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), fatal: at('fatal'), child: () => log };
  const counted: string[] = [];
  const intake = new HeartbeatIntake({
    log,
    wallSeconds: () => 1_700_000_000,
    metrics: {
      ...noMetrics,
      advertReceived: (g) => counted.push(`advert ${g}`),
      peerSeen: (g, peer, t) => counted.push(`seen ${g} ${peer} ${t}`),
      peerRefused: (g, peer) => counted.push(`refused ${g} ${peer}`),
    },
  });
  return { lines, counted, intake };
}

const advert = (intervalMs: number): PeerAdvert => ({ kind: 'advert', from: 'a', priority: 200, role: 'MASTER', intervalMs });

describe('HeartbeatIntake: adverts', () => {
  it('counts each advert and when its peer was last seen', () => {
    const { counted, intake } = setup();
    intake.advert(GROUP, advert(1000));
    expect(counted).toEqual(['advert web', 'seen web a 1700000000']);
  });

  it('warns once per peer advertising another interval, and once more when it matches again', () => {
    const { lines, intake } = setup();
    const mismatch = () => lines.filter((l) => l.msg.includes('advertises every')).map((l) => `${l.level}: ${l.msg}`);
    intake.advert(GROUP, advert(100));
    intake.advert(GROUP, advert(100));
    expect(mismatch()).toEqual([
      'warn: peer a advertises every 100 ms, this node expects 1000 ms (groups[].intervalMs must be the same on every node, or the faster side flaps)',
    ]);
    intake.advert(GROUP, advert(1000));
    intake.advert(GROUP, advert(1000));
    expect(lines.filter((l) => l.msg.includes("at this node's interval again"))).toHaveLength(1);
  });
});

describe('HeartbeatIntake: refused probes', () => {
  it("passes on and counts a peer's refusal", () => {
    const { counted, intake } = setup();
    expect(intake.refusal(GROUP, 'a')).toBe(true);
    expect(counted).toEqual(['refused web a']);
  });

  it('drops a refusal from a node that is not a peer of this group, uncounted', () => {
    const { counted, intake } = setup();
    expect(intake.refusal(GROUP, 'stranger')).toBe(false);
    expect(counted).toEqual([]);
  });
});
