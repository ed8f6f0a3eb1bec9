import { LiveScenarios, type InterruptSignal, type SignalSource } from '../../../lab/scenario/live-scenarios';

class FakeSignals implements SignalSource {
  readonly listeners = new Map<InterruptSignal, () => void>();
  once(signal: InterruptSignal, listener: () => void): void {
    this.listeners.set(signal, listener);
  }
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('an interrupted bench or demo tears its labs down before exiting', () => {
  it('on SIGINT: every live scenario torn down (a failing one does not stop the others), then exit 130; once', async () => {
    const live = new LiveScenarios();
    const torn: string[] = [];
    live.add({ teardown: async () => void torn.push('a') });
    live.add({
      teardown: async () => {
        throw new Error('ip netns del failed');
      },
    });
    const gone = { teardown: async () => void torn.push('gone') };
    live.add(gone);
    live.delete(gone); // torn down by its trial already
    const signals = new FakeSignals();
    const exits: number[] = [];
    const errors: string[] = [];
    const said: string[] = [];
    live.exitOnInterrupt(
      signals,
      (code) => exits.push(code),
      (e) => errors.push(String(e)),
      (l) => said.push(l),
    );
    expect([...signals.listeners.keys()].sort()).toEqual(['SIGHUP', 'SIGINT', 'SIGTERM']);
    signals.listeners.get('SIGINT')?.();
    signals.listeners.get('SIGTERM')?.(); // a second signal while tearing down changes nothing
    await flush();
    await flush();
    expect(torn).toEqual(['a']);
    expect(errors).toEqual(['Error: ip netns del failed']);
    expect(exits).toEqual([130]);
    expect(said).toEqual(['SIGINT: tearing down 2 live lab(s) before exiting']);
    expect(live.size).toBe(0);
  });
});
