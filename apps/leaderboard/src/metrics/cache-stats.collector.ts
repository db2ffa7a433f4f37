import { Injectable } from '@nestjs/common';
import { TieredCache } from '@tiercache/nestjs';
import { Gauge, type Registry } from 'prom-client';

/**
 * The cache's state, read at scrape time, next to the per-cache, per-method counters that
 * `@tiercache/nestjs/metrics` exports (`tiercache_hits_total{cache,tier,label}` and the rest).
 */
@Injectable()
export class CacheStatsCollector {
  constructor(private readonly cache: TieredCache) {}

  register(registry: Registry, prefix = 'leaderboard_cache_'): void {
    const cache = this.cache;
    new Gauge({
      name: `${prefix}hit_ratio`,
      help: 'Hits / reads of every cache since the start (0 before the first read).',
      registers: [registry],
      collect() {
        this.set(cache.stats().hitRate);
      },
    });
    new Gauge({
      name: `${prefix}l1_entries`,
      help: 'Entries in the in-process tier.',
      registers: [registry],
      collect() {
        this.set(cache.status().l1?.entries ?? 0);
      },
    });
    // Only with an L2: a gauge that is never set would still read 0, "Redis is down".
    if (cache.status().l2 === undefined) return;
    new Gauge({
      name: `${prefix}l2_connected`,
      help: '1 while Redis (L2) is connected and its circuit breaker closed, else 0.',
      registers: [registry],
      collect() {
        const l2 = cache.status().l2;
        this.set(l2 !== undefined && l2.connected && !l2.breakerOpen ? 1 : 0);
      },
    });
  }
}
