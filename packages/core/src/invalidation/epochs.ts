import { LRUCache } from 'lru-cache';

/**
 * A sequence number bumped by every local change of a key (set, delete, a message that another
 * instance changed it) and by every change wider than one key (pattern delete, resync). Work that
 * read or loaded a key remembers `now()` when it began; it must not keep its result once
 * `changedSince` says the key was changed meanwhile. Tag and clear invalidations do not bump it:
 * entries are stamped when their load begins, so the mark check already kills what crossed them.
 */
export class Epochs {
  #seq = 0;
  #wide = 0;
  /** Key changes forgotten to stay bounded: anything that began before this is treated as changed. */
  #floor = 0;
  readonly #keys: LRUCache<string, number>;

  constructor(maxKeys = 10_000) {
    this.#keys = new LRUCache<string, number>({
      max: maxKeys,
      dispose: (seq, _key, reason) => {
        if (reason === 'evict' && seq > this.#floor) this.#floor = seq;
      },
    });
  }

  now(): number {
    return this.#seq;
  }

  touch(keys: readonly string[]): void {
    const seq = ++this.#seq;
    for (const key of keys) this.#keys.set(key, seq);
  }

  touchAll(): void {
    this.#wide = ++this.#seq;
  }

  changedSince(key: string, seq: number): boolean {
    return this.#wide > seq || (this.#keys.get(key) ?? this.#floor) > seq;
  }
}
