/**
 * The expected number of spurious takeovers under random heartbeat loss.
 * A backup claims when its down timer (deadAfter x interval + skew, the
 * skew below one interval) runs out, i.e. after `deadAfter` consecutive
 * adverts are lost. A claim starts at an advert that is lost after one
 * that arrived: a run of at least deadAfter losses starts at a given
 * advert with probability (1 - p) p^deadAfter. Over n adverts the count is
 * close to Poisson with mean n (1 - p) p^deadAfter (runs are rare and
 * nearly independent). A backup claiming one advert early would show up
 * at n (1 - p) p^(deadAfter - 1), a factor 1/p higher.
 */
export function expectedSpuriousClaims(adverts: number, loss: number, deadAfter: number): number {
  return adverts * (1 - loss) * loss ** deadAfter;
}

/** Smallest k with P(X <= k) >= q for X ~ Poisson(mean). */
export function poissonQuantile(mean: number, q: number): number {
  let k = 0;
  let term = Math.exp(-mean);
  let cdf = term;
  while (cdf < q) {
    k++;
    term *= mean / k;
    cdf += term;
  }
  return k;
}
