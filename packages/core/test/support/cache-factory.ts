import { TieredCache, type TieredCacheOptions } from '../../src/index.js';
import { redisUrl, silentLogger, uniqueNamespace } from './redis.js';

/**
 * Builds caches for tests and closes them all afterwards:
 * `const caches = new CacheFactory(); afterEach(() => caches.closeAll());`
 */
export class CacheFactory {
  readonly #open: TieredCache[] = [];

  /** L1 + L2 on the shared test Redis, in a fresh namespace unless one is given. */
  twoTier(options: TieredCacheOptions = {}): TieredCache {
    return this.build({ l2: { redis: redisUrl() }, ...options });
  }

  l1Only(options: TieredCacheOptions = {}): TieredCache {
    return this.build({ ...options, l2: false });
  }

  l2Only(options: TieredCacheOptions = {}): TieredCache {
    return this.build({ l2: { redis: redisUrl() }, ...options, l1: false });
  }

  build(options: TieredCacheOptions): TieredCache {
    const cache = new TieredCache({ namespace: uniqueNamespace('cache'), logger: silentLogger, ...options });
    this.#open.push(cache);
    return cache;
  }

  /** Closes `cache` with the others. */
  adopt(cache: TieredCache): TieredCache {
    this.#open.push(cache);
    return cache;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.#open.splice(0).map((cache) => cache.close()));
  }
}
