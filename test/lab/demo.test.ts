import { Writable } from 'node:stream';
import { demoCommand, demoMain, parseDemoOptions, renderDemoResult } from '../../lab/demo';
import type { FailoverResult } from '../../lab/scenario/scenario';
import type { ScenarioDeps } from '../../lab/scenario/scenario';

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

const noDeps = (): ScenarioDeps => {
  throw new Error('the lab must not be built');
};

describe('demo options', () => {
  it('accepts the documented values', () => {
    const o = parseDemoOptions({ provider: 'none', interval: '1s', kill: 'graceful' });
    expect(o.provider.name).toBe('none');
    expect(o.intervalMs).toBe(1000);
    expect(o.kill).toBe('graceful');
  });

  it('rejects bad values naming the option', () => {
    expect(() => parseDemoOptions({ provider: 'none', interval: '100ms', kill: 'soft' })).toThrow(/--kill/);
    expect(() => parseDemoOptions({ provider: 'none', interval: 'fast', kill: 'hard' })).toThrow(/--interval/);
    expect(() => parseDemoOptions({ provider: 'none', interval: '5ms', kill: 'hard' })).toThrow(/10ms-1m/);
    expect(() => parseDemoOptions({ provider: 'azure', interval: '100ms', kill: 'hard' })).toThrow(/unknown provider "azure"/);
    expect(parseDemoOptions({ provider: 'gcp', interval: '100ms', kill: 'hard' }).provider.name).toBe('gcp');
    expect(parseDemoOptions({ provider: 'aws', interval: '100ms', kill: 'hard' }).provider.name).toBe('aws');
  });

  it('exits 64 on a bad option and 77 without root, before building anything', async () => {
    const err = sink();
    const io = { out: sink().stream, err: err.stream, scenarioDeps: noDeps };
    expect(await demoCommand({ provider: 'azure', interval: '100ms', kill: 'hard' }, { ...io, labUnavailable: () => Promise.resolve(null) })).toBe(64);
    expect(err.text()).toMatch(/unknown provider "azure"/);
    expect(
      await demoCommand(
        { provider: 'none', interval: '100ms', kill: 'hard' },
        { ...io, labUnavailable: () => Promise.resolve('needs root for network namespaces') },
      ),
    ).toBe(77);
    expect(err.text()).toMatch(/needs root/);
  });
});

describe('npm run demo command line (lab/demo.ts, not a vipd subcommand)', () => {
  it('prints its usage on --help and exits 0 without building anything', async () => {
    const out = sink();
    expect(
      await demoMain(['--help'], { out: out.stream, err: sink().stream, scenarioDeps: noDeps, labUnavailable: () => Promise.reject(new Error('not reached')) }),
    ).toBe(0);
    expect(out.text()).toMatch(/--provider aws\|gcp\|none/);
  });

  it('exits 64 on an unknown flag, and hands the defaults (aws, 100ms, hard) to the demo', async () => {
    const err = sink();
    const io = { out: sink().stream, err: err.stream, scenarioDeps: noDeps, labUnavailable: () => Promise.resolve('needs root for network namespaces') };
    expect(await demoMain(['--fast'], io)).toBe(64);
    expect(err.text()).toMatch(/usage: node dist\/lab\/demo\.js/);
    // Valid defaults get as far as the root check.
    expect(await demoMain([], io)).toBe(77);
  });
});

describe('demo table', () => {
  const result: FailoverResult = {
    daemon: 'vipd',
    provider: 'none',
    fault: 'hard',
    intervalMs: 100,
    oldMaster: 'n1',
    newMaster: 'n2',
    phaseDelayMs: 42.1,
    outageMs: 334.9,
    outage: {
      nodeBefore: 'n1',
      recoveredBy: 'n2',
      recoveredAtMs: 1000,
      outageMs: 334.9,
      errorsAfterFault: 9,
      attemptsAfterFault: 10,
      oldNodeAnswersAfterFault: 0,
    },
    takeover: { reason: 'master-down', phases: { detectionMs: 361.8, cloudMs: 0, osMs: 15.2, totalMs: 378.4 } },
    holders: { live: ['n2'], staleOnDeadNodes: ['n1'] },
  };

  it('prints every phase vipd measured and the outage the client saw', () => {
    const t = renderDemoResult(result);
    expect(t).toMatch(/detection.*361\.8/);
    expect(t).toMatch(/cloud acquire\s+0\.0/);
    expect(t).toMatch(/OS configure.*15\.2/);
    expect(t).toMatch(/total as vipd measured it\s+378\.4/);
    expect(t).toMatch(/first successful request from n2 \(outage\)\s+334\.9/);
    expect(t).toMatch(/VIP held by n2; stale on dead n1/);
  });

  it('shows "-" for phases a daemon did not report', () => {
    const t = renderDemoResult({ ...result, takeover: { reason: null, phases: null } });
    expect(t).toMatch(/detection.*\s-\n/);
  });
});
