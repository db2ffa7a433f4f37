import { Logger } from '@nestjs/common';
import { type EntryOptions, type WriteOptions } from '@tiercache/core';
import { invalidOption } from '../errors.js';
import { CACHEABLE_METADATA, CACHE_PUT_METADATA, CACHE_TAGS_METADATA, INVALIDATE_ON_METADATA } from '../cache.constants.js';
import { checkInvalidateOn, type InvalidateOn, type InvalidateOnMetadata } from './invalidate-on.js';
import { CACHE_PUT_SHAPE, DECORATOR_SHAPE } from '../options/shapes.js';
import { filterOn } from '../absent-keys/filter-binding.js';
import { sourceFor } from './cache-binding.js';
import {
  appendMetadata,
  checkDecoratorKeys,
  checkFunction,
  checkKeySpec,
  defaultKeyError,
  keyOf,
  optionPath,
  replaceMethod,
  type DecoratedMethod,
  type KeySpec,
} from './method-binding.js';

import type { AsyncMethod, AsyncMethodDecorator } from './decorator-types.js';

export type { AsyncMethod, AsyncMethodDecorator } from './decorator-types.js';

/**
 * A duration, or a function of the method's result and arguments (adaptive TTL). A function's bad
 * return value (negative, NaN, not a number, over `maxTtl`) is an E_INVALID_TTL fault: the caller
 * still gets the result, which is not cached, and the error is logged and counted. (The arguments
 * are typed loosely, as TagSpec's: a tuple after `result` would make TypeScript infer the method's
 * parameters from this function and reject a `key` function that takes them.)
 */
export type DurationSpec<R> = number | ((result: R, ...args: any[]) => number);

export interface CacheableOptions<A extends unknown[], R> extends Omit<EntryOptions, 'ttl' | 'l1Ttl' | 'grace'> {
  /** Default: the class name, the method name and the arguments. */
  key?: KeySpec<A>;
  ttl?: DurationSpec<R>;
  l1Ttl?: DurationSpec<R>;
  grace?: DurationSpec<R>;
  /** Evaluated before the call: false bypasses the cache entirely. */
  condition?: (...args: A) => boolean;
  /** Evaluated on the result: true returns it without storing it. */
  unless?: (result: R, ...args: A) => boolean;
  /** A cache named in `CacheModule` options (`caches`); default: the default cache. */
  cache?: string;
  /**
   * An absent-key filter (`AbsentKeysModule`) of the same cache. `@Cacheable`: a key the filter has
   * never seen resolves to `null` without running the method (and is not cached). `@CachePut`: the
   * key is added to the filter once the method resolves.
   */
  absentKeys?: string;
  /**
   * Application events (`@nestjs/event-emitter`, with `CacheEventsModule` from
   * `@tiercache/nestjs/events`) that invalidate entries of this method's cache, on every instance:
   * each function maps the event's payload to tags, or to `{ tags, keys }`.
   */
  invalidateOn?: InvalidateOn;
}

const DURATIONS = ['ttl', 'l1Ttl', 'grace'] as const;

/** The cache entry options among a decorator's options (grace, timeouts, early refresh…), functions left out. */
function entryOptions(options: CacheableOptions<any[], unknown>): EntryOptions {
  const { key: _key, condition: _condition, unless: _unless, cache: _cache, absentKeys: _absentKeys, invalidateOn: _on, ...entry } = options;
  for (const field of DURATIONS) if (typeof entry[field] === 'function') delete entry[field];
  return entry as EntryOptions;
}

function checkOptions(decorator: string, options: CacheableOptions<never, never>): void {
  checkKeySpec(decorator, options.key);
  checkFunction(decorator, 'condition', options.condition);
  checkFunction(decorator, 'unless', options.unless);
  if (options.absentKeys !== undefined && (typeof options.absentKeys !== 'string' || options.absentKeys.length === 0)) {
    throw invalidOption(`${decorator}.absentKeys`, 'expected the name of an absent-key filter');
  }
}

type Durations = (result: unknown, ...args: unknown[]) => number;

