import { EventEmitter } from 'node:events';

export type TierName = 'l1' | 'l2';

/** Every event a cache emits, with its payload; subscribe with `cache.events.on(name, listener)`. */
export interface CacheEventMap {
  /** A fresh value was found in `tier`. `label` names the caller (e.g. `Class.method`) when given. */
  hit: [{ key: string; tier: TierName; label?: string }];
  /** No tier had a fresh value. */
  miss: [{ key: string; label?: string }];
  /** A loader ran for `key` (`error` set when it threw). */
  load: [{ key: string; durationMs: number; error?: unknown; label?: string }];
  /** A stale value was served: within grace while refreshing, or as the fail-safe when a load failed or was slow. */
  stale: [{ key: string; reason: 'grace' | 'fail-safe' | 'timeout'; label?: string }];
  /** A caller waited for another process's load of `key` (fleet-wide single-flight). */
  'lock:wait': [{ key: string; durationMs: number; label?: string }];
  set: [{ key: string }];
  delete: [{ key: string }];
  /** A namespace (key prefix) was cleared. */
  clear: [{ prefix: string }];
  /** L1 dropped an entry to stay within its entry or byte bound. */
  eviction: [{ key: string }];
  /**
   * An operation failed and the cache carried on without it (named so, not `error`, because an
   * EventEmitter throws an `error` event that nobody listens to).
   */
  fault: [{ tier?: TierName; operation: string; error: unknown; key?: string }];
  /**
   * Another instance's invalidation was applied here (`resync`: the bus reconnected and L1 was
   * flushed because messages may have been missed).
   */
  remote: [{ op: 'keys' | 'marks' | 'pattern' | 'resync' }];
  /** L2's connection was lost or (re)established. */
  connection: [{ tier: TierName; connected: boolean }];
  /** L2 held something that is not a readable entry; it was treated as a miss. */
  malformed: [{ key: string; reason: string }];
  /** A Redis node (`host:port`; `*`: every node of a cluster) is skipped until it answers a probe. */
  'breaker:open': [{ tier: TierName; error: unknown; node?: string }];
  'breaker:close': [{ tier: TierName; node?: string }];
}

export class CacheEvents extends EventEmitter<CacheEventMap> {}

/** Plain counters, cheap enough to update on every hit; read them with `cache.stats()`. */
export interface CacheStats {
  hitsL1: number;
  hitsL2: number;
  misses: number;
  staleServes: number;
  loads: number;
  loadErrors: number;
  sets: number;
  deletes: number;
  evictions: number;
  errors: number;
  malformed: number;
}

export function emptyStats(): CacheStats {
  return { hitsL1: 0, hitsL2: 0, misses: 0, staleServes: 0, loads: 0, loadErrors: 0, sets: 0, deletes: 0, evictions: 0, errors: 0, malformed: 0 };
}
