/** Upper bounds (ms) wide enough for an L2 round trip at the low end and a slow report query at the top. */
export const DEFAULT_BUCKETS_MS: readonly number[] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000];

export interface HistogramSnapshot {
  count: number;
  sumMs: number;
  /** Cumulative counts, as Prometheus exposes them; the last bound is `Infinity`. */
  buckets: { le: number; count: number }[];
  /** Upper bound of the bucket holding the median / 95th percentile (an estimate); 0 when empty. */
  p50Ms: number;
  p95Ms: number;
}

/** Fixed buckets: recording costs one search and one increment, whatever the traffic. */
export class Histogram {
  readonly #bounds: readonly number[];
  readonly #counts: number[];
  #count = 0;
  #sum = 0;

  constructor(bounds: readonly number[]) {
    this.#bounds = [...bounds, Infinity];
    this.#counts = this.#bounds.map(() => 0);
  }

  observe(ms: number): void {
    let i = 0;
    while (ms > this.#bounds[i]!) i++;
    this.#counts[i]!++;
    this.#count++;
    this.#sum += ms;
  }

  snapshot(): HistogramSnapshot {
    let running = 0;
    const buckets = this.#bounds.map((le, i) => ({ le, count: (running += this.#counts[i]!) }));
    return { count: this.#count, sumMs: this.#sum, buckets, p50Ms: this.#quantile(buckets, 0.5), p95Ms: this.#quantile(buckets, 0.95) };
  }

  #quantile(buckets: { le: number; count: number }[], q: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.ceil(q * this.#count);
    const bucket = buckets.find((b) => b.count >= rank)!;
    // Past the last finite bound all we know is "at least that bound"; Infinity would not survive JSON.
    return Number.isFinite(bucket.le) ? bucket.le : (this.#bounds.at(-2) ?? 0);
  }
}
