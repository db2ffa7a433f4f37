import type { RedisClient } from '@tiercache/core';

export interface CacheHealthCheckOptions {
  /** A cache named in `CacheModule` options. Default: the default cache. */
  cache?: string;
  /** The Redis to PING and read `INFO` from. Default: the cache's own L2 client. */
  redis?: RedisClient;
  /** Each check (PING, INFO) gives up after this long and counts as failed. Default 1 000. */
  timeoutMs?: number;
  /** PING slower than this marks L2 down. Default 250. */
  maxPingMs?: number;
  /** L1 entries or bytes at or above this fraction of their limit mark the cache degraded. Default 0.95. */
  maxL1Fill?: number;
  /** Redis `used_memory` at or above this fraction of `maxmemory` marks the cache degraded. Default 0.9. */
  maxRedisMemoryFill?: number;
  /**
   * Warmers (from `@tiercache/nestjs/warmers`, when present) whose last success is older than this
   * mark the cache degraded: one age for all, or per warmer name. Warmers not listed are not checked.
   */
  maxWarmerAgeMs?: number | Record<string, number>;
}
