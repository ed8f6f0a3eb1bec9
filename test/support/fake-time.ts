import type { MonotonicClock } from '../../src/util/clock';
import type { TimerHandle, Timers } from '../../src/util/timers';

/** Lets every settled promise chain run before time moves on. */
export async function flushPromises(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

interface FakeHandle extends TimerHandle {
  readonly id: number;
}

/** A clock and timers that move only when the test says so. */
export class FakeTime implements MonotonicClock, Timers {
  private now = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; seq: number; fn: () => void }>();

  nowMs(): number {
    return this.now;
  }

  setTimeout = (fn: () => void, ms: number): TimerHandle => {
    const id = ++this.seq;
    this.timers.set(id, { at: this.now + Math.max(0, ms), seq: id, fn });
    const handle: FakeHandle = { id };
    return handle;
  };

  clearTimeout = (handle: TimerHandle): void => {
    this.timers.delete((handle as FakeHandle).id);
  };

  pendingTimers(): number {
    return this.timers.size;
  }

  /** Runs every timer due within ms, in due order, settling promises between them. */
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    await flushPromises();
    for (;;) {
      let nextId: number | null = null;
      let next: { at: number; seq: number; fn: () => void } | null = null;
      for (const [id, t] of this.timers) {
        if (t.at <= end && (next === null || t.at < next.at || (t.at === next.at && t.seq < next.seq))) {
          next = t;
          nextId = id;
        }
      }
      if (next === null || nextId === null) break;
      this.timers.delete(nextId);
      this.now = next.at;
      next.fn();
      await flushPromises();
    }
    this.now = end;
  }
}
