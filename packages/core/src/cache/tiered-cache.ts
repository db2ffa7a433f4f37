import { ErrorCode, TiercacheError, invalidArgument } from '../errors.js';
import type { CacheEvents } from '../events/cache-events.js';
import { KeyMemo } from '../keys/key-memo.js';
import { buildKey, buildPattern, limitKeyLength, type CacheKey, type KeyPattern } from '../keys/key-builder.js';
import type { Found } from '../load/flights.js';
import type { Loader } from '../load/loader.js';
import { hasTtlFunctions, pinnedByCall, splitTtlFunctions, withTtlFunctions } from '../load/ttl-functions.js';
import { childLimits } from '../read/l1-budget.js';
import type { L1Record, L1State } from '../read/l1-store.js';
import { turnNow } from '../read/turn-clock.js';
import type { LockGuard, RedisLockProvider, RedisLockProviderOptions } from '../locks/redis-lock-provider.js';
import type { RedisClient, RedisHealth } from '../tiers/redis-tier.js';
import type { PreparedItem } from '../write/writer.js';
import { Engine, type EngineHooks } from './engine.js';
import {
  resolveEntryOptions,
  resolveOptions,
  type EntryOptions,
  type GetOrSetOptions,
  type ResolvedProfile,
  type TieredCacheOptions,
  type WriteOptions,
} from './options.js';
import type { CacheStatsSnapshot, CacheStatus, InvalidateOptions, NamespaceOptions, PurgeProgress, SetManyItem } from './cache-types.js';
import { CALL_OPTIONS } from './option-shapes.js';
import { readMany } from './read-many.js';
import { clear, deleteMatching, invalidateTags, purgeOtherVersions } from './removals.js';
import { Scope } from './scope.js';

/** Internal, not exported from the package: see `TieredCache[l2Guard]`. */
export const l2Guard = Symbol('l2Guard');

/** A child namespace's link to its parent's engine; only `namespace()` makes one. */
class ChildOf {
  constructor(
    readonly engine: Engine,
    readonly scope: Scope,
  ) {}
}

/**
 * A multi-tier cache: an in-process LRU (L1) over Redis (L2), with single-flight loading, negative
 * caching, tags, invalidation across instances, and Redis failures kept away from callers.
 *
 * @example
 * const cache = new TieredCache({ namespace: 'app', ttl: 60_000, l2: { redis: 'redis://localhost:6379' } });
 * const agent = await cache.getOrSet(['agent', id], () => db.findAgent(id), { tags: [`agent:${id}`] });
 * await cache.invalidateTags([`agent:${id}`]);
 */
export class TieredCache {
  readonly events: CacheEvents;
  readonly #engine: Engine;
  readonly #scope: Scope;
  readonly #keys: KeyMemo;

  constructor(options: TieredCacheOptions = {}, hooks?: EngineHooks) {
    if (hooks instanceof ChildOf) {
      this.#engine = hooks.engine;
      this.#scope = hooks.scope;
    } else {
      const resolved = resolveOptions(options);
      this.#engine = new Engine(resolved, hooks);
      this.#scope = Scope.root(resolved.prefix, resolved.defaults);
    }
    this.events = this.#engine.telemetry.events;
    const { prefix } = this.#scope;
    const { maxKeyLength } = this.#engine.options;
    this.#keys = new KeyMemo((key) => limitKeyLength(prefix, buildKey(key), maxKeyLength));
  }

  /** The Redis client of L2 (yours or the one Tiercache created), for health checks; undefined without L2. */
  get redisClient(): RedisClient | undefined {
    return this.#engine.l2?.inner.client;
  }

  /** Internal (write-behind): L2's breaker, for Redis work on this cache's own connection. */
  [l2Guard](): LockGuard | undefined {
    return this.#engine.l2Guard();
  }

  /**
   * A `RedisLockProvider` on L2's connection whose every command (acquire, renewal, release) goes
   * through this cache's circuit breaker: with Redis hung or skipped, `acquire` fails within about one
   * command timeout with E_LOCK_UNAVAILABLE, and a release Redis does not take lets the lease expire.
   * Undefined without L2. Close it yourself (before the cache).
   *
   * @example
   * const locks = cache.redisLocks({ keyPrefix: 'app:lock:' });
   * await locks?.withLock('nightly-report', () => buildReport());
   */
  redisLocks(options: Omit<RedisLockProviderOptions, 'client'> = {}): RedisLockProvider | undefined {
    return this.#engine.lockProvider(options);
  }

