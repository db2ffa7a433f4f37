import { ErrorCode, TiercacheError, invalidArgument } from '../errors.js';
import { CacheEvents, emptyStats, type CacheStats, type TierName } from '../events/cache-events.js';
import { NAMESPACE_SEPARATOR, buildKey, encodeName, escapeGlob, limitKeyLength, type CacheKey } from '../keys/key-builder.js';
import { EntryCodec } from '../serialization/entry-codec.js';
import type { CacheEntry } from '../tiers/cache-entry.js';
import { MemoryTier } from '../tiers/memory-tier.js';
import { RedisTier } from '../tiers/redis-tier.js';
import { ResilientTier } from '../tiers/resilient-tier.js';
import type { TierItem } from '../tiers/tier.js';
import { snapshot } from '../values/snapshot.js';
import {
  resolveEntryOptions,
  resolveOptions,
  type EntryOptions,
  type GetOrSetOptions,
  type ResolvedEntryOptions,
  type ResolvedOptions,
  type TieredCacheOptions,
} from './options.js';

export interface LoaderContext {
  /** The full key being loaded, prefix included. */
  readonly key: string;
  /**
   * Changes how the value being loaded is stored, once it is known: a TTL that depends on the value,
   * or `{ ttl: 0, negativeTtl: 0 }` to return it without caching it.
   */
  setOptions(options: EntryOptions): void;
}

/** Produces the value for a missing key; its errors reach the caller unchanged. */
export type Loader<T> = (context: LoaderContext) => T | Promise<T>;

export interface SetManyItem<T = unknown> {
  key: CacheKey;
  value: T;
  options?: EntryOptions;
}

/** Counters plus the overall hit rate (0–1, or 0 before the first read). */
export interface CacheStatsSnapshot extends CacheStats {
  hitRate: number;
}

interface MemoryRecord extends CacheEntry {
  readonly size: number;
  readonly cloneOnRead: boolean;
}

/** A hit, boxed so that a cached `undefined` is never mistaken for a miss. */
interface Found {
  readonly value: unknown;
}

/** One L2 read (and, when `loads`, loader run) shared by every concurrent caller of a key. */
interface Flight {
  promise: Promise<Found | undefined>;
  readonly loads: boolean;
  /** Set when the key is written or deleted meanwhile: the flight's result must not be stored. */
  invalidated: boolean;
}

interface Prepared {
  readonly record: MemoryRecord | undefined;
  readonly l1TtlMs: number;
  readonly l2Item: TierItem<string> | undefined;
  /** What callers get: the frozen L1 value in mutation-safe mode, else the value itself. */
  readonly value: unknown;
}

/** State shared by a cache and all of its child namespaces. */
class CacheStack {
  readonly events = new CacheEvents();
  readonly stats = emptyStats();
  readonly l1: MemoryTier<MemoryRecord> | undefined;
  readonly l2: ResilientTier | undefined;
  readonly codec: EntryCodec;
  readonly flights = new Map<string, Flight>();
  readonly mutationSafe: boolean;
  /** Bumped by any invalidation; a bulk read that spans one does not fill L1. */
  epoch = 0;
  /** Bumped by invalidations wider than one key (clear, patterns). */
  wideEpoch = 0;
  closed = false;
  #serializationWarned = false;

  constructor(readonly options: ResolvedOptions) {
    this.mutationSafe = options.l1 !== false && options.l1.mutationSafe;
    this.codec = new EntryCodec({
      serializer: options.serializer,
      compressAbove: options.l2 === false ? false : options.l2.compressAbove,
    });
    if (options.l1 !== false) {
      this.l1 = new MemoryTier<MemoryRecord>({
        maxEntries: options.l1.maxEntries,
        maxBytes: options.l1.maxBytes,
        sizeOf: (record) => record.size,
        onEvict: (key) => {
          this.stats.evictions++;
          this.events.emit('eviction', { key });
        },
      });
    }
    if (options.l2 !== false) {
      this.l2 = new ResilientTier(
        new RedisTier(options.l2.redis),
        { breaker: options.l2.breaker, maxPendingWrites: options.l2.maxPendingWrites },
        this.events,
        this.stats,
        options.logger,
      );
    }
  }

