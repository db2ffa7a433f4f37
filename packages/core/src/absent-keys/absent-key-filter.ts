import { randomUUID } from 'node:crypto';
import type { TieredCache } from '../cache/tiered-cache.js';
import { ErrorCode, invalidArgument, invalidOption, TiercacheError } from '../errors.js';
import type { CacheKey } from '../keys/key-builder.js';
import type { Loader } from '../load/loader.js';
import type { CacheLogger } from '../logger.js';
import { estimatedFalsePositiveRate, hashKey, shapeFor, type KeyHash } from './bloom.js';
import type { FilterStore } from './filter-store.js';
import { MemoryFilterStore } from './memory-filter-store.js';
import { RedisFilterStore } from './redis-filter-store.js';

export interface AbsentKeyFilterOptions {
  /** Names the filter within its cache (and its Redis keys). */
  name: string;
  /** The cache whose keys it holds; with Redis (L2) the filter is in Redis, shared by the fleet. */
  cache: TieredCache;
  /** The false-positive rate the filter is sized for, 0–0.5. Default 0.01. */
  falsePositiveRate?: number;
  /** How many keys a build is sized for; a rebuild sizes for at least 1.25 × the last one's count. */
  expectedItems: number;
  /** A rebuild that has not written for this long is given up, so another instance may rebuild. Default 60 000. */
  buildLeaseMs?: number;
  logger?: CacheLogger;
}

/** What `stats()` reports, for metrics and health. */
export interface AbsentKeyFilterStats {
  readonly name: string;
  /** False before the first build: every key is then treated as present. */
  readonly built: boolean;
  readonly building: boolean;
  readonly bits: number;
  readonly hashes: number;
  /** Keys the last build put in (additions since come on top). */
  readonly items: number;
  /** Fraction of bits set, 0–1. */
  readonly fill: number;
  readonly estimatedFalsePositiveRate: number;
  readonly configuredFalsePositiveRate: number;
  readonly builtAt: Date | undefined;
  /** In this process: checks, loads skipped as absent, and checks that could not ask the filter (loaded). */
  readonly checks: number;
  readonly skipped: number;
  readonly errors: number;
  /** Additions not yet in the filter (Redis unreachable); this instance loads every key meanwhile. */
  readonly pendingAdds: number;
}

export type RebuildOutcome = { outcome: 'built'; items: number; bits: number; hashes: number } | { outcome: 'skipped'; reason: 'building' };

export interface RebuildOptions {
  signal?: AbortSignal;
  onProgress?(done: number): void;
  /** Overrides `expectedItems` for this build (e.g. a `count(*)` of the table). */
  expectedItems?: number;
}

const BATCH = 500;
const MAX_PENDING = 10_000;
const RETRY_MS = 1_000;

/**
 * A Bloom filter of the keys that exist in the source of truth, consulted only on a cache miss: a
 * key it has never seen is answered as absent without running the loader; any other key loads as
 * usual. Built by `rebuild` into a new filter that replaces the old one atomically; keys created
 * since are added with `add` (on any instance: with Redis the filter is shared).
 *
 * @example
 * const agents = new AbsentKeyFilter({ name: 'agents', cache, expectedItems: 100_000 });
 * await agents.rebuild(() => db.agentIds().map((id) => ['agent', id])); // on a schedule
 * await agents.add(['agent', created.id]);                                // after each insert
 * const agent = await agents.getOrSet(['agent', id], () => db.findAgent(id), null);
 */
export class AbsentKeyFilter {
  readonly name: string;
  readonly #cache: TieredCache;
  readonly #store: FilterStore;
  readonly #rate: number;
  readonly #expected: number;
  readonly #leaseMs: number;
  readonly #logger: CacheLogger;
  readonly #pending = new Map<string, KeyHash>();
  /** Additions dropped because too many were pending: only a build started after them brings them in. */
  #lost = 0;
  #retry: NodeJS.Timeout | undefined;
  #checks = 0;
  #skipped = 0;
  #errors = 0;

