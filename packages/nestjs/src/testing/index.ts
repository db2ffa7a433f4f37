import type { DynamicModule } from '@nestjs/common';
import type { CacheModuleOptions } from '../cache-module.options.js';
import { CacheModule } from '../cache.module.js';

/**
 * `CacheModule` for your own tests: global, L1 only (no Redis), with the same decorators and
 * semantics as production.
 *
 * @example
 * Test.createTestingModule({ imports: [CacheTestingModule.forRoot()], providers: [AgentsService] })
 */
export const CacheTestingModule = {
  forRoot(options: Omit<CacheModuleOptions, 'l2'> = {}): DynamicModule {
    return CacheModule.forRoot({ namespace: 'test', ...options, l2: false, isGlobal: true });
  },
};