  hit(key: string, tier: TierName, label?: string): void {
    if (tier === 'l1') this.stats.hitsL1++;
    else this.stats.hitsL2++;
    if (this.events.listenerCount('hit') > 0) this.events.emit('hit', { key, tier, label });
  }

  miss(key: string, label?: string): void {
    this.stats.misses++;
    if (this.events.listenerCount('miss') > 0) this.events.emit('miss', { key, label });
  }

  read(record: MemoryRecord): unknown {
    return record.cloneOnRead ? snapshot(record.value, 'copy').value : record.value;
  }

  /** Reads and decodes L2; a malformed entry is counted and reads as a miss. */
  async readL2(key: string, now: number): Promise<CacheEntry | undefined> {
    if (this.l2 === undefined) return undefined;
    const raw = await this.l2.get(key);
    return raw === undefined ? undefined : this.decode(key, raw, now);
  }

  decode(key: string, raw: string, now: number): CacheEntry | undefined {
    const entry = this.codec.decode(raw);
    if (typeof entry === 'string') {
      this.stats.malformed++;
      this.events.emit('malformed', { key, reason: entry });
      return undefined;
    }
    return entry.expiresAt > now ? entry : undefined;
  }

  /** Copies an L2 entry into L1 and returns the value to hand out. */
  fillL1(key: string, entry: CacheEntry, rawLength: number, l1Ttl: number, now: number): unknown {
    if (this.l1 === undefined) return entry.value;
    const ttl = Math.min(l1Ttl, entry.expiresAt - now);
    // A freshly decoded value is ours alone: freezing it in place protects it without a copy.
    const snap = this.mutationSafe ? snapshot(entry.value, 'freeze') : undefined;
    const record: MemoryRecord = {
      ...entry,
      value: snap ? snap.value : entry.value,
      size: snap ? snap.size : rawLength * 2,
      cloneOnRead: snap ? snap.cloneOnRead : false,
    };
    if (ttl > 0) this.l1.set(key, record, ttl);
    return this.read(record);
  }

  /**
   * Validates and encodes before anything is written, so a value that cannot be cached throws
   * E_SERIALIZATION and leaves the old entry in place. Returns undefined when the options say the
   * value must not be cached (a zero TTL).
   */
  prepare(key: string, value: unknown, options: ResolvedEntryOptions, now: number): Prepared | undefined {
    let ttl = value === null || value === undefined ? options.negativeTtl : options.ttl;
    if (ttl <= 0) return undefined;
    if (options.jitter > 0) ttl = Math.max(1, Math.round(ttl * (1 - options.jitter * Math.random())));
    const entry: CacheEntry = { value, createdAt: now, expiresAt: now + ttl };
    let record: MemoryRecord | undefined;
    if (this.l1 !== undefined) {
      const snap = snapshot(value, this.mutationSafe ? 'copy' : 'measure');
      record = { ...entry, value: snap.value, size: snap.size, cloneOnRead: snap.cloneOnRead };
    }
    const l2Item = this.l2 === undefined ? undefined : { key, value: this.codec.encode(entry), ttlMs: ttl };
    return {
      record,
      l1TtlMs: Math.min(options.l1Ttl, ttl),
      l2Item,
      value: record === undefined ? value : this.read(record),
    };
  }

  async write(items: readonly { key: string; prepared: Prepared | undefined }[], now: number): Promise<void> {
    const l2Items: TierItem<string>[] = [];
    const dropped: string[] = [];
    for (const { key, prepared } of items) {
      if (prepared === undefined) {
        dropped.push(key);
        continue;
      }
      if (this.l1 !== undefined && prepared.record !== undefined) {
        if (prepared.l1TtlMs > 0) this.l1.set(key, prepared.record, prepared.l1TtlMs);
        else this.l1.delete([key]);
      }
      if (prepared.l2Item !== undefined) l2Items.push(prepared.l2Item);
    }
    this.stats.sets += items.length - dropped.length;
    await Promise.all([
      l2Items.length > 0 ? this.l2?.setMany(l2Items, now) : undefined,
      dropped.length > 0 ? this.remove(dropped) : undefined,
    ]);
    if (this.events.listenerCount('set') > 0) {
      for (const { key, prepared } of items) if (prepared !== undefined) this.events.emit('set', { key });
    }
  }

