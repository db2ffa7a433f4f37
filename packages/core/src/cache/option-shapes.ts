import { CallOptionsCheck, type OptionShape } from './known-keys.js';

function leaves(keys: readonly string[]): Record<string, true> {
  return Object.fromEntries(keys.map((key) => [key, true]));
}

/** The keys of `EntryOptions`: per cache, per namespace, per profile and per decorator. */
export const ENTRY_OPTIONS_SHAPE: OptionShape = leaves([
  'ttl',
  'l1Ttl',
  'jitter',
  'negativeTtl',
  'grace',
  'failSafeThrottle',
  'softTimeout',
  'hardTimeout',
  'loadTimeout',
  'refreshAhead',
  'earlyRefreshBeta',
  'distributed',
  'profile',
]);

/** The options given per call (and to `namespace()`), each checked as it comes. */
const WRITE_OPTIONS_SHAPE: OptionShape = { ...ENTRY_OPTIONS_SHAPE, tags: true };
export const CALL_OPTIONS = {
  entry: new CallOptionsCheck(ENTRY_OPTIONS_SHAPE),
  /** `set`'s, and a loader's `setOptions`. */
  write: new CallOptionsCheck(WRITE_OPTIONS_SHAPE),
  getOrSet: new CallOptionsCheck({ ...WRITE_OPTIONS_SHAPE, label: true }),
  invalidate: new CallOptionsCheck(leaves(['mode'])),
  namespace: new CallOptionsCheck({ l1PerChild: leaves(['maxEntries', 'maxBytes']) }),
};

const L1_SHAPE: OptionShape = leaves(['maxEntries', 'maxBytes', 'mutationSafe']);

// `redis` is a client, a URL or ioredis options: ioredis knows its own keys.
const L2_SHAPE: OptionShape = {
  ...leaves(['redis', 'maxPendingWrites', 'compressAbove', 'maxDecompressedBytes', 'bus', 'loadLockTtl']),
  breaker: leaves(['failureThreshold', 'openMs', 'maxOpenMs']),
};

/**
 * The keys of `TieredCacheOptions`. The Nest module extends it with its own (`caches`, `tenancy`…),
 * so both check one list.
 */
export const TIERED_CACHE_OPTIONS_SHAPE: OptionShape = {
  ...ENTRY_OPTIONS_SHAPE,
  ...leaves(['namespace', 'maxTtl', 'version', 'serializer', 'maxKeyLength', 'logger']),
  l1: L1_SHAPE,
  l2: L2_SHAPE,
  // A profile is entry options, but cannot name another profile (resolveProfiles says so).
  profiles: { '*': ENTRY_OPTIONS_SHAPE },
};
