/**
 * Link behaviour of the simulated network. Reordering falls out of random
 * per-message delays; partitions are directed (a -> b blocked need not
 * block b -> a), checked at delivery so in-flight messages die too.
 */
export interface LinkProfile {
  /** Probability a message is dropped. */
  readonly loss: number;
  /** Probability a message is delivered twice (second copy with its own delay). */
  readonly duplicate: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
}

export const PERFECT_LINK: LinkProfile = { loss: 0, duplicate: 0, minDelayMs: 0, maxDelayMs: 0 };

export class SimNetwork {
  private profile: LinkProfile;
  private readonly blocked = new Set<string>();

  constructor(
    private readonly random: () => number,
    profile: LinkProfile = PERFECT_LINK,
  ) {
    this.profile = profile;
  }

  setProfile(profile: LinkProfile): void {
    this.profile = profile;
  }

  get link(): LinkProfile {
    return this.profile;
  }

  /** Delays (ms from now) at which copies of one message arrive; empty when lost. */
  plan(): number[] {
    const p = this.profile;
    if (p.loss > 0 && this.random() < p.loss) return [];
    const copies = p.duplicate > 0 && this.random() < p.duplicate ? 2 : 1;
    const delays: number[] = [];
    for (let i = 0; i < copies; i++) delays.push(p.minDelayMs + this.random() * (p.maxDelayMs - p.minDelayMs));
    return delays;
  }

  block(from: string, to: string): void {
    this.blocked.add(`${from}>${to}`);
  }

  /** Cut every link between the two sides, both ways. */
  partition(sideA: readonly string[], sideB: readonly string[]): void {
    for (const a of sideA) {
      for (const b of sideB) {
        this.block(a, b);
        this.block(b, a);
      }
    }
  }

  isolate(node: string, all: readonly string[]): void {
    this.partition(
      [node],
      all.filter((n) => n !== node),
    );
  }

  healAll(): void {
    this.blocked.clear();
  }

  canDeliver(from: string, to: string): boolean {
    return !this.blocked.has(`${from}>${to}`);
  }
}