  /** Marks concurrent flights stale so that a result read or loaded before this change is not stored. */
  invalidate(keys: readonly string[]): void {
    this.epoch++;
    for (const key of keys) {
      const flight = this.flights.get(key);
      if (flight !== undefined) flight.invalidated = true;
    }
  }

  async remove(keys: readonly string[]): Promise<void> {
    this.invalidate(keys);
    this.l1?.delete(keys);
    await this.l2?.delete(keys);
    this.stats.deletes += keys.length;
    if (this.events.listenerCount('delete') > 0) for (const key of keys) this.events.emit('delete', { key });
  }

  async removeMatching(pattern: string): Promise<number> {
    this.epoch++;
    this.wideEpoch++;
    const fromL1 = (await this.l1?.deleteMatching(pattern)) ?? 0;
    const fromL2 = (await this.l2?.deleteMatching(pattern)) ?? 0;
    return Math.max(fromL1, fromL2);
  }

  /** Starts the one flight for `key`; `loader` absent means an L2 read only. */
  startFlight(key: string, options: ResolvedEntryOptions, loader?: Loader<unknown>, label?: string): Flight {
    const flight: Flight = { promise: Promise.resolve(undefined), loads: loader !== undefined, invalidated: false };
    this.flights.set(key, flight);
    flight.promise = this.#fly(key, flight, options, loader, label);
    return flight;
  }

  async #fly(
    key: string,
    flight: Flight,
    options: ResolvedEntryOptions,
    loader?: Loader<unknown>,
    label?: string,
  ): Promise<Found | undefined> {
    const wideEpoch = this.wideEpoch;
    const current = (): boolean => !flight.invalidated && wideEpoch === this.wideEpoch;
    try {
      const now = Date.now();
      const raw = this.l2 === undefined ? undefined : await this.l2.get(key);
      const entry = raw === undefined ? undefined : this.decode(key, raw, now);
      if (entry !== undefined && raw !== undefined) {
        this.hit(key, 'l2', label);
        // An invalidation that arrived while Redis answered wins: serve the answer, don't keep it.
        const value = current() ? this.fillL1(key, entry, raw.length, options.l1Ttl, Date.now()) : entry.value;
        return { value };
      }
      this.miss(key, label);
      if (loader === undefined) return undefined;
      let stored = options;
      const context: LoaderContext = {
        key,
        setOptions: (changes) => {
          stored = resolveEntryOptions(changes, stored, 'setOptions.');
        },
      };
      const value = await this.#runLoader(context, loader, label);
      if (!current()) return { value };
      return { value: await this.#store(key, value, stored) };
    } finally {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    }
  }

  async #runLoader(context: LoaderContext, loader: Loader<unknown>, label?: string): Promise<unknown> {
    const { key } = context;
    const started = performance.now();
    this.stats.loads++;
    try {
      const value = await loader(context);
      this.events.emit('load', { key, durationMs: performance.now() - started, label });
      return value;
    } catch (error) {
      this.stats.loadErrors++;
      this.events.emit('load', { key, durationMs: performance.now() - started, error, label });
      throw error;
    }
  }

  /** Stores a loaded value; one that cannot be cached is still returned, and the problem reported. */
  async #store(key: string, value: unknown, options: ResolvedEntryOptions): Promise<unknown> {
    const now = Date.now();
    let prepared: Prepared | undefined;
    try {
      prepared = this.prepare(key, value, options, now);
    } catch (error) {
      this.stats.errors++;
      this.events.emit('fault', { operation: 'serialize', error, key });
      if (!this.#serializationWarned) {
        this.#serializationWarned = true;
        this.options.logger.warn(`Tiercache: a loader for "${key}" returned a value that cannot be cached: ${(error as Error).message}`);
      }
      return value;
    }
    await this.write([{ key, prepared }], now);
    return prepared === undefined ? value : prepared.value;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.l2?.close();
    await this.l1?.close();
  }
}

let adopting: { stack: CacheStack; prefix: string; defaults: ResolvedEntryOptions } | undefined;

