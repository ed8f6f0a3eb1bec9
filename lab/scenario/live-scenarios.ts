/** What a live scenario offers an interrupt: its own teardown (namespaces, daemons, temp dir). */
export interface TearsDown {
  teardown(): Promise<void>;
}

/** The signals an operator stops a bench or the demo with. */
export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type InterruptSignal = (typeof INTERRUPT_SIGNALS)[number];

export interface SignalSource {
  once(signal: InterruptSignal, listener: () => void): unknown;
}

/**
 * The scenarios alive in one bench or demo process, so that Ctrl-C (or a
 * SIGTERM from a CI timeout) tears every one down before the process exits
 * instead of leaving namespaces and daemons running (the next run's sweep
 * would only catch them later). Scenarios add themselves on creation and
 * leave on teardown; the entry point owns the registry and the handlers.
 */
export class LiveScenarios {
  private readonly live = new Set<TearsDown>();

  add(s: TearsDown): void {
    this.live.add(s);
  }

  delete(s: TearsDown): void {
    this.live.delete(s);
  }

  get size(): number {
    return this.live.size;
  }

  /** Tears down every live scenario; a failure is reported, never stops the others. */
  async teardownAll(onError: (e: unknown) => void): Promise<void> {
    const all = [...this.live];
    this.live.clear();
    await Promise.all(all.map((s) => s.teardown().catch(onError)));
  }

  /**
   * On the first interrupt signal: tear down, then `exit` with 128 + the
   * signal's number (the shell's convention). Another kind of signal while
   * tearing down changes nothing; the same one again (a second Ctrl-C) finds
   * no listener (`once`) and kills the process at once, teardown unfinished:
   * the operator's way out of a hung teardown, the next run's sweep cleans.
   */
  exitOnInterrupt(source: SignalSource, exit: (code: number) => void, onError: (e: unknown) => void, say: (line: string) => void): void {
    let stopping = false;
    const codes: Record<InterruptSignal, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };
    for (const signal of INTERRUPT_SIGNALS) {
      source.once(signal, () => {
        if (stopping) return;
        stopping = true;
        say(`${signal}: tearing down ${this.size} live lab(s) before exiting`);
        void this.teardownAll(onError).finally(() => exit(codes[signal]));
      });
    }
  }
}
