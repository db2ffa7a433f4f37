import type { CacheStats } from '../events/cache-events.js';
import type { InvalidationMode } from '../invalidation/marks.js';
import type { CacheKey } from '../keys/key-builder.js';
import type { L1ChildBudget } from '../read/l1-budget.js';
import type { ScanProgress } from '../tiers/redis-tier.js';
import type { WriteOptions } from './options.js';

// The shapes `TieredCache`'s methods take and return.

export interface SetManyItem<T = unknown> {
  key: CacheKey;
  value: T;
  options?: WriteOptions;
}

/** Counters plus the overall hit rate (0–1, or 0 before the first read). */
export interface CacheStatsSnapshot extends CacheStats {
  hitRate: number;
}

export interface InvalidateOptions {
  /** `hard` (default): the entries are gone. `soft`: they are only stale, usable as a fallback. */
  mode?: InvalidationMode;
}

/** Options of a child namespace itself, beyond its entry defaults. */
export interface NamespaceOptions {
  /**
   * Gives each child namespace of this one (a tenant, say) its own share of L1, counting everything
   * under it: a child over its share drops its own oldest-written entries, never another child's.
   * Each limit is capped by L1's own. For the life of the cache, for every view of this namespace.
   */
  l1PerChild?: L1ChildBudget;
}

/** L1 fill level and L2 state, for health checks. */
export interface CacheStatus {
  l1?: { entries: number; bytes: number; maxEntries: number; maxBytes: number };
  /** `openNodes`: the Redis nodes skipped now (`host:port`; `*`: every node of a cluster), and why. */
  l2?: { connected: boolean; breakerOpen: boolean; openNodes: { node: string; error: string }[]; pendingWrites: number };
}

/** How much of a background purge is done. */
export type PurgeProgress = ScanProgress;