/**
 * A multi-tier cache: an in-process LRU (L1) over Redis (L2), with single-flight loading, negative
 * caching, and Redis failures kept away from callers.
 *
 * @example
 * const cache = new TieredCache({ namespace: 'app', ttl: 60_000, l2: { redis: 'redis://localhost:6379' } });
 * const user = await cache.getOrSet(['user', id], () => db.findUser(id));
 */
export class TieredCache {
  readonly events: CacheEvents;
  readonly #stack: CacheStack;
  readonly #prefix: string;
  readonly #defaults: ResolvedEntryOptions;

  constructor(options: TieredCacheOptions = {}) {
    if (adopting !== undefined) {
      ({ stack: this.#stack, prefix: this.#prefix, defaults: this.#defaults } = adopting);
      adopting = undefined;
    } else {
      const resolved = resolveOptions(options);
      this.#stack = new CacheStack(resolved);
      this.#prefix = resolved.prefix;
      this.#defaults = resolved.defaults;
    }
    this.events = this.#stack.events;
  }

  /** The prefix of every key of this cache (namespace, version and child namespaces). */
  get prefix(): string {
    return this.#prefix;
  }

  /** The full key a user key maps to in every tier. */
  keyFor(key: CacheKey): string {
    if (this.#stack.closed) throw new TiercacheError(ErrorCode.Closed, 'This cache was closed; create a new one.');
    return limitKeyLength(this.#prefix, buildKey(key), this.#stack.options.maxKeyLength);
  }

  /**
   * Returns the cached value, or runs `loader` once for all concurrent callers of this key in this
   * process, stores its result and returns it. The loader's errors reach every waiting caller.
   */
  async getOrSet<T>(key: CacheKey, loader: Loader<T>, options?: GetOrSetOptions): Promise<T> {
    const fullKey = this.keyFor(key);
    const stack = this.#stack;
    const record = stack.l1?.get(fullKey);
    if (record !== undefined) {
      stack.hit(fullKey, 'l1', options?.label);
      return stack.read(record) as T;
    }
    if (typeof loader !== 'function') throw invalidArgument('loader', 'expected a function');
    const resolved = resolveEntryOptions(options, this.#defaults, 'options.');
    for (;;) {
      const flight = stack.flights.get(fullKey);
      if (flight === undefined) break;
      const found = await flight.promise;
      // A read-only flight that missed ends before we loop, so the next pass starts the load.
      if (found !== undefined) return found.value as T;
    }
    const found = await stack.startFlight(fullKey, resolved, loader as Loader<unknown>, options?.label).promise;
    return found!.value as T;
  }

  /** The cached value, or undefined on a miss (use `has` or `getMany` to tell a cached undefined apart). */
  async get<T>(key: CacheKey, options?: EntryOptions): Promise<T | undefined> {
    return (await this.#find(this.keyFor(key), options))?.value as T | undefined;
  }

  async has(key: CacheKey): Promise<boolean> {
    return (await this.#find(this.keyFor(key), undefined)) !== undefined;
  }

  /** Found entries only, keyed by the key as given (parts are keyed by their built string). */
  async getMany<T>(keys: readonly CacheKey[], options?: EntryOptions): Promise<Map<string, T>> {
    const stack = this.#stack;
    const resolved = resolveEntryOptions(options, this.#defaults, 'options.');
    const found = new Map<string, T>();
    const missing: { userKey: string; fullKey: string }[] = [];
    for (const key of keys) {
      const userKey = typeof key === 'string' ? key : buildKey(key);
      const fullKey = this.keyFor(key);
      const record = stack.l1?.get(fullKey);
      if (record === undefined) {
        missing.push({ userKey, fullKey });
      } else {
        stack.hit(fullKey, 'l1');
        found.set(userKey, stack.read(record) as T);
      }
    }
    if (missing.length === 0 || stack.l2 === undefined) {
      for (const { fullKey } of missing) stack.miss(fullKey);
      return found;
    }
    const epoch = stack.epoch;
    const raws = await stack.l2.getMany(missing.map((item) => item.fullKey));
    const now = Date.now();
    missing.forEach(({ userKey, fullKey }, i) => {
      const raw = raws[i];
      const entry = raw === undefined ? undefined : stack.decode(fullKey, raw, now);
      if (entry === undefined || raw === undefined) return stack.miss(fullKey);
      stack.hit(fullKey, 'l2');
      const value = epoch === stack.epoch ? stack.fillL1(fullKey, entry, raw.length, resolved.l1Ttl, now) : entry.value;
      found.set(userKey, value as T);
    });
    return found;
  }

  /** Stores `value` in every tier. Throws E_SERIALIZATION, leaving the old entry intact, if it cannot be cached. */
  async set<T>(key: CacheKey, value: T, options?: EntryOptions): Promise<void> {
    await this.setMany([{ key, value, options }]);
  }

  /** Validates every item first: if one cannot be cached, nothing is written. L2 writes are pipelined. */
  async setMany(items: readonly SetManyItem[]): Promise<void> {
    if (!Array.isArray(items)) throw invalidArgument('items', 'expected an array of { key, value, options? }');
    const now = Date.now();
    const prepared = items.map((item, i) => {
      if (typeof item !== 'object' || item === null) throw invalidArgument(`items[${i}]`, 'expected { key, value, options? }');
      const key = this.keyFor(item.key);
      const options = resolveEntryOptions(item.options, this.#defaults, `items[${i}].options.`);
      return { key, prepared: this.#stack.prepare(key, item.value, options, now) };
    });
    this.#stack.invalidate(prepared.map((item) => item.key));
    await this.#stack.write(prepared, now);
  }

  async delete(key: CacheKey): Promise<void> {
    await this.#stack.remove([this.keyFor(key)]);
  }

  async deleteMany(keys: readonly CacheKey[]): Promise<void> {
    if (!Array.isArray(keys)) throw invalidArgument('keys', 'expected an array of keys');
    await this.#stack.remove(keys.map((key) => this.keyFor(key)));
  }

  /** Removes every entry of this namespace (and its child namespaces) from every tier. */
  async clear(): Promise<void> {
    this.keyFor('clear');
    await this.#stack.removeMatching(`${escapeGlob(this.#prefix)}*`);
    this.events.emit('clear', { prefix: this.#prefix });
  }

  /**
   * A view of this cache under a child prefix, sharing its tiers and connections. `defaults`
   * override this cache's entry options for the child.
   */
  namespace(name: string, defaults?: EntryOptions): TieredCache {
    if (typeof name !== 'string' || name.length === 0) throw invalidArgument('namespace name', 'expected a non-empty string');
    adopting = {
      stack: this.#stack,
      prefix: `${this.#prefix}${encodeName(name)}${NAMESPACE_SEPARATOR}`,
      defaults: resolveEntryOptions(defaults, this.#defaults, 'defaults.'),
    };
    return new TieredCache();
  }

  stats(): CacheStatsSnapshot {
    const stats = this.#stack.stats;
    const reads = stats.hitsL1 + stats.hitsL2 + stats.misses;
    return { ...stats, hitRate: reads === 0 ? 0 : (stats.hitsL1 + stats.hitsL2) / reads };
  }

  /** L1 fill level and L2 state, for health checks. */
  status(): { l1?: { entries: number; bytes: number; maxEntries: number; maxBytes: number }; l2?: { connected: boolean; breakerOpen: boolean; pendingWrites: number } } {
    const { l1, l2, options } = this.#stack;
    return {
      l1:
        l1 && options.l1
          ? { entries: l1.size, bytes: l1.bytes, maxEntries: options.l1.maxEntries, maxBytes: options.l1.maxBytes }
          : undefined,
      l2: l2 ? { connected: l2.inner.isReady(), breakerOpen: l2.breakerOpen, pendingWrites: l2.pendingWrites } : undefined,
    };
  }

  /** Closes the connections this cache created (never a client you passed in). Idempotent. */
  async close(): Promise<void> {
    await this.#stack.close();
  }

  async #find(fullKey: string, options: EntryOptions | undefined): Promise<Found | undefined> {
    const stack = this.#stack;
    const record = stack.l1?.get(fullKey);
    if (record !== undefined) {
      stack.hit(fullKey, 'l1');
      return { value: stack.read(record) };
    }
    const flight = stack.flights.get(fullKey) ?? stack.startFlight(fullKey, resolveEntryOptions(options, this.#defaults, 'options.'));
    return flight.promise;
  }
}
