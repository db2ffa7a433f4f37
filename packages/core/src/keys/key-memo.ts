/**
 * The full keys built for string keys, so that a hit on a string key looks up a string it already
 * has (its hash computed once) instead of building and hashing a new one per call. Bounded: when
 * full it starts over, which costs a workload of more distinct keys one build per call, as without it.
 */
export class KeyMemo {
  readonly #built = new Map<string, string>();

  constructor(
    private readonly build: (key: string) => string,
    readonly capacity = 10_000,
  ) {}

  get size(): number {
    return this.#built.size;
  }

  /** The built key; `build` throws for a bad key, which is then not remembered. */
  get(key: string): string {
    let full = this.#built.get(key);
    if (full === undefined) {
      full = this.build(key);
      if (this.#built.size >= this.capacity) this.#built.clear();
      this.#built.set(key, full);
    }
    return full;
  }
}
