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
