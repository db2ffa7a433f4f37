import { Module, type DynamicModule } from '@nestjs/common';
import { APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';
import { HTTP_CACHE_OPTIONS } from './http-cache.constants.js';
import { HttpCacheExplorer } from './http-cache.explorer.js';
import { HttpCacheInterceptor } from './http-cache.interceptor.js';
import { resolveHttpCacheOptions, type HttpCacheModuleOptions } from './http-cache.options.js';

/**
 * Options of `HttpCacheInterceptor` and the startup check of uncacheable routes. Import it once,
 * next to CacheModule; `global: true` caches every GET/HEAD route (opt out with @NoHttpCache()).
 *
 * @example
 * HttpCacheModule.forRoot({ global: true, ttl: 30_000, grace: 60_000 })
 */
@Module({})
export class HttpCacheModule {
  static forRoot(options: HttpCacheModuleOptions = {}): DynamicModule {
    const resolved = resolveHttpCacheOptions(options);
    return {
      module: HttpCacheModule,
      global: true,
      imports: [DiscoveryModule],
      providers: [
        { provide: HTTP_CACHE_OPTIONS, useValue: resolved },
        HttpCacheInterceptor,
        HttpCacheExplorer,
        ...(resolved.global ? [{ provide: APP_INTERCEPTOR, useExisting: HttpCacheInterceptor }] : []),
      ],
      exports: [HTTP_CACHE_OPTIONS, HttpCacheInterceptor],
    };
  }
}