  constructor(options: AbsentKeyFilterOptions) {
    const { name, cache, falsePositiveRate = 0.01, expectedItems, buildLeaseMs = 60_000, logger = console } = options ?? ({} as AbsentKeyFilterOptions);
    if (typeof name !== 'string' || !/^[\w.-]+$/.test(name)) throw invalidOption('absentKeys.name', 'expected letters, digits, `_`, `.` or `-`');
    if (typeof cache?.keyFor !== 'function') throw invalidOption(`absentKeys(${name}).cache`, 'expected a TieredCache');
    if (typeof falsePositiveRate !== 'number' || !(falsePositiveRate > 0 && falsePositiveRate <= 0.5)) {
      throw invalidOption(`absentKeys(${name}).falsePositiveRate`, `expected a number in (0, 0.5], got ${String(falsePositiveRate)}`);
    }
    positiveInteger(`absentKeys(${name}).expectedItems`, expectedItems);
    positiveInteger(`absentKeys(${name}).buildLeaseMs`, buildLeaseMs);
    this.name = name;
    this.#cache = cache;
    this.#rate = falsePositiveRate;
    this.#expected = expectedItems;
    this.#leaseMs = buildLeaseMs;
    this.#logger = logger;
    const client = cache.redisClient;
    this.#store = client === undefined ? new MemoryFilterStore() : new RedisFilterStore(client, `tiercache:absent:{${cache.prefix}${name}}`);
  }

