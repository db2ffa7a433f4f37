import { invalidOption } from '../errors.js';
import { encodeName } from '../keys/key-builder.js';
import type { CacheLogger } from '../logger.js';
import { jsonSerializer, type Serializer } from '../serialization/serializer.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../serialization/entry-codec.js';
import type { CircuitBreakerOptions } from '../tiers/circuit-breaker.js';
import type { RedisConnection } from '../tiers/redis-tier.js';
import { definedOnly, profileOf, resolveProfiles, type Profile, type Profiles } from './profiles.js';

export type { Profile, Profiles, ResolvedProfile } from './profiles.js';

/** Every duration in Tiercache is in milliseconds. */
export interface EntryOptions {
  /** How long a value stays fresh (L2, and L1 unless `l1Ttl` is shorter). Default 60 000; 0 = don't cache. */
  ttl?: number;
  /** Upper bound for the L1 copy, to keep instances closer to L2. Default: `ttl`. */
  l1Ttl?: number;
  /** Fraction (0–1) by which each TTL is randomly shortened, so keys set together don't expire together. Default 0. */
  jitter?: number;
  /** TTL for `null`/`undefined` values (negative caching). Default: `ttl`; 0 = don't cache them. */
  negativeTtl?: number;
  /**
   * How long past its expiry an entry may still be served while one background refresh runs
   * (stale-while-revalidate), and used as the fail-safe fallback. Default 0 (off).
   */
  grace?: number;
  /** After a failed or timed-out load that served a stale value, how long to serve it before retrying. Default 5 000. */
  failSafeThrottle?: number;
  /** A load slower than this returns the stale value, if there is one, and finishes in the background. Default 0 (off). */
  softTimeout?: number;
  /** A load slower than this fails with E_LOADER_TIMEOUT (or serves the stale value); it still finishes in the background. Default 0 (off). */
  hardTimeout?: number;
  /**
   * The load bound: a loader that has not settled after this long is abandoned. Its flight is no
   * longer joined, the fleet load lock is released (other callers and instances load themselves),
   * and its value, should it ever arrive, is not stored. Default 60 000; 0 = no bound (a loader that
   * never settles then blocks its key for the life of the process).
   */
  loadTimeout?: number;
  /** Refresh in the background once this fraction (0–1) of the TTL has passed. Default 0 (off). */
  refreshAhead?: number;
  /**
   * Probabilistic early refresh (XFetch): β > 0 refreshes early with a probability that rises as
   * expiry nears, scaled by how long the value took to load. 1 is the usual choice. Default 0 (off).
   */
  earlyRefreshBeta?: number;
  /**
   * With Redis: one loader run per key across the whole fleet, others waiting for its value (woken
   * by pub/sub). Default true.
   */
  distributed?: boolean;
  /**
   * A profile named in the cache's `profiles`: its options apply under the ones given next to it.
   * An unknown name fails with E_INVALID_OPTION.
   */
  profile?: string;
}

/** Options of a write (`set`, `setMany`, `getOrSet`). */
export interface WriteOptions extends EntryOptions {
  /**
   * Tags for `invalidateTags`, scoped to this cache's namespace. Invalidating a tag costs the same
   * whether 10 or 100 000 entries carry it.
   */
  tags?: readonly string[];
}

/**
 * A TTL computed from the loaded value (adaptive TTL), e.g. longer for data that has not changed for
 * a day. A return value that is not a valid duration is reported and the value is not cached.
 */
export type TtlFunction<T> = (value: T) => number;

/** Options of one `getOrSet` call: `ttl`, `l1Ttl` and `grace` may be functions of the loaded value. */
export interface GetOrSetOptions<T = unknown> extends Omit<WriteOptions, 'ttl' | 'l1Ttl' | 'grace'> {
  ttl?: number | TtlFunction<T>;
  l1Ttl?: number | TtlFunction<T>;
  grace?: number | TtlFunction<T>;
  /** Names the caller in `hit`, `miss` and `load` events, for per-method metrics. */
  label?: string;
}

export interface L1Options {
  /** Default 10 000. */
  maxEntries?: number;
  /** Approximate byte budget. Default 64 MiB. */
  maxBytes?: number;
  /**
   * Default true: values read from L1 are deeply frozen copies (Dates, Maps and Sets are copied on
   * every read), so a caller mutating what it got cannot change what the next caller gets. `false`
   * is the fast mode: the cached value (as the serializer reads it back, like every tier's) is shared
   * by reference and callers must treat it as read-only.
   */
  mutationSafe?: boolean;
}

