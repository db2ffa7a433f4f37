import type { Shape } from './known-keys.js';

/** `EntryOptions` of @tiercache/core: per cache, per named cache and per decorator. */
export const ENTRY_KEYS = [
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
] as const;

function leaves(keys: readonly string[]): Record<string, true> {
  return Object.fromEntries(keys.map((key) => [key, true]));
}

const entry = leaves(ENTRY_KEYS);
const l1: Shape = leaves(['maxEntries', 'maxBytes', 'mutationSafe']);
// `redis` is a client, a URL or ioredis options: ioredis knows its own keys.
const l2: Shape = {
  ...leaves(['redis', 'maxPendingWrites', 'compressAbove', 'maxDecompressedBytes', 'bus', 'loadLockTtl']),
  breaker: leaves(['failureThreshold', 'openMs', 'maxOpenMs']),
};
const tiers: Shape = { l1, l2, ...leaves(['serializer', 'version', 'maxKeyLength', 'maxTtl']) };

// `resolve` is a function and `sharedCaches` a list of names: leaves.
const tenancy: Shape = {
  ...leaves(['resolve', 'sharedCaches', 'maxTenantViews']),
  metrics: leaves(['topTenants']),
  l1PerTenant: leaves(['maxBytes', 'maxEntries']),
};

export const NAMED_CACHE_SHAPE: Shape = { ...entry, ...tiers, ...leaves(['namespace', 'rootNamespace']) };

/** `CacheModuleOptions`, plus the module extras that `forRoot` takes next to them. */
export const CACHE_MODULE_SHAPE: Shape = {
  ...entry,
  ...tiers,
  ...leaves(['namespace', 'logger', 'locks', 'isGlobal', 'cacheNames']),
  caches: { '*': NAMED_CACHE_SHAPE },
  // A profile is entry options, but cannot name another profile (the engine says so).
  profiles: { '*': entry },
  tenancy,
};

export const WARMERS_MODULE_SHAPE: Shape = leaves(['startup', 'lockProvider', 'lockTtlMs']);

export const METRICS_MODULE_SHAPE: Shape = leaves(['bucketsMs', 'exporters']);

export const CACHE_PUT_SHAPE: Shape = { ...entry, ...leaves(['key', 'condition', 'unless', 'cache', 'absentKeys']) };

export const DECORATOR_SHAPE: Shape = { ...CACHE_PUT_SHAPE, ...leaves(['invalidateOn']) };

/** `CacheEventsModule.forRoot` (`@tiercache/nestjs/events`). */
export const EVENTS_MODULE_SHAPE: Shape = { invalidate: true };
