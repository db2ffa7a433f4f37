/**
 * Stamps for entries (when their load began) and marks (when an invalidation happened): strictly
 * increasing in this process, and on Redis's clock when there is one (`offset`), so that an entry
 * written after an invalidation outlives it, even within one millisecond or across skewed hosts.
 */
export class Clock {
  #last = 0;

  /** `offset(now)`: Redis's clock minus this host's, for the host's time `now`. */
  constructor(private readonly offset: (now: number) => number = () => 0) {}

  stamp(): number {
    const wall = Date.now();
    const now = wall + this.offset(wall);
    this.#last = now > this.#last ? now : this.#last + 0.001;
    return this.#last;
  }

  /** A mark stored at `at` (possibly later than our stamp): what we stamp next comes after it. */
  observe(at: number): void {
    if (at > this.#last) this.#last = at;
  }
}
