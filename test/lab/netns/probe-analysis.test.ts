import { analyzeHandBack, analyzeOutage, failureShare, parseProbeRecords, type ProbeRecord } from '../../../lab/netns/probe-analysis';

const ok = (t0: number, node: string): ProbeRecord => ({ t0, t1: t0 + 2, ok: true, node, error: null });
const fail = (t0: number, t1 = t0 + 250): ProbeRecord => ({ t0, t1, ok: false, node: null, error: 'timeout' });

describe('analyzeOutage', () => {
  it('measures from the fault to the first answer of another node', () => {
    const records = [ok(0, 'n1'), ok(10, 'n1'), fail(20), fail(30), ok(40, 'n1'), fail(50), ok(300, 'n2'), ok(310, 'n2')];
    expect(analyzeOutage(records, 25)).toEqual({
      nodeBefore: 'n1',
      recoveredBy: 'n2',
      recoveredAtMs: 302,
      outageMs: 277,
      errorsAfterFault: 2,
      attemptsAfterFault: 4,
      oldNodeAnswersAfterFault: 1,
    });
  });

  it('reports no recovery when the other node never answers', () => {
    const a = analyzeOutage([ok(0, 'n1'), fail(20), fail(30)], 15);
    expect(a).toMatchObject({ nodeBefore: 'n1', recoveredBy: null, outageMs: null, errorsAfterFault: 2 });
  });

  it('orders by completion time, not by line order', () => {
    const a = analyzeOutage([ok(500, 'n2'), ok(0, 'n1'), fail(100)], 50);
    expect(a).toMatchObject({ nodeBefore: 'n1', recoveredBy: 'n2', recoveredAtMs: 502, errorsAfterFault: 1 });
  });
});

describe('parseProbeRecords', () => {
  it('reads NDJSON and tolerates only a partial last line', () => {
    const text = `${JSON.stringify(ok(0, 'n1'))}\n${JSON.stringify(fail(10))}\n{"t0":2`;
    expect(parseProbeRecords(text)).toEqual([ok(0, 'n1'), fail(10)]);
    expect(() => parseProbeRecords(`{"t0":2\n${JSON.stringify(ok(0, 'n1'))}\n`)).toThrow(/line 1/);
    expect(() => parseProbeRecords('{"t0":1}\n')).toThrow(/lacks/);
  });
});

describe('analyzeHandBack', () => {
  it('measures from the hand-back to the first answer of the node that kept the VIP, counting failures before it', () => {
    // n2 answered until the hand-back at 100; then its MAC still got the traffic (failures) until n1's announcement.
    const records = [ok(80, 'n2'), fail(95, 350), fail(100), fail(110), ok(400, 'n1'), fail(410), ok(420, 'n1')];
    expect(analyzeHandBack(records, 100, 'n1')).toEqual({ answeredAtMs: 402, afterMs: 302, failedBefore: 2 });
  });

  it('reports no answer when the owner never answered after the hand-back', () => {
    expect(analyzeHandBack([ok(0, 'n1'), ok(200, 'n2'), fail(210)], 100, 'n1')).toEqual({ answeredAtMs: null, afterMs: null, failedBefore: 1 });
  });
});

describe('failureShare', () => {
  it('counts the attempts started in [from, to) and the share that failed', () => {
    const records = [fail(0), ok(10, 'n1'), fail(20), ok(30, 'n2'), fail(40)];
    expect(failureShare(records, 10, 40)).toEqual({ attempts: 3, failed: 1, share: 1 / 3 });
    expect(failureShare(records, 100, 200)).toEqual({ attempts: 0, failed: 0, share: 0 });
  });
});
