import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ErrorCode, InProcessLockProvider, LockProvider, TieredCache, TiercacheError, type TieredCacheOptions } from '@tiercache/core';
import { invalidOption } from './errors.js';
import type { CacheModuleOptions, NamedCacheOptions } from './cache-module.options.js';
import { CACHE_MODULE_OPTIONS } from './cache.module-definition.js';
import { DEFAULT_CACHE } from './cache.constants.js';
import { checkKnownKeys } from './options/known-keys.js';
import { CACHE_MODULE_SHAPE } from './options/shapes.js';
import { TenantCaches } from './tenancy/tenant-caches.js';
import { checkNamedCacheNamespace, resolveTenancy } from './tenancy/tenancy.options.js';

/** Lock keys `<namespace>:lock:{<resource>}`; braces are the Cluster hash tag, so none in the prefix. */
export function lockPrefix(namespace: string | undefined): string {
  return `${(namespace ?? 'tc').replace(/[{}]/g, encodeURIComponent)}:lock:`;
}

const SEPARATE_CACHE_FIELDS = ['l1', 'l2', 'serializer', 'version', 'maxKeyLength'] as const;

/**
 * Every cache of one application, by name. Options are validated here, once, when the module
 * starts: a bad option fails startup with a message naming it.
 */
@Injectable()
export class CacheRegistry implements OnModuleInit, OnApplicationShutdown {
  readonly #caches = new Map<string, TieredCache>();
  /** Caches with their own connections; child namespaces share the default's. */
  readonly #owned: TieredCache[] = [];
  /** Behind `@WithLock` and the injectable `LockProvider`. */
  readonly locks: LockProvider;
  readonly #ownsLocks: boolean;
  /** With `tenancy`: what `get()` hands out, each cache scoped to the tenant of the call. */
  readonly #scoped = new Map<string, TenantCaches>();

  constructor(@Inject(CACHE_MODULE_OPTIONS) options: CacheModuleOptions) {
    // Unknown keys first: a typo must not fall through to a default and start "fine".
    checkKnownKeys(options, CACHE_MODULE_SHAPE, '');
    try {
      this.locks = this.#open(options);
      this.#ownsLocks = options?.locks === undefined;
    } catch (error) {
      // Nest never shuts down a module that failed to start: close what was opened, or its
      // connections would keep the process alive.
      this.#release().catch((closing: unknown) => new Logger('Tiercache').warn(`Closing after a failed start failed: ${String(closing)}`));
      throw error;
    }
  }

  /** Builds every cache, then the lock provider it returns (last: nothing after it can fail). */
  #open(options: CacheModuleOptions): LockProvider {
    const { caches = {}, locks, tenancy, isGlobal: _global, cacheNames: _names, ...rootOptions } = (options ?? {}) as CacheModuleOptions & {
      isGlobal?: unknown;
      cacheNames?: unknown;
    };
    // What can be checked without a connection is checked before one is opened.
    if (locks !== undefined && !(locks instanceof LockProvider)) throw invalidOption('locks', 'expected a LockProvider');
    if (typeof caches !== 'object' || caches === null) throw invalidOption('caches', 'expected an object of named cache options');
    const resolvedTenancy = tenancy === undefined ? undefined : resolveTenancy(tenancy);
    const root = new TieredCache({ logger: new Logger('Tiercache'), ...rootOptions });
    this.#caches.set(DEFAULT_CACHE, root);
    this.#owned.push(root);
    for (const [name, named] of Object.entries(caches)) {
      if (name === DEFAULT_CACHE) throw invalidOption(`caches.${name}`, `"${DEFAULT_CACHE}" is the name of the root cache`);
      if (tenancy !== undefined) checkNamedCacheNamespace(name, (named as NamedCacheOptions | undefined)?.namespace ?? name);
      try {
        this.#caches.set(name, this.#build(name, root, rootOptions, named));
      } catch (error) {
        // Name the option where the user wrote it: `caches.reports.ttl`, not `defaults.ttl`.
        if (!(error instanceof TiercacheError) || error.code !== ErrorCode.InvalidOption) throw error;
        throw new TiercacheError(error.code, error.message.replace(/`(defaults\.)?/, `\`caches.${name}.`), { cause: error });
      }
    }
    if (resolvedTenancy !== undefined) {
      for (const [name, cache] of this.#caches) {
        if (!resolvedTenancy.sharedCaches.has(name)) this.#scoped.set(name, new TenantCaches(cache, name, resolvedTenancy));
      }
    }
    // Lock keys live under the app's namespace, so two apps sharing a Redis never take each other's
    // locks; their commands go through the default cache's breaker, like the cache's own.
    return locks ?? root.redisLocks({ keyPrefix: lockPrefix(rootOptions.namespace) }) ?? new InProcessLockProvider();
  }

  /** The named cache (the default one without a name); throws for a name the module does not define. */
  get(name: string = DEFAULT_CACHE): TieredCache {
    const cache = this.#caches.get(name);
    if (cache === undefined) {
      throw invalidOption('caches', `no cache is named "${name}" (defined: ${[...this.#caches.keys()].join(', ')})`);
    }
    return this.#scoped.get(name)?.scoped ?? cache;
  }

  has(name: string): boolean {
    return this.#caches.has(name);
  }

  names(): string[] {
    return [...this.#caches.keys()];
  }

  /**
   * Gives Redis a moment (bounded, and none if it refuses) to connect before the app serves, so the
   * first requests, warmers and locks find L2 and the bus up. The cache works without them anyway.
   */
  async onModuleInit(): Promise<void> {
    await Promise.all(this.#owned.map((cache) => cache.ready()));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.#release();
  }

  /** Closes what the registry created; a user's `locks` and Redis clients stay theirs. */
  async #release(): Promise<void> {
    for (const tenants of this.#scoped.values()) tenants.close();
    if (this.#ownsLocks) await this.locks.close();
    await Promise.all(this.#owned.map((cache) => cache.close()));
  }

  #build(name: string, root: TieredCache, rootOptions: TieredCacheOptions, named: NamedCacheOptions): TieredCache {
    if (typeof named !== 'object' || named === null) throw invalidOption(`caches.${name}`, 'expected an object');
    const { namespace = name, rootNamespace, ...rest } = named;
    if (!SEPARATE_CACHE_FIELDS.some((field) => named[field] !== undefined) && rootNamespace === undefined) {
      return root.namespace(namespace, rest);
    }
    // Own tiers, same key layout as a child namespace: `<app namespace>:[v<version>:]<name>|<key>`, so
    // two apps with a `sessions` cache on one Redis never share entries.
    const cache = new TieredCache({
      logger: new Logger(`Tiercache:${name}`),
      ...rootOptions,
      ...rest,
      namespace: rootNamespace ?? rootOptions.namespace ?? 'tc',
    });
    this.#owned.push(cache);
    return cache.namespace(namespace);
  }
}
