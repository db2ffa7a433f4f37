import { makeValue } from './common.mjs';
// Every library under test, configured as L1 + L2 with equivalent settings, behind one small shape:
// { name, getOrSet(key, loader), close() } plus optional extras (tags, raw handles).
// Libraries are imported on demand, so a child process only loads the one it measures.
import { silentLogger } from './common.mjs';

export const TTL_MS = 60_000;
export const L1_MAX_ENTRIES = 10_000;

function redisParts(url) {
  const { hostname, port } = new URL(url);
  return { host: hostname, port: Number(port) };
}

/**
 * kind: 'tiercache-safe' | 'tiercache-fast' | 'bentocache' | 'bentocache-noserialize' | 'cacheable' | 'cacheable-noclone' | 'cache-manager'
 * opts: { url, l1: boolean (default true), l2: boolean (default true), maxEntries, bus, tags, logger }
 */
export async function createContestant(kind, opts = {}) {
  const { url, l1 = true, l2 = true, maxEntries = L1_MAX_ENTRIES } = opts;
  switch (kind) {
    case 'tiercache-safe':
    case 'tiercache-fast': {
      const { TieredCache } = await import('@tiercache/core');
      const cache = new TieredCache({
        namespace: opts.namespace ?? 'bench',
        ttl: TTL_MS,
        l1: l1 ? { maxEntries, maxBytes: 1024 * 1024 * 1024, mutationSafe: kind === 'tiercache-safe' } : false,
        l2: l2 ? { redis: opts.redisClient ?? url } : false,
        logger: opts.logger ?? silentLogger,
      });
      if (l2 && opts.waitReady !== false) await cache.get('__warm__');
      return {
        name: kind,
        cache,
        getOrSet: (key, loader) => cache.getOrSet(key, loader),
        supportsTags: typeof cache.invalidateTags === 'function',
        setTagged: (key, value, tags) => cache.set(key, value, { tags }),
        setManyTagged: (items) => cache.setMany(items.map(({ key, value, tags }) => ({ key, value, options: { tags } }))),
        invalidateTag: (tag) => cache.invalidateTags([tag]),
        close: () => cache.close(),
      };
    }
    case 'bentocache':
    case 'bentocache-noserialize': {
      const { BentoCache, bentostore } = await import('bentocache');
      const { memoryDriver } = await import('bentocache/drivers/memory');
      const { redisBusDriver, redisDriver } = await import('bentocache/drivers/redis');
      let store = bentostore();
      if (l1) store = store.useL1Layer(memoryDriver({ maxItems: maxEntries, serialize: kind === 'bentocache' }));
      if (l2) store = store.useL2Layer(redisDriver({ connection: { ...redisParts(url), ...(opts.redisOptions ?? {}) } }));
      if (opts.bus) store = store.useBus(redisBusDriver({ connection: redisParts(url) }));
      const bento = new BentoCache({
        default: 'cache',
        ttl: TTL_MS,
        prefix: opts.namespace ?? 'bench',
        ...(opts.emitter ? { emitter: opts.emitter } : {}),
        stores: { cache: store },
      });
      return {
        name: kind,
        cache: bento,
        getOrSet: (key, factory) => bento.getOrSet({ key, factory }),
        supportsTags: true,
        setTagged: (key, value, tags) => bento.set({ key, value, tags }),
        invalidateTag: (tag) => bento.deleteByTag({ tags: [tag] }),
        close: () => bento.disconnectAll(),
      };
    }
    case 'cacheable':
    case 'cacheable-noclone': {
      const { Cacheable, Keyv, KeyvCacheableMemory } = await import('cacheable');
      const { default: KeyvRedis } = await import('@keyv/redis');
      const primary = l1
        ? new Keyv({ store: new KeyvCacheableMemory({ ttl: TTL_MS, lruSize: maxEntries, useClone: kind === 'cacheable' }) })
        : undefined;
      const secondary = l2 ? new Keyv({ store: new KeyvRedis(url, opts.keyvRedisOptions), namespace: opts.namespace ?? 'bench' }) : undefined;
      const cache = new Cacheable({ primary: primary ?? secondary, secondary: primary ? secondary : undefined, ttl: TTL_MS, tags: !!opts.tags });
      return {
        name: kind,
        cache,
        getOrSet: (key, loader) => cache.getOrSet(key, loader, { ttl: TTL_MS }),
        supportsTags: true,
        setTagged: (key, value, tags) => cache.set(key, value, { ttl: TTL_MS, tags }),
        setManyTagged: (items) => cache.setMany(items.map(({ key, value, tags }) => ({ key, value, ttl: TTL_MS, tags }))),
        invalidateTag: (tag) => cache.tags.invalidateTag(tag),
        close: () => cache.disconnect?.(),
      };
    }
    case 'cache-manager': {
      const { Keyv, KeyvCacheableMemory } = await import('cacheable');
      const { default: KeyvRedis } = await import('@keyv/redis');
      const { createCache } = await import('cache-manager');
      const stores = [];
      if (l1) stores.push(new Keyv({ store: new KeyvCacheableMemory({ ttl: TTL_MS, lruSize: maxEntries }) }));
      if (l2) stores.push(new Keyv({ store: new KeyvRedis(url, opts.keyvRedisOptions), namespace: opts.namespace ?? 'bench' }));
      const cache = createCache({ stores, ttl: TTL_MS });
      return {
        name: kind,
        cache,
        getOrSet: (key, loader) => cache.wrap(key, loader, TTL_MS),
        supportsTags: false,
        close: () => cache.disconnect(),
      };
    }
    default:
      throw new Error(`unknown contestant ${kind}`);
  }
}


/**
 * Runs the stampede's code paths until the JIT has compiled them, so that a process's first calls
 * are not what is measured: `callers` concurrent getOrSet calls on throwaway cold keys, spread over
 * `contestant` and a second one of the same kind and namespace (so that with a fleet-wide lock one
 * loads and the other waits for it, each in turn), with a short loader; then as many hits.
 */
export async function warmStampedes(kind, url, contestant, callers, rounds = 30) {
  const other = await createContestant(kind, { url, namespace: 'stampede' });
  try {
    for (let round = 0; round < rounds; round++) {
      const key = `warm:${process.pid}:${round}:${Math.random()}`;
      const loader = async () => {
        await new Promise((r) => setTimeout(r, 2));
        return makeValue(round);
      };
      // Each cache goes first every other round: both hold the lock, and both wait for it.
      const [first, second] = round % 2 === 0 ? [contestant, other] : [other, contestant];
      await Promise.all(Array.from({ length: callers }, (_, i) => (i % 2 === 0 ? first : second).getOrSet(key, loader)));
      await Promise.all(Array.from({ length: callers }, () => other.getOrSet(key, loader)));
    }
  } finally {
    await other.close();
  }
  // What the warm-up left behind is collected now, not during the measured stampede.
  globalThis.gc?.();
}
