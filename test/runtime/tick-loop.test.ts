import { TickLoop } from '../../src/runtime/tick-loop';
import type { TimerHandle, Timers } from '../../src/util/timers';

/** A simulated clock whose timers fire when the test advances time. */
class SimTime implements Timers {
  now = 0;
  private queue: Array<{ at: number; fn: () => void; handle: TimerHandle }> = [];
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = {};
    this.queue.push({ at: this.now + ms, fn, handle });
    return handle;
  }
  clearTimeout(handle: TimerHandle): void {
    this.queue = this.queue.filter((q) => q.handle !== handle);
  }
  advanceTo(t: number, lateBy = 0): void {
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at);
      const next = this.queue[0];
      if (!next || next.at > t) break;
      this.queue.shift();
      this.now = next.at + lateBy;
      next.fn();
    }
    this.now = Math.max(this.now, t);
  }
}

function setup(deadline: () => number | null) {
  const time = new SimTime();
  const ticks: number[] = [];
  const stalls: number[] = [];
  const lags: number[] = [];
  const loop = new TickLoop(
    { nowMs: () => time.now },
    time,
    { periodMs: 50, stallThresholdMs: 300 },
    {
      tick: (now) => ticks.push(now),
      stall: (_now, ms) => stalls.push(ms),
      lag: (ms) => lags.push(ms),
      nextDeadline: deadline,
    },
  );
  return { time, ticks, stalls, lags, loop };
}

describe('TickLoop', () => {
  it('a late wake-up yields one turn to pending I/O before ticking; an on-time one ticks at once', () => {
    const order: string[] = [];
    const time = new SimTime();
    const loop = new TickLoop(
      { nowMs: () => time.now },
      time,
      { periodMs: 50, stallThresholdMs: 300 },
      {
        tick: (now) => order.push(`tick ${now}`),
        stall: () => undefined,
        lag: () => undefined,
        nextDeadline: () => null,
      },
    );
    loop.start();
    time.advanceTo(50, 4); // 4 ms late: within the allowance
    expect(order).toEqual(['tick 54']);
    time.advanceTo(104, 20); // due at 104, runs at 124
    expect(order).toEqual(['tick 54']);
    order.push('datagram delivered'); // what the poll phase would do before the 0 ms timer
    time.advanceTo(124);
    expect(order).toEqual(['tick 54', 'datagram delivered', 'tick 124']);
    loop.stop();
  });

  it('wakes exactly at the earliest deadline, not a period later', () => {
    const deadline: number | null = 137;
    const { time, ticks, loop } = setup(() => (deadline !== null && deadline <= time.now ? null : deadline));
    loop.start();
    time.advanceTo(50);
    expect(ticks).toEqual([50]); // no deadline before 50: sleeps the full period
    time.advanceTo(137);
    expect(ticks).toEqual([50, 100, 137]);
    time.advanceTo(200);
    expect(ticks).toEqual([50, 100, 137, 187]);
    loop.stop();
  });

  it('poke() reschedules for a deadline that moved earlier', () => {
    let deadline: number | null = null;
    const { time, ticks, loop } = setup(() => (deadline !== null && deadline <= time.now ? null : deadline));
    loop.start();
    time.advanceTo(10);
    deadline = 12;
    loop.poke();
    time.advanceTo(12);
    expect(ticks).toEqual([12]);
    loop.stop();
  });

  it('reports a gap longer than the threshold as a stall before the tick, and lateness as lag', () => {
    const { time, ticks, stalls, lags, loop } = setup(() => null);
    loop.start();
    time.advanceTo(50);
    time.advanceTo(100, 400); // the timer due at 100 fires at 500 (SIGSTOP, VM pause)
    expect(ticks).toEqual([50]); // late: first one turn for the datagrams that queued meanwhile
    time.advanceTo(500);
    expect(stalls).toEqual([450]);
    expect(lags.slice(-1)).toEqual([400]);
    expect(ticks).toEqual([50, 500]);
    loop.stop();
  });

  it('after a stall, a datagram delivered before the late tick is preceded by the stall report, once', () => {
    const order: string[] = [];
    const time = new SimTime();
    const loop = new TickLoop(
      { nowMs: () => time.now },
      time,
      { periodMs: 50, stallThresholdMs: 300 },
      {
        tick: (now) => order.push(`tick ${now}`),
        stall: (now, ms) => order.push(`stall ${ms} at ${now}`),
        lag: () => undefined,
        nextDeadline: () => null,
      },
    );
    loop.start();
    time.advanceTo(50);
    loop.checkStall(60); // an ordinary datagram: no stall
    time.advanceTo(100, 400); // SIGSTOP: the timer due at 100 fires at 500 and yields to I/O
    loop.checkStall(500); // the poll phase delivers the adverts that queued meanwhile
    order.push('datagram delivered');
    loop.checkStall(500);
    order.push('datagram delivered');
    time.advanceTo(500);
    expect(order).toEqual(['tick 50', 'stall 450 at 500', 'datagram delivered', 'datagram delivered', 'tick 500']);
    // The next stall is reported again.
    time.advanceTo(550, 400);
    time.advanceTo(950);
    expect(order.slice(5)).toEqual(['stall 450 at 950', 'tick 950']);
    loop.stop();
  });
});

it('never busy-loops on a deadline a tick does not move', () => {
  const { time, ticks, loop } = setup(() => 5);
  loop.start();
  time.advanceTo(20);
  expect(ticks.length).toBeLessThanOrEqual(20);
  loop.stop();
});
