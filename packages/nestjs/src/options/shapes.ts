import { ENTRY_OPTIONS_SHAPE, TIERED_CACHE_OPTIONS_SHAPE } from '@tiercache/core';
import type { Shape } from './known-keys.js';

function leaves(keys: readonly string[]): Record<string, true> {
  return Object.fromEntries(keys.map((key) => [key, true]));
}

// A named cache takes the cache's options but its logger and profiles, which are the app's.
const { logger: _logger, profiles: _profiles, ...cacheOptions } = TIERED_CACHE_OPTIONS_SHAPE;

// `resolve` is a function and `sharedCaches` a list of names: leaves.
const tenancy: Shape = {
  ...leaves(['resolve', 'sharedCaches', 'maxTenantViews']),
  metrics: leaves(['topTenants']),
  l1PerTenant: leaves(['maxBytes', 'maxEntries']),
};

export const NAMED_CACHE_SHAPE: Shape = { ...cacheOptions, ...leaves(['rootNamespace']) };

/** `CacheModuleOptions`, plus the module extras that `forRoot` takes next to them. */
export const CACHE_MODULE_SHAPE: Shape = {
  ...TIERED_CACHE_OPTIONS_SHAPE,
  ...leaves(['locks', 'isGlobal', 'cacheNames']),
  caches: { '*': NAMED_CACHE_SHAPE },
  tenancy,
};

export const WARMERS_MODULE_SHAPE: Shape = leaves(['startup', 'lockProvider', 'lockTtlMs']);

export const METRICS_MODULE_SHAPE: Shape = leaves(['bucketsMs', 'exporters']);

export const CACHE_PUT_SHAPE: Shape = { ...ENTRY_OPTIONS_SHAPE, ...leaves(['key', 'condition', 'unless', 'cache', 'absentKeys']) };

export const DECORATOR_SHAPE: Shape = { ...CACHE_PUT_SHAPE, ...leaves(['invalidateOn']) };

/** `CacheEventsModule.forRoot` (`@tiercache/nestjs/events`). */
export const EVENTS_MODULE_SHAPE: Shape = { invalidate: true };