  /**
   * False only for a key no build and no `add` has ever put in: the loader may be skipped. True when
   * the key may exist, when there is no filter yet, and when the filter cannot be asked.
   */
  async mightContain(key: CacheKey): Promise<boolean> {
    const hash = hashKey(this.#cache.keyFor(key));
    this.#checks++;
    // Our own additions that did not reach the filter: it would wrongly deny them.
    if (this.#pending.size > 0 || this.#lost > 0) return true;
    try {
      const found = await this.#store.mightContain(hash);
      if (found === false) this.#skipped++;
      return found !== false;
    } catch {
      this.#errors++;
      return true;
    }
  }

  /** Adds a key created in the source of truth; call it once the write is committed. */
  async add(key: CacheKey): Promise<void> {
    await this.addMany([key]);
  }

  async addMany(keys: readonly CacheKey[]): Promise<void> {
    if (!Array.isArray(keys)) throw invalidArgument('keys', 'expected an array of keys');
    const hashes = keys.map((key) => {
      const fullKey = this.#cache.keyFor(key);
      return [fullKey, hashKey(fullKey)] as const;
    });
    try {
      await this.#store.add(hashes.map(([, hash]) => hash));
    } catch (error) {
      this.#errors++;
      for (const [fullKey, hash] of hashes) this.#remember(fullKey, hash);
      this.#logger.warn(`Absent-key filter "${this.name}": an addition did not reach Redis (${(error as Error).message}); retrying, and loading every key meanwhile.`);
    }
  }

  /**
   * Wraps `loader`: for a key the filter has never seen it returns `absent` without loading, and
   * that answer is not cached (a key added later is found at once).
   */
  guard<T, A>(key: CacheKey, loader: Loader<T>, absent: A): Loader<T | A> {
    if (typeof loader !== 'function') throw invalidArgument('loader', 'expected a function');
    return async (context) => {
      if (await this.mightContain(key)) return loader(context);
      context.setOptions({ ttl: 0, negativeTtl: 0 });
      return absent;
    };
  }

  /** `cache.getOrSet` with the loader guarded by this filter. */
  getOrSet<T, A>(key: CacheKey, loader: Loader<T>, absent: A): Promise<T | A> {
    return this.#cache.getOrSet(key, this.guard(key, loader, absent));
  }

  /**
   * Builds a new filter from `source` (called once the new filter is open, so that keys added while it
   * is read are not lost) and swaps it in. With Redis, one instance builds at a time; the others skip.
   */
  async rebuild(source: () => Iterable<CacheKey> | AsyncIterable<CacheKey> | Promise<Iterable<CacheKey>>, options: RebuildOptions = {}): Promise<RebuildOutcome> {
    if (typeof source !== 'function') throw invalidArgument('source', 'expected a function returning the keys (called once the new filter is open)');
    // A rebuild on startup may come before the connection is up.
    await this.#cache.ready();
    const before = await this.#store.state();
    const expected = options.expectedItems ?? Math.max(this.#expected, Math.ceil((before.current?.items ?? 0) * 1.25));
    if (!Number.isInteger(expected) || expected < 1) throw invalidArgument('rebuild expectedItems', `expected a positive integer, got ${String(expected)}`);
    const shape = shapeFor(expected, this.#rate);
    const token = randomUUID();
    const lost = this.#lost;
    if (!(await this.#store.begin(token, shape, this.#leaseMs))) return { outcome: 'skipped', reason: 'building' };
    let items = 0;
    try {
      let batch: KeyHash[] = [];
      const flush = async (): Promise<void> => {
        options.signal?.throwIfAborted();
        if (!(await this.#store.fill(token, batch, this.#leaseMs))) throw this.#leaseLost();
        items += batch.length;
        batch = [];
        options.onProgress?.(items);
      };
      for await (const key of (await source()) as AsyncIterable<CacheKey>) {
        batch.push(hashKey(this.#cache.keyFor(key)));
        if (batch.length >= BATCH) await flush();
      }
      await flush();
      if (!(await this.#store.swap(token, items))) throw this.#leaseLost();
    } catch (error) {
      await this.#store.abort(token).catch(() => undefined);
      throw error;
    }
    // Keys lost before the build began were committed before it read the source: they are in it.
    this.#lost -= lost;
    return { outcome: 'built', items, ...shape };
  }

  async stats(): Promise<AbsentKeyFilterStats> {
    const state = await this.#store.state();
    const current = state.current;
    const fill = current === undefined ? 0 : current.setBits / current.bits;
    return {
      name: this.name,
      built: current !== undefined,
      building: state.building,
      bits: current?.bits ?? 0,
      hashes: current?.hashes ?? 0,
      items: current?.items ?? 0,
      fill,
      estimatedFalsePositiveRate: current === undefined ? 1 : estimatedFalsePositiveRate(fill, current.hashes),
      configuredFalsePositiveRate: this.#rate,
      builtAt: current === undefined ? undefined : new Date(current.builtAt),
      checks: this.#checks,
      skipped: this.#skipped,
      errors: this.#errors,
      pendingAdds: this.#pending.size,
    };
  }

  /** Stops retrying additions (the filter's Redis keys stay for the fleet). */
  close(): void {
    clearTimeout(this.#retry);
    this.#retry = undefined;
  }

  #leaseLost(): TiercacheError {
    return new TiercacheError(
      ErrorCode.LockLost,
      `Absent-key filter "${this.name}": the rebuild went longer than buildLeaseMs between two batches and another may have started; the old filter stays. Raise buildLeaseMs.`,
    );
  }

  #remember(fullKey: string, hash: KeyHash): void {
    if (this.#pending.size >= MAX_PENDING) this.#lost++;
    else this.#pending.set(fullKey, hash);
    this.#retry ??= setTimeout(() => void this.#retryPending(), RETRY_MS);
    this.#retry.unref();
  }

  async #retryPending(): Promise<void> {
    this.#retry = undefined;
    const entries = [...this.#pending];
    try {
      await this.#store.add(entries.map(([, hash]) => hash));
      for (const [fullKey] of entries) this.#pending.delete(fullKey);
    } catch {
      this.#retry = setTimeout(() => void this.#retryPending(), RETRY_MS);
      this.#retry.unref();
    }
  }
}

function positiveInteger(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw invalidOption(field, `expected a positive integer, got ${String(value)}`);
}