  /** The prefix of every key of this cache (namespace, version and child namespaces). */
  get prefix(): string {
    return this.#scope.prefix;
  }

  /** The full key a user key maps to in every tier. */
  keyFor(key: CacheKey): string {
    if (this.#engine.closed) throw new TiercacheError(ErrorCode.Closed, 'This cache was closed; create a new one.');
    if (typeof key === 'string') return this.#keys.get(key);
    return limitKeyLength(this.#scope.prefix, buildKey(key), this.#engine.options.maxKeyLength);
  }

  /**
   * Returns the cached value, or runs `loader` once for all concurrent callers of this key (in the
   * whole fleet, with Redis), stores its result and returns it. The loader's errors reach every
   * waiting caller. A call that starts after an invalidation never gets the value it invalidated.
   */
  getOrSet<T>(key: CacheKey, loader: Loader<T>, options?: GetOrSetOptions<T>): Promise<T> {
    // Not async: an L1 hit is one already-resolved promise and no async frame. Every check still
    // fails as a rejected promise.
    try {
      if (options === undefined) return this.#getOrSet(key, loader, undefined, undefined);
      CALL_OPTIONS.getOrSet.check(options, 'options');
      const profile = options.profile === undefined ? undefined : this.#scope.defaults.profiles.get(options.profile);
      // An unknown profile fails on a hit too: resolving the options throws the E_INVALID_OPTION that names it.
      if (options.profile !== undefined && profile === undefined) this.#scope.settings(options as WriteOptions, 'options.');
      if (profile?.functions !== undefined || hasTtlFunctions(options as GetOrSetOptions<never>)) {
        return this.#getOrSetAdaptive(key, loader, options, profile);
      }
      return this.#getOrSet(key, loader, options as GetOrSetOptions<never>, profile?.options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** `ttl`, `l1Ttl` or `grace` given as functions (or by the profile): applied to the loaded value (see ttl-functions.ts). */
  #getOrSetAdaptive<T>(key: CacheKey, loader: Loader<T>, options: GetOrSetOptions<T>, profile: ResolvedProfile | undefined): Promise<T> {
    if (typeof loader !== 'function') throw invalidArgument('loader', 'expected a function');
    const { fixed, functions } = splitTtlFunctions(options as GetOrSetOptions<never>, profile?.functions);
    const resolved = this.#scope.settings(fixed as WriteOptions, 'options.');
    const pinned = pinnedByCall(fixed, resolved.profiles, resolved);
    const sink = { telemetry: this.#engine.telemetry, logger: this.#engine.options.logger, label: options.label };
    return this.#getOrSet(key, withTtlFunctions(loader, functions, pinned, sink), fixed, profile?.options);
  }

  /** `profile`: the fixed options of the profile the call names, for the hit path's early-refresh check. May throw. */
  #getOrSet<T>(key: CacheKey, loader: Loader<T>, options: GetOrSetOptions<never> | undefined, profile: EntryOptions | undefined): Promise<T> {
    const fullKey = this.keyFor(key);
    const { l1, telemetry, loads } = this.#engine;
    const now = turnNow();
    const record = l1?.get(fullKey, now);
    // The hit path: no allocation, the turn's clock (see turnNow), fields of one fixed shape.
    const state = record === undefined ? undefined : l1!.classify(fullKey, record, now);
    const label = options?.label;
    const defaults = this.#scope.defaults;
    if (state === 'fresh') {
      telemetry.hit(fullKey, 'l1', label);
      // Early refresh is opt-in: the common hit resolves no options at all.
      const refreshAhead = options?.refreshAhead ?? profile?.refreshAhead ?? defaults.refreshAhead;
      if (refreshAhead > 0 || (options?.earlyRefreshBeta ?? profile?.earlyRefreshBeta ?? defaults.earlyRefreshBeta) > 0) {
        const settings = this.#scope.settings(options as WriteOptions, 'options.');
        if (loads.refreshDue(record!, settings, now)) loads.refresh(this.#scope, fullKey, settings, loader as Loader<unknown>, label, record!);
      }
      return Promise.resolve((record!.slowRead ? l1!.read(record!) : record!.value) as T);
    }
    return this.#getOrLoad(fullKey, record, state, now, loader, options);
  }

  /** Past an L1 hit: a stale L1 copy served while it refreshes, or a flight to L2 and the loader. May throw. */
  #getOrLoad<T>(fullKey: string, record: L1Record | undefined, state: L1State | undefined, now: number, loader: Loader<T>, options: GetOrSetOptions<never> | undefined): Promise<T> {
    const { l1, telemetry, loads } = this.#engine;
    const label = options?.label;
    if (typeof loader !== 'function') throw invalidArgument('loader', 'expected a function');
    const settings = this.#scope.settings(options as WriteOptions, 'options.');
    let fallback;
    if (state === 'stale' && settings.grace > 0 && now < record!.expiresAt + settings.grace) {
      if (settings.softTimeout <= 0) {
        // Stale-while-revalidate from L1: answer now, refresh once in the background.
        loads.refresh(this.#scope, fullKey, settings, loader as Loader<unknown>, label, record!);
        telemetry.staleServed(fullKey, 'grace', label);
        return Promise.resolve(l1!.read(record!) as T);
      }
      // With a soft timeout the caller waits that long for a fresh value, then takes the stale one.
      fallback = loads.fallbackOf(record!);
    }
    const request = { loader: loader as Loader<unknown>, label, fallback };
    return this.#engine.flights.valueOf(fullKey, () => loads.start(this.#scope, fullKey, settings, request)) as Promise<T>;
  }

  /** The cached value, or undefined on a miss (use `has` or `getMany` to tell a cached undefined apart). */
  async get<T>(key: CacheKey, options?: EntryOptions): Promise<T | undefined> {
    if (options !== undefined) CALL_OPTIONS.entry.check(options, 'options');
    return (await this.#find(this.keyFor(key), options))?.value as T | undefined;
  }

  async has(key: CacheKey): Promise<boolean> {
    return (await this.#find(this.keyFor(key), undefined)) !== undefined;
  }

  /** Found entries only, keyed by the key as given (parts are keyed by their built string). */
  async getMany<T>(keys: readonly CacheKey[], options?: EntryOptions): Promise<Map<string, T>> {
    if (!Array.isArray(keys)) throw invalidArgument('keys', 'expected an array of keys');
    if (options !== undefined) CALL_OPTIONS.entry.check(options, 'options');
    return readMany(this.#engine, this.#scope, keys, (key) => this.keyFor(key), options);
  }

  /** Stores `value` in every tier. Throws E_SERIALIZATION, leaving the old entry intact, if it cannot be cached. */
  set<T>(key: CacheKey, value: T, options?: WriteOptions): Promise<void> {
    // Not async, for one frame less per write; a bad key, option or value still fails as a rejection.
    try {
      return this.#engine.writer.set([this.#prepareWrite(key, value, options, 'options.')]);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Validates every item first: if one cannot be cached, nothing is written. L2 writes are pipelined. */
  async setMany(items: readonly SetManyItem[]): Promise<void> {
    if (!Array.isArray(items)) throw invalidArgument('items', 'expected an array of { key, value, options? }');
    const prepared = items.map((item, i) => {
      if (typeof item !== 'object' || item === null) throw invalidArgument(`items[${i}]`, 'expected { key, value, options? }');
      return this.#prepareWrite(item.key, item.value, item.options, `items[${i}].options.`);
    });
    await this.#engine.writer.set(prepared);
  }

  /** `path` names the options in errors. */
  #prepareWrite(key: CacheKey, value: unknown, options: WriteOptions | undefined, path: string): PreparedItem {
    const { writer, clock } = this.#engine;
    const fullKey = this.keyFor(key);
    if (options !== undefined) CALL_OPTIONS.write.check(options, path.slice(0, -1));
    return { key: fullKey, prepared: writer.prepare(this.#scope, fullKey, value, this.#scope.settings(options, path), clock.stamp()) };
  }

  async delete(key: CacheKey): Promise<void> {
    await this.#engine.writer.remove([this.keyFor(key)]);
  }

  async deleteMany(keys: readonly CacheKey[]): Promise<void> {
    if (!Array.isArray(keys)) throw invalidArgument('keys', 'expected an array of keys');
    await this.#engine.writer.remove(keys.map((key) => this.keyFor(key)));
  }

  /**
   * Invalidates every entry of this namespace carrying any of `tags`, in every tier and on every
   * instance. One write per tag, however many entries carry it.
   */
  async invalidateTags(tags: readonly string[], options: InvalidateOptions = {}): Promise<void> {
    this.keyFor('tags');
    await invalidateTags(this.#engine, this.#scope, tags, options);
  }

  /**
   * Removes every entry of this namespace (and its child namespaces) from every tier and instance.
   * A clear mark makes them unreachable at once, so no read racing with the clear can bring one
   * back; then L1 and Redis are emptied (SCAN + UNLINK, never KEYS).
   */
  async clear(): Promise<void> {
    this.keyFor('clear');
    await clear(this.#engine, this.#scope);
  }

  /**
   * Deletes the keys of this namespace matching a pattern, from L2 (SCAN + UNLINK in batches) and
   * from every instance's L1, and returns how many were deleted (from L2 when there is one). Give
   * the pattern as the parts of the keys, with globs in string parts (`['tasks', 'agent', 42, '*']`),
   * or as a Redis glob over string keys as written (`'tasks:agent:*'`). A string pattern with a
   * segment that reads as a number, boolean or null fails with E_INVALID_ARGUMENT: it would miss
   * every key built from parts with that value.
   */
  async deleteByPattern(pattern: KeyPattern): Promise<number> {
    const glob = buildPattern(pattern);
    this.keyFor('pattern');
    return deleteMatching(this.#engine, this.#scope, glob);
  }

  /**
   * After `version` changed, deletes from Redis the keys of this namespace written under any other
   * version, in the background (SCAN + UNLINK), reporting progress. Entries of other versions are
   * unreachable already; this only frees their memory. With a Redis node skipped by the circuit
   * breaker nothing is sent and `{ scanned: 0, deleted: 0 }` comes back: call it again once L2 is back.
   */
  async purgeOtherVersions(onProgress?: (progress: PurgeProgress) => void): Promise<PurgeProgress> {
    return purgeOtherVersions(this.#engine, onProgress);
  }

  /**
   * A view of this cache under a child prefix, sharing its tiers and connections. `defaults`
   * override this cache's entry options for the child.
   *
   * @example
   * const tenants = cache.namespace('tenants', undefined, { l1PerChild: { maxBytes: 8 * 1024 * 1024 } });
   * const acme = tenants.namespace('acme'); // at most 8 MiB of L1, whatever the other tenants do
   */
  namespace(name: string, defaults?: EntryOptions, options?: NamespaceOptions): TieredCache {
    if (typeof name !== 'string' || name.length === 0) throw invalidArgument('namespace name', 'expected a non-empty string');
    if (defaults !== undefined) CALL_OPTIONS.entry.check(defaults, 'defaults');
    if (options !== undefined) CALL_OPTIONS.namespace.check(options, 'options');
    const budget = options?.l1PerChild === undefined ? undefined : childLimits(options.l1PerChild);
    const scope = this.#scope.child(name, resolveEntryOptions(defaults, this.#scope.defaults, 'defaults.'));
    if (budget !== undefined) this.#engine.l1?.partition(scope.prefix, budget);
    return new TieredCache(undefined, new ChildOf(this.#engine, scope) as EngineHooks);
  }

  stats(): CacheStatsSnapshot {
    const stats = this.#engine.telemetry.stats;
    const reads = stats.hitsL1 + stats.hitsL2 + stats.misses;
    return { ...stats, hitRate: reads === 0 ? 0 : (stats.hitsL1 + stats.hitsL2) / reads };
  }

  /** L1 fill level and L2 state, for health checks. */
  status(): CacheStatus {
    return this.#engine.status();
  }

  /**
   * PING and INFO memory on every Redis node behind L2 (and CLUSTER INFO on a cluster), each bounded
   * by `timeoutMs`, for health checks. Never throws; undefined without L2.
   */
  async l2Health(timeoutMs = 1_000): Promise<RedisHealth | undefined> {
    return this.#engine.l2?.inner.health(timeoutMs);
  }

  /**
   * Resolves true once L2 is usable and the invalidation bus subscribed; false as soon as a
   * connection attempt fails, or after `timeoutMs` (the cache works meanwhile, without them).
   * Never throws.
   */
  ready(timeoutMs = 2_000): Promise<boolean> {
    return this.#engine.ready(timeoutMs);
  }

  /** Closes the connections this cache created (never a client you passed in). Idempotent. */
  async close(): Promise<void> {
    await this.#engine.close();
  }

  async #find(fullKey: string, options: EntryOptions | undefined): Promise<Found | undefined> {
    const { l1, telemetry, loads } = this.#engine;
    const record = l1?.fresh(fullKey);
    if (record !== undefined) {
      telemetry.hit(fullKey, 'l1');
      return { value: l1!.read(record), createdAt: record.createdAt, marks: record.marks };
    }
    const settings = this.#scope.settings(options, 'options.');
    return this.#engine.flights.joinOrStart(fullKey, () => loads.start(this.#scope, fullKey, settings), true);
  }
}
