import { ErrorCode, TiercacheError, type TieredCache } from '@tiercache/core';

/** Every TieredCache method that changes what the cache holds (getOrSet stores what it loads). */
const WRITES: ReadonlySet<PropertyKey> = new Set([
  'set',
  'setMany',
  'getOrSet',
  'delete',
  'deleteMany',
  'invalidateTags',
  'clear',
  'deleteByPattern',
  'purgeOtherVersions',
]);

/**
 * `ctx.cache` of a warmer: the warmer's cache, except that writes are refused (rejected with the
 * signal's reason, E_LOADER_TIMEOUT or E_LOCK_LOST) once the run's signal is aborted. A run that timed
 * out or lost its lock may still be going; without this, its late writes would land over the next
 * run's, or another instance's. Reads stay allowed. Child namespaces get the same guard.
 */
export function warmerCacheView(cache: TieredCache, signal: AbortSignal, warmer: string): TieredCache {
  return new Proxy(cache, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (property === 'namespace') {
        return (...args: unknown[]) => warmerCacheView(method.apply(target, args) as TieredCache, signal, warmer);
      }
      if (property === 'close') {
        return () =>
          Promise.reject(new TiercacheError(ErrorCode.InvalidArgument, `Warmer "${warmer}" cannot close ctx.cache: it belongs to the application.`));
      }
      if (WRITES.has(property)) {
        return (...args: unknown[]) => {
          if (signal.aborted) return Promise.reject(refused(warmer, property, signal.reason));
          return method.apply(target, args);
        };
      }
      // Private fields need the real cache as `this`.
      return method.bind(target);
    },
  });
}

function refused(warmer: string, property: PropertyKey, reason: unknown): Error {
  if (reason instanceof TiercacheError) return reason;
  return new TiercacheError(ErrorCode.Closed, `Warmer "${warmer}" run is over: ctx.cache.${String(property)} was refused.`, { cause: reason });
}
