import type { AbsentKeyFilter, EntryOptions, TieredCache, WriteOptions } from '@tiercache/core';
import { filterOn } from '../absent-keys/filter-binding.js';
import { invalidOption } from '../errors.js';
import { checkFunction, checkKeySpec, optionPath, type DecoratedMethod, type KeySpec } from './method-binding.js';

/**
 * A duration, or a function of the method's result and arguments (adaptive TTL). A function's bad
 * return value (negative, NaN, not a number, over `maxTtl`) is an E_INVALID_TTL fault: the caller
 * still gets the result, which is not cached, and the error is logged and counted. (The arguments
 * are typed loosely, as TagSpec's: a tuple after `result` would make TypeScript infer the method's
 * parameters from this function and reject a `key` function that takes them.)
 */
export type DurationSpec<R> = number | ((result: R, ...args: any[]) => number);

/** The options of a decorator that stores a method's result: `@Cacheable`, `@CachePut`. */
export interface StoredResultOptions<A extends unknown[], R> extends Omit<EntryOptions, 'ttl' | 'l1Ttl' | 'grace'> {
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
}

const DURATIONS = ['ttl', 'l1Ttl', 'grace'] as const;
type DurationField = (typeof DURATIONS)[number];
type Durations = (result: unknown, ...args: unknown[]) => number;

/**
 * What `@Cacheable` and `@CachePut` share about the result they store, worked out once when the
 * decorator is applied: the checked options, the fixed entry options, the durations given as
 * functions, the absent-key filter and the metadata the explorer validates.
 */
export class StoredResult {
  /** The cache entry options among the decorator's (grace, timeouts, early refresh…), functions left out. */
  readonly entry: EntryOptions;
  readonly #computed: readonly DurationField[];
  #fixedWrite: WriteOptions | undefined;

  constructor(
    readonly decorator: '@Cacheable' | '@CachePut',
    /** `invalidateOn`: `@Cacheable`'s, not an entry option either. */
    private readonly options: StoredResultOptions<any[], unknown> & { invalidateOn?: unknown },
  ) {
    checkKeySpec(decorator, options.key);
    checkFunction(decorator, 'condition', options.condition);
    checkFunction(decorator, 'unless', options.unless);
    if (options.absentKeys !== undefined && (typeof options.absentKeys !== 'string' || options.absentKeys.length === 0)) {
      throw invalidOption(`${decorator}.absentKeys`, 'expected the name of an absent-key filter');
    }
    const { key: _key, condition: _condition, unless: _unless, cache: _cache, absentKeys: _absentKeys, invalidateOn: _on, ...entry } = options;
    for (const field of DURATIONS) if (typeof entry[field] === 'function') delete entry[field];
    this.entry = entry as EntryOptions;
    this.#computed = DURATIONS.filter((field) => typeof options[field] === 'function');
  }

  /** The duration functions bound to a call's arguments, as getOrSet takes them; undefined when every duration is fixed. */
  durationFunctions(args: readonly unknown[]): Partial<Record<DurationField, (value: unknown) => number>> | undefined {
    if (this.#computed.length === 0) return undefined;
    return Object.fromEntries(this.#computed.map((field) => [field, (value: unknown) => (this.options[field] as Durations)(value, ...args)]));
  }

  /**
   * The options `set` takes for a result, with the durations given as functions worked out. Without
   * tags or computed durations every write has the same options: one frozen object, which the cache
   * resolves and validates once. A bad computed duration throws E_INVALID_OPTION.
   */
  writeOptions(args: readonly unknown[], result: unknown, tags: readonly string[]): WriteOptions {
    if (this.#computed.length === 0 && tags.length === 0) return (this.#fixedWrite ??= Object.freeze({ ...this.entry }));
    const durations = Object.fromEntries(this.#computed.map((field) => [field, (this.options[field] as Durations)(result, ...args)]));
    return { ...this.entry, ...durations, tags };
  }

  /** The absent-key filter the options name on `cache`, if any; throws E_INVALID_OPTION when it isn't there. */
  filterOn(cache: TieredCache, method: string): AbsentKeyFilter | undefined {
    const name = this.options.absentKeys;
    return name === undefined ? undefined : filterOn(cache, name, `${optionPath(this.decorator, method)}.absentKeys`);
  }

  metadata(method: string): DecoratedMethod {
    const { cache, key, absentKeys } = this.options;
    return { decorator: this.decorator, method, cache, entry: this.entry, defaultKey: key === undefined, absentKeys };
  }
}
