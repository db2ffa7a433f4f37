import type { AbsentKeyFilter, TieredCache } from '@tiercache/core';
import { invalidOption } from '../errors.js';

/**
 * The filters of each cache, by name. Keyed by the cache, not the application: a filter holds the
 * full keys of its own cache, so a method may only use a filter of the cache it reads.
 */
const byCache = new WeakMap<TieredCache, Map<string, AbsentKeyFilter>>();

export function bindFilter(cache: TieredCache, filter: AbsentKeyFilter): void {
  const filters = byCache.get(cache) ?? new Map<string, AbsentKeyFilter>();
  byCache.set(cache, filters.set(filter.name, filter));
}

export function unbindFilter(cache: TieredCache, filter: AbsentKeyFilter): void {
  if (byCache.get(cache)?.get(filter.name) === filter) byCache.get(cache)!.delete(filter.name);
}

/** The filter named `name` on `cache`; `where` names the option for the error. */
export function filterOn(cache: TieredCache, name: string, where: string): AbsentKeyFilter {
  const filter = byCache.get(cache)?.get(name);
  if (filter === undefined) {
    const known = [...(byCache.get(cache)?.keys() ?? [])];
    throw invalidOption(
      where,
      `no absent-key filter "${name}" is registered on this method's cache (registered there: ${known.join(', ') || 'none'}); ` +
        'add AbsentKeysModule.register({ name, cache, expectedItems }) for the same cache',
    );
  }
  return filter;
}
