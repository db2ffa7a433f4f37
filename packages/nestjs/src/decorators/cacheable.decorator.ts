import { Logger } from '@nestjs/common';
import { invalidOption } from '../errors.js';
import { CACHEABLE_METADATA, CACHE_PUT_METADATA, CACHE_TAGS_METADATA, INVALIDATE_ON_METADATA } from '../cache.constants.js';
import { checkInvalidateOn, type InvalidateOn, type InvalidateOnMetadata } from './invalidate-on.js';
import { CACHE_PUT_SHAPE, DECORATOR_SHAPE } from '../options/shapes.js';
import { sourceFor } from './cache-binding.js';
import { appendMetadata, checkDecoratorKeys, defaultKeyError, keyOf, replaceMethod } from './method-binding.js';
import { StoredResult, type StoredResultOptions } from './stored-result.js';

import type { AsyncMethod, AsyncMethodDecorator } from './decorator-types.js';

export type { AsyncMethod, AsyncMethodDecorator } from './decorator-types.js';

export type { DurationSpec } from './stored-result.js';

export interface CacheableOptions<A extends unknown[], R> extends StoredResultOptions<A, R> {
  /**
   * Application events (`@nestjs/event-emitter`, with `CacheEventsModule` from
   * `@tiercache/nestjs/events`) that invalidate entries of this method's cache, on every instance:
   * each function maps the event's payload to tags, or to `{ tags, keys }`.
   */
  invalidateOn?: InvalidateOn;
}

/**
 * A tag: fixed, or computed from the method's arguments followed by its result, e.g.
 * `(id: number) => \`agent:${id}\`` or `(limit: number, rows: Row[]) => rows.map(…)`. (A tuple type
 * can't tell TypeScript where the arguments end and the result begins, so these are typed loosely.)
 */
export type TagSpec = string | ((...argsThenResult: any[]) => string | readonly string[]);

function tagsOf(specs: readonly TagSpec[], args: readonly unknown[], result: unknown): string[] {
  return specs.flatMap((spec) => (typeof spec === 'string' ? [spec] : spec(...args, result)));
}

/**
 * Tags what `@Cacheable` (or `@CachePut`) stores, for `@CacheEvict({ tags })` and
 * `cache.invalidateTags()`. Stack it with them, above or below; several accumulate.
 *
 * @example
 * @Cacheable({ key: (id: number) => ['stats', id] })
 * @CacheTags('leaderboard', (id: number) => `agent:${id}`)
 * async statsFor(id: number): Promise<Stats> { ... }
 */
export function CacheTags(...tags: TagSpec[]): AsyncMethodDecorator<any[], any> {
  for (const tag of tags) {
    if (typeof tag === 'function') continue;
    if (typeof tag !== 'string' || tag.length === 0) {
      throw invalidOption('@CacheTags', 'expected non-empty strings or functions of the arguments and result');
    }
  }
  return (_target, _propertyKey, descriptor) => {
    for (const tag of tags) appendMetadata(CACHE_TAGS_METADATA, tag, descriptor.value as object);
  };
}

/** The tags stacked on a method, read once on its first call, when every decorator has run. */
function lazyTags(method: () => object): () => readonly TagSpec[] {
  let tags: readonly TagSpec[] | undefined;
  return () => (tags ??= (Reflect.getMetadata(CACHE_TAGS_METADATA, method()) as TagSpec[] | undefined) ?? []);
}

/**
 * Caches what an async method resolves to. Concurrent calls with the same key share one
 * execution; `null` and `undefined` results are cached too (see `negativeTtl`).
 *
 * @example
 * @Cacheable({ key: (id: number) => ['agent', id], ttl: 30_000 })
 * async findAgent(id: number): Promise<Agent | null> { ... }
 */