export interface L2Options {
  /** A client (never closed by Tiercache), a URL, ioredis options, or `{ cluster: nodes }`. */
  redis: RedisConnection;
  breaker?: Partial<CircuitBreakerOptions>;
  /** Keys whose write or delete failed while Redis was unreachable, kept to be replayed as tombstones. Default 10 000. */
  maxPendingWrites?: number;
  /** Compress payloads of at least this many characters; `false` (default) never compresses. */
  compressAbove?: number | false;
  /**
   * The most bytes a compressed entry read from Redis may inflate to; a larger one is a counted
   * malformed miss (the loader runs), so a small crafted entry cannot cost a read gigabytes. Applies
   * whatever `compressAbove` says. Default 32 MiB.
   */
  maxDecompressedBytes?: number;
  /**
   * Default true: instances sharing this Redis tell each other over pub/sub to drop L1 copies
   * they've invalidated. Turn it off only for a single instance.
   */
  bus?: boolean;
  /**
   * Lease of the fleet-wide load lock; renewed while the load runs, so it only matters when the
   * loading process dies: then another process takes over after at most this long. Default 10 000.
   */
  loadLockTtl?: number;
}

export interface TieredCacheOptions extends EntryOptions {
  /** Prefix of every key of this cache, e.g. `'app'`. Default `'tc'`. */
  namespace?: string;
  /**
   * Named sets of entry options, chosen per call, per namespace or per decorator with `profile`:
   * `{ hot: { ttl: 5_000, l1Ttl: 1_000 }, cold: { ttl: 3_600_000, grace: 600_000, jitter: 0.1 } }`.
   */
  profiles?: Record<string, Profile>;
  /**
   * The longest any entry of this cache may live (`ttl` + `grace`, and `negativeTtl` + `grace`), in
   * ms; a longer one is refused. Invalidation marks are kept in Redis this long, so every instance
   * sharing a namespace must use the same bound. Default 7 days.
   */
  maxTtl?: number;
  /** Part of every key: changing it makes all earlier entries unreachable at once. */
  version?: string | number;
  /** `false` turns L1 off. */
  l1?: L1Options | false;
  /** Omit or `false` for an L1-only cache. */
  l2?: L2Options | false;
  serializer?: Serializer;
  /** Keys longer than this are shortened with a SHA-256 digest. Default 256. */
  maxKeyLength?: number;
  logger?: CacheLogger;
}

export interface ResolvedEntryOptions {
  readonly ttl: number;
  readonly l1Ttl: number;
  readonly jitter: number;
  readonly negativeTtl: number;
  readonly grace: number;
  readonly failSafeThrottle: number;
  readonly softTimeout: number;
  readonly hardTimeout: number;
  readonly loadTimeout: number;
  readonly refreshAhead: number;
  readonly earlyRefreshBeta: number;
  readonly distributed: boolean;
  /** The cache's bound on ttl + grace (not settable per call). */
  readonly maxTtl: number;
  /** The cache's profiles, validated (not settable per call). */
  readonly profiles: Profiles;
}


export interface ResolvedOptions {
  readonly namespace: string;
  readonly version: string | undefined;
  readonly prefix: string;
  readonly defaults: ResolvedEntryOptions;
  readonly maxTtl: number;
  readonly l1: Required<L1Options> | false;
  readonly l2:
    | {
        redis: RedisConnection;
        breaker: CircuitBreakerOptions;
        maxPendingWrites: number;
        compressAbove: number | false;
        maxDecompressedBytes: number;
        bus: boolean;
        loadLockTtl: number;
      }
    | false;
  readonly serializer: Serializer;
  readonly maxKeyLength: number;
  readonly logger: CacheLogger;
}

export function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonNegative(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalidOption(field, `expected a finite number of milliseconds ≥ 0, got ${String(value)}`);
  }
  return value;
}

// Node fires longer timers at once, which would abandon every load immediately.
const MAX_TIMER_MS = 2_147_483_647;

function timerMs(field: string, value: unknown): number {
  const ms = nonNegative(field, value);
  if (ms > MAX_TIMER_MS) throw invalidOption(field, `expected at most ${MAX_TIMER_MS} ms (about 24 days), got ${ms}; 0 means no bound`);
  return ms;
}

function positiveInteger(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw invalidOption(field, `expected a positive integer, got ${String(value)}`);
  }
  return value;
}

function fraction(field: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw invalidOption(field, `expected a fraction between 0 and 1, got ${String(value)}`);
  }
  return value;
}

function boolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalidOption(field, `expected a boolean, got ${String(value)}`);
  return value;
}

/** Tags are non-empty strings; duplicates are dropped. */
export function resolveTags(tags: unknown, field: string): readonly string[] {
  if (tags === undefined) return [];
  if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string' && tag.length > 0)) {
    throw invalidOption(field, 'expected an array of non-empty strings');
  }
  return [...new Set(tags as string[])];
}

function name(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw invalidOption(field, 'expected a non-empty string');
  return value;
}

