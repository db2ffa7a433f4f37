import { LRUCache } from 'lru-cache';
import { globToRegExp } from './glob.js';
import type { Tier, TierItem } from './tier.js';

export interface MemoryTierOptions<V> {
  /** Most entries kept at once. */
  maxEntries: number;
  /** Most bytes kept at once, as measured by `sizeOf`. */
  maxBytes: number;
  sizeOf: (value: V) => number;
  onEvict?: (key: string) => void;
  /** Every value that leaves, whatever the reason (evicted, expired, deleted, replaced). */
  onRemove?: (key: string, value: V) => void;
  now?: () => number;
}

/** A class, so every slot has one shape on the hit path. */
class Slot<V> {
  constructor(
    readonly value: V,
    readonly until: number,
    readonly size: number,
  ) {}
}

/**
 * L1: an in-process LRU bounded by entry count and by bytes. Expiry is checked on read against the
 * injected clock rather than by lru-cache's own timers, so fake timers drive it in tests and an
 * expired slot costs nothing until it is read or evicted.
 */
export class MemoryTier<V> implements Tier<V> {
  readonly #lru: LRUCache<string, Slot<V>>;
  readonly #sizeOf: (value: V) => number;
  readonly #now: () => number;

  constructor(options: MemoryTierOptions<V>) {
    this.#sizeOf = options.sizeOf;
    this.#now = options.now ?? Date.now;
    const { onEvict, onRemove } = options;
    this.#lru = new LRUCache<string, Slot<V>>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (slot) => slot.size,
      dispose:
        onEvict || onRemove
          ? (slot, key, reason) => {
              if (reason === 'evict') onEvict?.(key);
              onRemove?.(key, slot.value);
            }
          : undefined,
    });
  }

  get size(): number {
    return this.#lru.size;
  }

  get bytes(): number {
    return this.#lru.calculatedSize;
  }

  /** `now` may be passed by a caller that already read the clock. */
  get(key: string, now = this.#now()): V | undefined {
    const slot = this.#lru.get(key);
    if (slot === undefined) return undefined;
    if (slot.until <= now) {
      this.#lru.delete(key);
      return undefined;
    }
    return slot.value;
  }

  getMany(keys: readonly string[]): (V | undefined)[] {
    const now = this.#now();
    return keys.map((key) => this.get(key, now));
  }

  set(key: string, value: V, ttlMs: number): void {
    // lru-cache refuses an item larger than the whole byte budget and drops any older value with it.
    const size = Math.max(1, Math.ceil(this.#sizeOf(value)));
    this.#lru.set(key, new Slot(value, this.#now() + ttlMs, size));
  }

  setMany(items: readonly TierItem<V>[]): void {
    for (const item of items) this.set(item.key, item.value, item.ttlMs);
  }

  delete(keys: readonly string[]): void {
    for (const key of keys) this.#lru.delete(key);
  }

  /** Drops everything. */
  clear(): void {
    this.#lru.clear();
  }

  async deleteMatching(pattern: string): Promise<number> {
    const matcher = globToRegExp(pattern);
    let deleted = 0;
    for (const key of [...this.#lru.keys()]) {
      if (matcher.test(key) && this.#lru.delete(key)) deleted++;
    }
    return deleted;
  }

  async close(): Promise<void> {
    this.#lru.clear();
  }
}
