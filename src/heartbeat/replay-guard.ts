/**
 * Anti-replay (docs/protocol.md, "Anti-replay"). Per sender we keep the
 * epoch we currently follow, the highest sequence accepted in it, when we
 * last accepted anything in it (monotonic time from the shell), and the
 * epochs we followed before ("retired"). Within the current epoch only a
 * higher sequence passes. Epochs are ordered by the sender's start time
 * (its wall clock in the high bits, shell/wiring.ts): a *later* epoch never
 * seen means the sender restarted and is followed from then on; an
 * *earlier* one is a capture of an older run and is refused while the
 * current epoch is alive, so one replayed packet cannot make us drop a live
 * peer's real stream. Only once the current epoch has been silent longer
 * than `silenceMs` is an earlier epoch followed (the sender's clock went
 * back across a restart). A retired epoch never passes again.
 */
export type ReplayVerdict =
  | 'first' // nothing known of this sender yet
  | 'in-order' // current epoch, higher sequence
  | 'new-epoch' // the sender restarted
  | 'replay'; // not newer within the epoch, a retired epoch, or an earlier epoch while the current one is alive

export interface SenderReplayState {
  readonly epoch: bigint;
  readonly highestSeq: bigint;
  /** Oldest first. */
  readonly retiredEpochs: readonly bigint[];
}

/**
 * 256 epochs x 8 bytes per peer: enough that a peer restarting every
 * minute for four hours still cannot have an old epoch replayed.
 */
export const DEFAULT_RETIRED_EPOCHS = 256;

interface MutableState {
  epoch: bigint;
  highestSeq: bigint;
  retiredEpochs: bigint[];
  lastAcceptedAt: number;
}

/** Default for how long the current epoch must be silent before an earlier one is followed. */
export const DEFAULT_EPOCH_SILENCE_MS = 10_000;

export class ReplayGuard {
  private readonly senders = new Map<string, MutableState>();

  constructor(
    private readonly retiredEpochLimit: number = DEFAULT_RETIRED_EPOCHS,
    private silenceMs: number = DEFAULT_EPOCH_SILENCE_MS,
  ) {}

  /** A reload changed the groups' intervals: the silence must stay longer than any down interval. */
  setSilenceMs(ms: number): void {
    this.silenceMs = ms;
  }

  /** Decides and, unless it is a replay, records. Call only for authenticated packets. `now`: monotonic ms. */
  admit(sender: string, epoch: bigint, seq: bigint, now: number): ReplayVerdict {
    const state = this.senders.get(sender);
    if (state === undefined) {
      this.senders.set(sender, { epoch, highestSeq: seq, retiredEpochs: [], lastAcceptedAt: now });
      return 'first';
    }
    if (epoch === state.epoch) {
      if (seq <= state.highestSeq) return 'replay';
      state.highestSeq = seq;
      state.lastAcceptedAt = now;
      return 'in-order';
    }
    if (state.retiredEpochs.includes(epoch)) return 'replay';
    if (epoch < state.epoch && now - state.lastAcceptedAt < this.silenceMs) return 'replay';
    state.retiredEpochs.push(state.epoch);
    if (state.retiredEpochs.length > this.retiredEpochLimit) state.retiredEpochs.shift();
    state.epoch = epoch;
    state.highestSeq = seq;
    state.lastAcceptedAt = now;
    return 'new-epoch';
  }

  /** Forgets senders not in `keep` (peers removed by a config reload); the others keep their state. */
  retainOnly(keep: ReadonlySet<string>): void {
    for (const sender of [...this.senders.keys()]) {
      if (!keep.has(sender)) this.senders.delete(sender);
    }
  }

  stateOf(sender: string): SenderReplayState | undefined {
    const s = this.senders.get(sender);
    return s === undefined ? undefined : { epoch: s.epoch, highestSeq: s.highestSeq, retiredEpochs: [...s.retiredEpochs] };
  }
}
