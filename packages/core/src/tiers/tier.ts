/** A value a tier may return either synchronously (L1) or as a promise (L2). */
export type MaybePromise<T> = T | Promise<T>;

export interface TierItem<V> {
  readonly key: string;
  readonly value: V;
  /** How long the tier keeps the item, in milliseconds (> 0). */
  readonly ttlMs: number;
}

/**
 * The storage contract every tier fulfils, kept small so each tier can be tested alone with the
 * shared conformance suite. Keys arrive fully prefixed; tiers know nothing of freshness or tags.
 */
export interface Tier<V> {
  get(key: string): MaybePromise<V | undefined>;
  /** Results in the order of `keys`. */
  getMany(keys: readonly string[]): MaybePromise<(V | undefined)[]>;
  set(key: string, value: V, ttlMs: number): MaybePromise<void>;
  setMany(items: readonly TierItem<V>[]): MaybePromise<void>;
  delete(keys: readonly string[]): MaybePromise<void>;
  /** Deletes every key matching a Redis glob pattern; returns how many were deleted. */
  deleteMatching(pattern: string): Promise<number>;
  close(): Promise<void>;
}
