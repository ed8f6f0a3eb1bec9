/** min / median / max of one benchmark cell; the median of an even count is the mean of the middle two. */
export interface Summary {
  readonly n: number;
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

export function summarize(values: readonly number[]): Summary | null {
  if (values.length === 0) return null;
  if (values.some((v) => !Number.isFinite(v))) throw new RangeError(`summarize: not a finite number in ${JSON.stringify(values)}`);
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  return { n: s.length, min: s[0] as number, median, max: s[s.length - 1] as number };
}
