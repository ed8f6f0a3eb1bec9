/**
 * Anti-replay without time (docs/protocol.md, "Anti-replay"). Per sender we
 * keep the epoch we currently follow, the highest sequence accepted in it,
 * and the epochs we followed before ("retired"). Within the current epoch
 * only a higher sequence passes; an epoch never seen before means the
 * sender restarted and is followed from then on; a retired epoch is a
 * replay of captured traffic and never passes again. No clock is involved,
 * so a clock step cannot open or close the window.
 */
export type ReplayVerdict =
  | 'first'      // nothing known of this sender yet
  | 'in-order'   // current epoch, higher sequence
  | 'new-epoch'  // the sender restarted
  | 'replay';    // not newer within the epoch, or a retired epoch

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
}

export class ReplayGuard {
  private readonly senders = new Map<string, MutableState>();

  constructor(private readonly retiredEpochLimit: number = DEFAULT_RETIRED_EPOCHS) {}

  /** Decides and, unless it is a replay, records. Call only for authenticated packets. */
  admit(sender: string, epoch: bigint, seq: bigint): ReplayVerdict {
    const state = this.senders.get(sender);
    if (state === undefined) {
      this.senders.set(sender, { epoch, highestSeq: seq, retiredEpochs: [] });
      return 'first';
    }
    if (epoch === state.epoch) {
      if (seq <= state.highestSeq) return 'replay';
      state.highestSeq = seq;
      return 'in-order';
    }
    if (state.retiredEpochs.includes(epoch)) return 'replay';
    state.retiredEpochs.push(state.epoch);
    if (state.retiredEpochs.length > this.retiredEpochLimit) state.retiredEpochs.shift();
    state.epoch = epoch;
    state.highestSeq = seq;
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
