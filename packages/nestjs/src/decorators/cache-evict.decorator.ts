import { type CacheKey, type InvalidationMode } from '@tiercache/core';
import { invalidOption } from '../errors.js';
import { CACHE_EVICT_METADATA } from '../cache.constants.js';
import type { AsyncMethodDecorator, AsyncMethod } from './cacheable.decorator.js';
import { sourceFor } from './cache-binding.js';
import {
  appendMetadata,
  checkDecoratorKeys,
  checkFunction,
  checkKeySpec,
  keyOf,
  replaceMethod,
  type DecoratedMethod,
  type KeySpec,
} from './method-binding.js';

const EVICT_SHAPE = Object.fromEntries(
  ['key', 'keys', 'tags', 'tagMode', 'allEntries', 'beforeInvocation', 'condition', 'cache'].map((key) => [key, true as const]),
);

export interface CacheEvictOptions<A extends unknown[]> {
  /** The key to evict, fixed or from the arguments. */
  key?: KeySpec<A>;
  /** Several keys to evict, from the arguments. */
  keys?: (...args: A) => readonly CacheKey[];
  /** Invalidate every entry carrying these tags (see `@CacheTags`). */
  tags?: readonly string[] | ((...args: A) => readonly string[]);
  /** `hard` (default): tagged entries are gone. `soft`: they are stale, still usable as a fallback. */
  tagMode?: InvalidationMode;
  /** Clear the whole cache (its namespace) instead of single keys. */
  allEntries?: boolean;
  /** Evict before the method runs (and even if it throws). Default: after it succeeds. */
  beforeInvocation?: boolean;
  condition?: (...args: A) => boolean;
  cache?: string;
}

/**
 * Removes entries when a method runs, by default after it succeeds. Stack several to evict from
 * several caches.
 *
 * @example
 * @CacheEvict({ key: (id: number) => ['agent', id] })
 * async suspend(id: number): Promise<void> { ... }
 */
export function CacheEvict<A extends unknown[] = any[]>(options: CacheEvictOptions<A>): AsyncMethodDecorator<A, unknown> {
  if (typeof options !== 'object' || options === null) throw invalidOption('@CacheEvict', 'expected an options object');
  checkKeySpec('@CacheEvict', options.key);
  checkFunction('@CacheEvict', 'keys', options.keys);
  checkFunction('@CacheEvict', 'condition', options.condition);
  if (options.tags !== undefined && !Array.isArray(options.tags) && typeof options.tags !== 'function') {
    throw invalidOption('@CacheEvict.tags', 'expected an array of tags or a function of the arguments');
  }
  if (options.key === undefined && options.keys === undefined && options.tags === undefined && options.allEntries !== true) {
    throw invalidOption('@CacheEvict', 'say what to evict: `key`, `keys`, `tags` or `allEntries: true`');
  }
  return (target, propertyKey, descriptor) => {
    const original = descriptor.value as unknown as AsyncMethod<A, unknown>;
    const method = `${target.constructor.name}.${String(propertyKey)}`;
    checkDecoratorKeys('@CacheEvict', method, options, EVICT_SHAPE);
    const evict = async (self: unknown, args: A): Promise<void> => {
      if (options.condition && !options.condition(...args)) return;
      const cache = sourceFor(self, method, '@CacheEvict').get(options.cache);
      if (options.allEntries) return cache.clear();
      const keys = options.keys ? [...options.keys(...args)] : [];
      if (options.key !== undefined) keys.push(keyOf(options.key, [], args));
      const tags = typeof options.tags === 'function' ? options.tags(...args) : options.tags;
      await Promise.all([
        keys.length > 0 ? cache.deleteMany(keys) : undefined,
        tags !== undefined && tags.length > 0 ? cache.invalidateTags(tags, { mode: options.tagMode }) : undefined,
      ]);
    };
    replaceMethod(descriptor, async function (this: unknown, ...args: unknown[]) {
      const callArgs = args as A;
      // An object without a cache fails before doing the work, not after.
      sourceFor(this, method, '@CacheEvict');
      if (options.beforeInvocation) await evict(this, callArgs);
      const result = await original.apply(this, callArgs);
      if (!options.beforeInvocation) await evict(this, callArgs);
      return result;
    });
    const metadata: DecoratedMethod = { decorator: '@CacheEvict', method, cache: options.cache };
    appendMetadata(CACHE_EVICT_METADATA, metadata, descriptor.value as object);
  };
}
