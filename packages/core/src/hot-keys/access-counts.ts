/**
 * Accesses per key since the last publish, bounded: once `max` keys are tracked, new keys are not
 * (a hot key recurs, so it is counted in a later window; a long tail only costs the bound).
 */
export class AccessCounts {
  #counts = new Map<string, number>();
  #untracked = 0;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.#counts.size;
  }

  get untracked(): number {
    return this.#untracked;
  }

  record(key: string): void {
    const count = this.#counts.get(key);
    if (count !== undefined) this.#counts.set(key, count + 1);
    else if (this.#counts.size < this.max) this.#counts.set(key, 1);
    else this.#untracked++;
  }

  /** The counts so far, emptying the window. */
  take(): Map<string, number> {
    const counts = this.#counts;
    this.#counts = new Map();
    return counts;
  }
}