/** The duration functions of a decorator bound to a call's arguments, as getOrSet takes them; undefined when every duration is fixed. */
function durationFunctions(
  options: CacheableOptions<any[], unknown>,
): ((args: readonly unknown[]) => Partial<Record<(typeof DURATIONS)[number], (value: unknown) => number>>) | undefined {
  const given = DURATIONS.filter((field) => typeof options[field] === 'function');
  if (given.length === 0) return undefined;
  return (args) => Object.fromEntries(given.map((field) => [field, (value: unknown) => (options[field] as Durations)(value, ...args)]));
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
  checkOptions('@Cacheable', options as CacheableOptions<never, never>);
  const stored = entryOptions(options as CacheableOptions<any[], unknown>);
  const computed = durationFunctions(options as CacheableOptions<any[], unknown>);
  return (target, propertyKey, descriptor) => {
    const original = descriptor.value as unknown as AsyncMethod<A, R>;
    const className = target.constructor.name;
    const method = `${className}.${String(propertyKey)}`;
    checkDecoratorKeys('@Cacheable', method, options, DECORATOR_SHAPE);
    checkInvalidateOn(method, options.invalidateOn);
    // Frozen, so the cache resolves and validates it once, not on every call.
    const callOptions = Object.freeze({ ...stored, label: method });
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
      const filter = options.absentKeys === undefined ? undefined : filterOn(cache, options.absentKeys, `${optionPath('@Cacheable', method)}.absentKeys`);
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
        computed === undefined ? callOptions : { ...callOptions, ...computed(callArgs) },
      );
      // Before the load, an invalid-argument error can only be the key's: say which argument. An
      // explicit key keeps the hot path free of the extra promise.
      if (options.key !== undefined) return result;
      return result.catch((error: unknown) => {
        throw loaded ? error : defaultKeyError(method, callArgs, error);
      });
    };
    replaceMethod(descriptor, wrapper);
    const metadata: DecoratedMethod = {
      decorator: '@Cacheable',
      method,
      cache: options.cache,
      entry: stored,
      defaultKey: options.key === undefined,
      absentKeys: options.absentKeys,
    };
    appendMetadata(CACHEABLE_METADATA, metadata, descriptor.value as object);
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
  checkOptions('@CachePut', options as CacheableOptions<never, never>);
  const stored = entryOptions(options as CacheableOptions<any[], unknown>);
  const computed = durationFunctions(options as CacheableOptions<any[], unknown>);
  return (target, propertyKey, descriptor) => {
    const original = descriptor.value as unknown as AsyncMethod<A, R>;
    const className = target.constructor.name;
    const method = `${className}.${String(propertyKey)}`;
    checkDecoratorKeys('@CachePut', method, options, CACHE_PUT_SHAPE);
    const tags = lazyTags(() => wrapper);
    // Without tags or computed durations every write has the same options: frozen, the cache
    // resolves and validates them once.
    let fixed: WriteOptions | undefined;
    const writeOptions = (callArgs: A, result: unknown): WriteOptions => {
      const specs = tags();
      if (computed === undefined && specs.length === 0) return (fixed ??= Object.freeze({ ...stored }));
      // A bad computed duration fails the write (E_INVALID_OPTION), logged by the caller: the result is still returned.
      const durations = computed === undefined ? {} : Object.fromEntries(Object.entries(computed(callArgs)).map(([field, fn]) => [field, fn(result)]));
      return { ...stored, ...durations, tags: tagsOf(specs, callArgs, result) };
    };
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
        await cache.set(key, result, writeOptions(callArgs, result));
        if (options.absentKeys !== undefined) await filterOn(cache, options.absentKeys, `${optionPath('@CachePut', method)}.absentKeys`).add(key);
      } catch (error) {
        const reason = options.key === undefined ? defaultKeyError(method, callArgs, error) : error;
        putLogger.error(`@CachePut on ${method} could not store its result: ${(reason as Error).message}`);
      }
      return result;
    };
    replaceMethod(descriptor, wrapper);
    const metadata: DecoratedMethod = {
      decorator: '@CachePut',
      method,
      cache: options.cache,
      entry: stored,
      defaultKey: options.key === undefined,
      absentKeys: options.absentKeys,
    };
    appendMetadata(CACHE_PUT_METADATA, metadata, descriptor.value as object);
  };
}
