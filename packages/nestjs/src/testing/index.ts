import type { DynamicModule } from '@nestjs/common';
import type { CacheModuleOptions } from '../cache-module.options.js';
import { CacheModule } from '../cache.module.js';

/**
 * `CacheModule` for your own tests: global, L1 only (no Redis), with the same decorators and
 * semantics as production. `compile()` is enough: decorated methods bind to the module's caches on
 * their first call if `init()` was not called. Without Nest, construct the service with a cache
 * (`new AgentsService(db, createTestingCache())`, from `@tiercache/core/testing`): it uses that one.
 *
 * @example
 * const moduleRef = await Test.createTestingModule({ imports: [CacheTestingModule.forRoot()], providers: [AgentsService] }).compile();
 * const agents = moduleRef.get(AgentsService); // cached as in production
 */
export const CacheTestingModule = {
  forRoot(options: Omit<CacheModuleOptions, 'l2'> = {}): DynamicModule {
    return CacheModule.forRoot({ namespace: 'test', ...options, l2: false, isGlobal: true });
  },
};
