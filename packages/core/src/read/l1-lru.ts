import { LRUCache } from 'lru-cache';
import { globToRegExp } from '../tiers/glob.js';

/** What the LRU needs of a record: until when it is kept, and what it costs (see l1-size.ts). */
export interface Kept {
  /** Set when the record is stored; past it the record is gone. */
  keepUntil: number;
  readonly size: number;
}

export interface L1LruOptions<V extends Kept> {
  maxEntries: number;
  maxBytes: number;
  sizeOf: (record: V, key: string) => number;
  /** A record pushed out by the bounds. */
  onEvict: (key: string) => void;
  /** Every record that leaves, whatever the reason (evicted, expired, deleted, replaced). */
  onRemove: (key: string, record: V) => void;
}

/**
 * L1's LRU, bounded by entry count and by bytes. The records carry their own keep-until time, so
 * an entry costs lru-cache's slot and no wrapper object (64 bytes with its boxed time). Expiry is
 * checked on read against `Date.now()` rather than by lru-cache's timers, so fake timers drive it in
 * tests and an expired record costs nothing until it is read or evicted.
 */
export class L1Lru<V extends Kept> {
  readonly #lru: LRUCache<string, V>;

  constructor(options: L1LruOptions<V>) {
    const { onEvict, onRemove, sizeOf } = options;
    this.#lru = new LRUCache<string, V>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      // lru-cache refuses an item larger than the whole byte budget and drops any older value with it.
      sizeCalculation: (record, key) => Math.max(1, Math.ceil(sizeOf(record, key))),
      dispose: (record, key, reason) => {
        if (reason === 'evict') onEvict(key);
        onRemove(key, record);
      },
    });
  }

  get size(): number {
    return this.#lru.size;
  }

  get bytes(): number {
    return this.#lru.calculatedSize;
  }

  get(key: string, now = Date.now()): V | undefined {
    const record = this.#lru.get(key);
    if (record === undefined) return undefined;
    if (record.keepUntil <= now) {
      this.#lru.delete(key);
      return undefined;
    }
    return record;
  }

  set(key: string, record: V, ttlMs: number): void {
    record.keepUntil = Date.now() + ttlMs;
    this.#lru.set(flat(key), record);
  }

  delete(keys: readonly string[]): void {
    for (const key of keys) this.#lru.delete(key);
  }

  clear(): void {
    this.#lru.clear();
  }

  deleteMatching(pattern: string): number {
    const matcher = globToRegExp(pattern);
    let deleted = 0;
    for (const key of [...this.#lru.keys()]) {
      if (matcher.test(key) && this.#lru.delete(key)) deleted++;
    }
    return deleted;
  }
}

/**
 * A key built by concatenation is a rope: a 32-byte node over its parts, kept for as long as L1
 * keeps the key. A JSON round trip hands back one flat string (lone surrogates included), at the
 * cost of a copy per write; JavaScript has no cheaper way to ask for one.
 */
function flat(key: string): string {
  return JSON.parse(JSON.stringify(key)) as string;
}
