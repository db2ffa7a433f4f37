import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { CacheModuleOptions } from './cache-module.options.js';

export interface CacheModuleExtras {
  /** Register the module globally, so feature modules need not import it. */
  isGlobal?: boolean;
  /**
   * With `forRootAsync`, the names of the caches its factory will define under `caches`, so that
   * `@InjectCache(name)` providers exist before the factory runs. `forRoot` derives them itself.
   */
  cacheNames?: string[];
}

/**
 * What a class given to `CacheModule.forRootAsync({ useClass })` (or `useExisting`) implements: Nest
 * instantiates it, with its own dependencies injected, and calls `create()` once at startup.
 *
 * @example
 * @Injectable()
 * class CacheConfig implements CacheModuleOptionsFactory {
 *   constructor(private readonly config: ConfigService) {}
 *   create(): CacheModuleOptions {
 *     return { namespace: 'app', l2: { redis: this.config.getOrThrow('REDIS_URL') } };
 *   }
 * }
 * CacheModule.forRootAsync({ imports: [ConfigModule], useClass: CacheConfig })
 */
export interface CacheModuleOptionsFactory {
  create(): CacheModuleOptions | Promise<CacheModuleOptions>;
}

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: CACHE_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<CacheModuleOptions>({ moduleName: 'Tiercache' })
  .setClassMethodName('forRoot')
  .setExtras<CacheModuleExtras>({ isGlobal: false, cacheNames: [] }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();
