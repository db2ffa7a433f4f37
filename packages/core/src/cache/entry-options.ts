import { invalidOption } from '../errors.js';
import { boolean, fraction, isObject, nonNegative, timerMs } from './option-checks.js';
import { definedOnly, profileOf, type Profiles } from './profiles.js';

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

/** Tags are non-empty strings; duplicates are dropped. */
export function resolveTags(tags: unknown, field: string): readonly string[] {
  if (tags === undefined) return [];
  if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string' && tag.length > 0)) {
    throw invalidOption(field, 'expected an array of non-empty strings');
  }
  return [...new Set(tags as string[])];
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

/** The entry options of a cache that sets none, under its `maxTtl`. */
export function builtInEntryOptions(maxTtl: number): ResolvedEntryOptions {
  return {
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
}
