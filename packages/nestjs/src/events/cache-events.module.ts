import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { CacheEventsModuleOptions } from './cache-events.options.js';
import { EventInvalidations } from './event-invalidations.js';
import { CACHE_EVENTS_OPTIONS } from './events.constants.js';
import { checkEventsOptions } from './module-rules.js';

/**
 * Invalidates caches when application events fire (`@nestjs/event-emitter`): the `invalidateOn` of
 * every `@Cacheable`, and the `invalidate` map given here. Import it next to `CacheModule` and
 * `EventEmitterModule.forRoot()`.
 *
 * @example
 * CacheEventsModule.forRoot({
 *   invalidate: { 'vote.cast': [{ cache: 'boards', tags: ['boards'] }, { cache: 'agents', tags: (vote: Vote) => [`agent:${vote.agentId}`] }] },
 * })
 */
@Module({})
export class CacheEventsModule {
  static forRoot(options: CacheEventsModuleOptions = {}): DynamicModule {
    checkEventsOptions(options);
    return {
      module: CacheEventsModule,
      global: true,
      imports: [DiscoveryModule],
      providers: [{ provide: CACHE_EVENTS_OPTIONS, useValue: options }, EventInvalidations],
      exports: [EventInvalidations],
    };
  }
}
