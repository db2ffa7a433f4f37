import type { EntryOptions, LockProvider, TieredCacheOptions } from '@tiercache/core';
import type { TenancyOptions } from './tenancy/tenancy.options.js';

/**
 * A further cache, injectable with `@InjectCache(name)`. With entry options only, it is a child
 * namespace of the default cache, sharing its tiers and connections. Giving any of `l1`, `l2`,
 * `serializer`, `version` or `maxKeyLength` makes it a separate cache (own tiers) built from the
 * default's options with these applied over them.
 *
 * Either way its keys stay under the app's namespace: `<namespace>:[v<version>:]<name>|<key>`.
 */
export interface NamedCacheOptions extends EntryOptions {
  /** The cache's segment under the app namespace. Defaults to the cache's name. */
  namespace?: string;
  /**
   * Put the cache under this top-level namespace instead of the app's, e.g. to share it with another
   * application on purpose. Makes it a separate cache. Default: the app's `namespace`.
   */
  rootNamespace?: string;
  l1?: TieredCacheOptions['l1'];
  l2?: TieredCacheOptions['l2'];
  serializer?: TieredCacheOptions['serializer'];
  version?: TieredCacheOptions['version'];
  maxKeyLength?: TieredCacheOptions['maxKeyLength'];
}

export interface CacheModuleOptions extends TieredCacheOptions {
  caches?: Record<string, NamedCacheOptions>;
  /**
   * The locks behind `@WithLock` and the injectable `LockProvider` (never closed by Tiercache).
   * Default: Redis locks on the default cache's connection, or in-process locks without Redis.
   */
  locks?: LockProvider;
  /**
   * Scopes every cache (but `tenancy.sharedCaches`) to the tenant of each call: keys, tags,
   * patterns and `clear()` (see `@tiercache/nestjs/tenancy`). A call with no tenant fails with
   * E_TENANT_REQUIRED unless it is marked shared.
   */
  tenancy?: TenancyOptions;
}
