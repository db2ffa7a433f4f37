import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { LockProvider, TieredCache } from '@tiercache/core';
import { DEFAULT_CACHE, getCacheToken } from './cache.constants.js';
import { CacheRegistry } from './cache-registry.js';
import { ASYNC_OPTIONS_TYPE, ConfigurableModuleClass, OPTIONS_TYPE } from './cache.module-definition.js';
import { CacheExplorer } from './explorer/cache-explorer.js';

function cacheProviders(names: readonly string[]): Provider[] {
  return [
    { provide: TieredCache, useFactory: (registry: CacheRegistry) => registry.get(DEFAULT_CACHE), inject: [CacheRegistry] },
    { provide: LockProvider, useFactory: (registry: CacheRegistry) => registry.locks, inject: [CacheRegistry] },
    ...names.map((name) => ({
      provide: getCacheToken(name),
      useFactory: (registry: CacheRegistry) => registry.get(name),
      inject: [CacheRegistry],
    })),
  ];
}

function withCaches(module: DynamicModule, names: readonly string[]): DynamicModule {
  const caches = cacheProviders(names);
  return {
    ...module,
    imports: [...(module.imports ?? []), DiscoveryModule],
    providers: [...(module.providers ?? []), CacheRegistry, CacheExplorer, ...caches],
    exports: [...(module.exports ?? []), CacheRegistry, ...caches.map((provider) => (provider as { provide: unknown }).provide as string)],
  };
}

/**
 * Import once, in the root module. Provides the default `TieredCache` and a `LockProvider` (inject
 * them by class), named caches (`@InjectCache(name)`), and the behaviour of the decorators.
 *
 * @example
 * CacheModule.forRoot({ isGlobal: true, namespace: 'app', ttl: 60_000, l2: { redis: process.env.REDIS_URL } })
 */
@Module({})
export class CacheModule extends ConfigurableModuleClass {
  static override forRoot(options: typeof OPTIONS_TYPE = {}): DynamicModule {
    const names = Object.keys(options.caches ?? {});
    return withCaches(super.forRoot({ ...options, cacheNames: names }), names);
  }

  static override forRootAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    return withCaches(super.forRootAsync(options), options.cacheNames ?? []);
  }
}