/**
 * Applies per-call or per-namespace options over `base`. Field names in errors are prefixed with
 * `path` so a bad option is named exactly where it was written.
 */
export function resolveEntryOptions(
  options: EntryOptions | undefined,
  base: ResolvedEntryOptions,
  path = '',
): ResolvedEntryOptions {
  if (options === undefined) return base;
  if (!isObject(options)) throw invalidOption(path || 'options', 'expected an object');
  if (options.profile !== undefined) options = { ...profileOf(base.profiles, options.profile, `${path}profile`), ...definedOnly(options) };
  const ttl = options.ttl === undefined ? base.ttl : nonNegative(`${path}ttl`, options.ttl);
  // A new ttl also becomes the default for the L1 and negative TTLs, unless those are given too.
  const ttlChanged = options.ttl !== undefined;
  return withinBound(path, {
    ttl,
    l1Ttl: options.l1Ttl !== undefined ? nonNegative(`${path}l1Ttl`, options.l1Ttl) : ttlChanged ? ttl : base.l1Ttl,
    jitter: options.jitter === undefined ? base.jitter : fraction(`${path}jitter`, options.jitter),
    negativeTtl:
      options.negativeTtl !== undefined
        ? nonNegative(`${path}negativeTtl`, options.negativeTtl)
        : ttlChanged
          ? ttl
          : base.negativeTtl,
    grace: options.grace === undefined ? base.grace : nonNegative(`${path}grace`, options.grace),
    failSafeThrottle:
      options.failSafeThrottle === undefined ? base.failSafeThrottle : nonNegative(`${path}failSafeThrottle`, options.failSafeThrottle),
    softTimeout: options.softTimeout === undefined ? base.softTimeout : nonNegative(`${path}softTimeout`, options.softTimeout),
    hardTimeout: options.hardTimeout === undefined ? base.hardTimeout : nonNegative(`${path}hardTimeout`, options.hardTimeout),
    loadTimeout: options.loadTimeout === undefined ? base.loadTimeout : timerMs(`${path}loadTimeout`, options.loadTimeout),
    refreshAhead: options.refreshAhead === undefined ? base.refreshAhead : fraction(`${path}refreshAhead`, options.refreshAhead),
    earlyRefreshBeta:
      options.earlyRefreshBeta === undefined ? base.earlyRefreshBeta : nonNegative(`${path}earlyRefreshBeta`, options.earlyRefreshBeta),
    distributed: options.distributed === undefined ? base.distributed : boolean(`${path}distributed`, options.distributed),
    maxTtl: base.maxTtl,
    profiles: base.profiles,
  });
}

/** Marks are kept for `maxTtl`: an entry that could outlive them could be revived by forgetting them. */
function withinBound(path: string, resolved: ResolvedEntryOptions): ResolvedEntryOptions {
  for (const field of ['ttl', 'negativeTtl'] as const) {
    if (resolved[field] + resolved.grace > resolved.maxTtl) {
      throw invalidOption(
        `${path}${field}`,
        `${field} + grace (${resolved[field] + resolved.grace} ms) exceeds the cache's maxTtl of ${resolved.maxTtl} ms; raise maxTtl or shorten the entry`,
      );
    }
  }
  return resolved;
}


const DEFAULT_TTL = 60_000;
/** Far above a healthy load (the slowest we have seen in the wild took ~20 s), well below "forever". */
const DEFAULT_LOAD_TIMEOUT = 60_000;

/** Messages carry no prefix, so a logger with a context (Nest's) doesn't repeat it; console gets one. */
const CONSOLE_LOGGER: CacheLogger = {
  log: (message) => console.log(`[Tiercache] ${message}`),
  warn: (message) => console.warn(`[Tiercache] ${message}`),
  error: (message) => console.error(`[Tiercache] ${message}`),
};
const DEFAULT_MAX_TTL = 7 * 24 * 60 * 60 * 1000;

/**
 * `ns:` or, with a version, `ns|v<version>:`. Names escape `|`, and user keys only follow the last
 * `:`, so no key of one version (or of the unversioned cache) can spell another version's prefix.
 */
export function prefixOf(namespace: string, version: string | undefined): string {
  return version === undefined ? `${encodeName(namespace)}:` : `${encodeName(namespace)}|v${encodeName(version)}:`;
}

