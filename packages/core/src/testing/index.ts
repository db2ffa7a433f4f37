import { TieredCache } from '../cache/tiered-cache.js';
import type { TieredCacheOptions } from '../cache/options.js';

/**
 * An L1-only cache for unit tests of your own services: same semantics as production (mutation
 * safety, negative caching, single-flight), no Redis, nothing logged.
 *
 * @example
 * const cache = createTestingCache();
 * const service = new AgentsService(cache);
 */
export function createTestingCache(options: Omit<TieredCacheOptions, 'l2'> = {}): TieredCache {
  const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };
  return new TieredCache({ namespace: 'test', logger: silent, ...options, l2: false });
}
export { FaultTier, type FaultOperation } from './fault-tier.js';
