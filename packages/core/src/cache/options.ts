import { invalidOption } from '../errors.js';
import { encodeName } from '../keys/key-builder.js';
import type { CacheLogger } from '../logger.js';
import { jsonSerializer, type Serializer } from '../serialization/serializer.js';
import { checkKnownKeys } from './known-keys.js';
import { TIERED_CACHE_OPTIONS_SHAPE } from './option-shapes.js';
import { builtInEntryOptions, resolveEntryOptions, type EntryOptions, type ResolvedEntryOptions } from './entry-options.js';
import { name, isObject, positiveInteger } from './option-checks.js';
import { resolveProfiles, type Profile } from './profiles.js';
import { resolveL1, resolveL2, type L1Options, type L2Options, type ResolvedL1Options, type ResolvedL2Options } from './tier-options.js';

// Options are split by concern (entry, tier, profile); this module keeps the one import path for all.
export type { EntryOptions, GetOrSetOptions, ResolvedEntryOptions, TtlFunction, WriteOptions } from './entry-options.js';
export { resolveEntryOptions, resolveTags } from './entry-options.js';
export type { L1Options, L2Options } from './tier-options.js';
export type { Profile, Profiles, ResolvedProfile } from './profiles.js';
export { isObject } from './option-checks.js';

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

export interface ResolvedOptions {
  readonly namespace: string;
  readonly version: string | undefined;
  readonly prefix: string;
  readonly defaults: ResolvedEntryOptions;
  readonly maxTtl: number;
  readonly l1: ResolvedL1Options | false;
  readonly l2: ResolvedL2Options | false;
  readonly serializer: Serializer;
  readonly maxKeyLength: number;
  readonly logger: CacheLogger;
}

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
  // Unknown keys first: a typo such as `tll` must not fall through to a default and start "fine".
  checkKnownKeys(options, TIERED_CACHE_OPTIONS_SHAPE, '');
  const namespace = options.namespace === undefined ? 'tc' : name('namespace', options.namespace);
  let version: string | undefined;
  if (options.version !== undefined) {
    if (typeof options.version !== 'string' && typeof options.version !== 'number') {
      throw invalidOption('version', 'expected a string or a number');
    }
    version = name('version', String(options.version));
  }
  const maxTtl = options.maxTtl === undefined ? DEFAULT_MAX_TTL : positiveInteger('maxTtl', options.maxTtl);
  const builtIn = builtInEntryOptions(maxTtl);
  const { profiles, ...entry } = options;
  const defaults = resolveEntryOptions(entry, { ...builtIn, profiles: resolveProfiles(profiles, builtIn) });
  const l1 = resolveL1(options.l1);
  const l2 = resolveL2(options.l2);
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