/** The one place where cache options get their defaults and are validated. */
export function resolveOptions(options: TieredCacheOptions = {}): ResolvedOptions {
  if (!isObject(options)) throw invalidOption('options', 'expected an object');
  const namespace = options.namespace === undefined ? 'tc' : name('namespace', options.namespace);
  let version: string | undefined;
  if (options.version !== undefined) {
    if (typeof options.version !== 'string' && typeof options.version !== 'number') {
      throw invalidOption('version', 'expected a string or a number');
    }
    version = name('version', String(options.version));
  }
  const maxTtl = options.maxTtl === undefined ? DEFAULT_MAX_TTL : positiveInteger('maxTtl', options.maxTtl);
  const builtIn: ResolvedEntryOptions = {
    ttl: DEFAULT_TTL,
    l1Ttl: DEFAULT_TTL,
    jitter: 0,
    negativeTtl: DEFAULT_TTL,
    grace: 0,
    failSafeThrottle: 5_000,
    softTimeout: 0,
    hardTimeout: 0,
    loadTimeout: DEFAULT_LOAD_TIMEOUT,
    refreshAhead: 0,
    earlyRefreshBeta: 0,
    distributed: true,
    maxTtl,
    profiles: new Map(),
  };
  const { profiles, ...entry } = options;
  const defaults = resolveEntryOptions(entry, { ...builtIn, profiles: resolveProfiles(profiles, builtIn) });

  let l1: ResolvedOptions['l1'] = false;
  if (options.l1 !== false) {
    const given = options.l1 ?? {};
    if (!isObject(given)) throw invalidOption('l1', 'expected an object or false');
    l1 = {
      maxEntries: given.maxEntries === undefined ? 10_000 : positiveInteger('l1.maxEntries', given.maxEntries),
      maxBytes: given.maxBytes === undefined ? 64 * 1024 * 1024 : positiveInteger('l1.maxBytes', given.maxBytes),
      mutationSafe: given.mutationSafe === undefined ? true : boolean('l1.mutationSafe', given.mutationSafe),
    };
  }

  let l2: ResolvedOptions['l2'] = false;
  if (options.l2 !== undefined && options.l2 !== false) {
    const given = options.l2;
    if (!isObject(given)) throw invalidOption('l2', 'expected an object or false');
    if (given.redis === undefined || given.redis === null || (typeof given.redis !== 'string' && !isObject(given.redis))) {
      throw invalidOption('l2.redis', 'expected an ioredis client, a redis:// URL, ioredis options or { cluster: nodes }');
    }
    const breaker = given.breaker ?? {};
    if (!isObject(breaker)) throw invalidOption('l2.breaker', 'expected an object');
    const openMs = breaker.openMs === undefined ? 1_000 : positiveInteger('l2.breaker.openMs', breaker.openMs);
    l2 = {
      redis: given.redis,
      breaker: {
        failureThreshold:
          breaker.failureThreshold === undefined ? 3 : positiveInteger('l2.breaker.failureThreshold', breaker.failureThreshold),
        openMs,
        maxOpenMs: breaker.maxOpenMs === undefined ? Math.max(openMs, 30_000) : positiveInteger('l2.breaker.maxOpenMs', breaker.maxOpenMs),
      },
      maxPendingWrites:
        given.maxPendingWrites === undefined ? 10_000 : positiveInteger('l2.maxPendingWrites', given.maxPendingWrites),
      compressAbove:
        given.compressAbove === undefined || given.compressAbove === false
          ? false
          : positiveInteger('l2.compressAbove', given.compressAbove),
      maxDecompressedBytes:
        given.maxDecompressedBytes === undefined
          ? DEFAULT_MAX_DECOMPRESSED_BYTES
          : positiveInteger('l2.maxDecompressedBytes', given.maxDecompressedBytes),
      bus: given.bus === undefined ? true : boolean('l2.bus', given.bus),
      loadLockTtl: given.loadLockTtl === undefined ? 10_000 : positiveInteger('l2.loadLockTtl', given.loadLockTtl),
    };
  }
  if (!l1 && !l2) throw invalidOption('l1', 'both tiers are off: enable l1, l2 or both');

  const serializer: Serializer = options.serializer ?? jsonSerializer;
  if (typeof serializer?.serialize !== 'function' || typeof serializer.deserialize !== 'function') {
    throw invalidOption('serializer', 'expected { id, serialize(value), deserialize(text) }');
  }
  name('serializer.id', serializer.id);
  const maxKeyLength = options.maxKeyLength === undefined ? 256 : positiveInteger('maxKeyLength', options.maxKeyLength);
  if (maxKeyLength < 64) throw invalidOption('maxKeyLength', 'must be at least 64 to leave room for a digest');
  const logger: CacheLogger = options.logger ?? CONSOLE_LOGGER;
  if (typeof logger?.warn !== 'function' || typeof logger.log !== 'function' || typeof logger.error !== 'function') {
    throw invalidOption('logger', 'expected { log, warn, error }');
  }

  return {
    namespace,
    version,
    prefix: prefixOf(namespace, version),
    defaults,
    maxTtl,
    l1,
    l2,
    serializer,
    maxKeyLength,
    logger,
  };
}