export function Cacheable<A extends unknown[] = any[], R = any>(options: CacheableOptions<A, R> = {}): AsyncMethodDecorator<A, R> {
  const stored = new StoredResult('@Cacheable', options as CacheableOptions<any[], unknown>);
  return (target, propertyKey, descriptor) => {
    const original = descriptor.value as unknown as AsyncMethod<A, R>;
    const className = target.constructor.name;
    const method = `${className}.${String(propertyKey)}`;
    checkDecoratorKeys('@Cacheable', method, options, DECORATOR_SHAPE);
    checkInvalidateOn(method, options.invalidateOn);
    // Frozen, so the cache resolves and validates it once, not on every call.
    const callOptions = Object.freeze({ ...stored.entry, label: method });
    const tags = lazyTags(() => wrapper);
    // Not `async`: the hit path returns getOrSet's promise itself, without another frame and promise
    // around it; errors thrown before it still reach the caller as a rejection.
    const wrapper = function (this: unknown, ...args: unknown[]): Promise<R> {
      try {
        return cached(this, args as A);
      } catch (error) {
        return Promise.reject(error);
      }
    };
    const cached = (self: unknown, callArgs: A): Promise<R> => {
      const source = sourceFor(self, method, '@Cacheable');
      if (options.condition && !options.condition(...callArgs)) return Promise.resolve(original.apply(self, callArgs));
      const cache = source.get(options.cache);
      const key = keyOf(options.key, [className, String(propertyKey)], callArgs);
      let loaded = false;
      const filter = stored.filterOn(cache, method);
      const durations = stored.durationFunctions(callArgs);
      const result = cache.getOrSet<R>(
        key,
        async (context) => {
          loaded = true;
          // Never seen by the filter: the method would find nothing, and the answer is not cached.
          if (filter !== undefined && !(await filter.mightContain(key))) {
            context.setOptions({ ttl: 0, negativeTtl: 0 });
            return null as R;
          }
          const value = await original.apply(self, callArgs);
          if (options.unless?.(value, ...callArgs)) context.setOptions({ ttl: 0, negativeTtl: 0 });
          else if (tags().length > 0) context.setOptions({ tags: tagsOf(tags(), callArgs, value) });
          return value;
        },
        durations === undefined ? callOptions : { ...callOptions, ...durations },
      );
      // Before the load, an invalid-argument error can only be the key's: say which argument. An
      // explicit key keeps the hot path free of the extra promise.
      if (options.key !== undefined) return result;
      return result.catch((error: unknown) => {
        throw loaded ? error : defaultKeyError(method, callArgs, error);
      });
    };
    replaceMethod(descriptor, wrapper);
    appendMetadata(CACHEABLE_METADATA, stored.metadata(method), descriptor.value as object);
    if (options.invalidateOn !== undefined) {
      const invalidation: InvalidateOnMetadata = { method, cache: options.cache, invalidateOn: options.invalidateOn };
      appendMetadata(INVALIDATE_ON_METADATA, invalidation, descriptor.value as object);
    }
  };
}

export type CachePutOptions<A extends unknown[], R> = Omit<CacheableOptions<A, R>, 'invalidateOn'>;

const putLogger = new Logger('Tiercache');

/**
 * Write-through: always runs the method, then stores its result under the key, so the next
 * `@Cacheable` read of that key gets it without a load. A result that cannot be cached is
 * returned anyway, and logged.
 *
 * @example
 * @CachePut({ key: (id: number) => ['agent', id] })
 * async rename(id: number, name: string): Promise<Agent> { ... }
 */
export function CachePut<A extends unknown[] = any[], R = any>(options: CachePutOptions<A, R> = {}): AsyncMethodDecorator<A, R> {
  const stored = new StoredResult('@CachePut', options as CachePutOptions<any[], unknown>);
  return (target, propertyKey, descriptor) => {
    const original = descriptor.value as unknown as AsyncMethod<A, R>;
    const className = target.constructor.name;
    const method = `${className}.${String(propertyKey)}`;
    checkDecoratorKeys('@CachePut', method, options, CACHE_PUT_SHAPE);
    const tags = lazyTags(() => wrapper);
    const wrapper = async function (this: unknown, ...args: unknown[]) {
      const callArgs = args as A;
      // Resolved before the method runs: an object without a cache fails before doing the work.
      const source = sourceFor(this, method, '@CachePut');
      const result = await original.apply(this, callArgs);
      if (options.condition && !options.condition(...callArgs)) return result;
      if (options.unless?.(result, ...callArgs)) return result;
      const key = keyOf(options.key, [className, String(propertyKey)], callArgs);
      try {
        const cache = source.get(options.cache);
        // A bad computed duration fails the write (E_INVALID_OPTION), logged below: the result is still returned.
        await cache.set(key, result, stored.writeOptions(callArgs, result, tagsOf(tags(), callArgs, result)));
        await stored.filterOn(cache, method)?.add(key);
      } catch (error) {
        const reason = options.key === undefined ? defaultKeyError(method, callArgs, error) : error;
        putLogger.error(`@CachePut on ${method} could not store its result: ${(reason as Error).message}`);
      }
      return result;
    };
    replaceMethod(descriptor, wrapper);
    appendMetadata(CACHE_PUT_METADATA, stored.metadata(method), descriptor.value as object);
  };
}
