/** Metadata keys and tokens, namespaced so they never meet another library's. */
export const CACHEABLE_METADATA = 'TIERCACHE:cacheable';
export const CACHE_PUT_METADATA = 'TIERCACHE:cache-put';
export const CACHE_EVICT_METADATA = 'TIERCACHE:cache-evict';
export const CACHE_TAGS_METADATA = 'TIERCACHE:cache-tags';
export const WITH_LOCK_METADATA = 'TIERCACHE:with-lock';
export const INVALIDATE_ON_METADATA = 'TIERCACHE:invalidate-on';

/** The name of the cache injected without `@InjectCache`. */
export const DEFAULT_CACHE = 'default';

/** Token of a named cache; `@InjectCache(name)` injects it. */
export function getCacheToken(name: string): string {
  return name === DEFAULT_CACHE ? 'TIERCACHE:cache' : `TIERCACHE:cache:${name}`;
}
