import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { WarmerRegistry } from './warmer-registry.js';
import { WARMERS_OPTIONS, WARMER_STATUS_SOURCE } from './warmers.constants.js';
import { WarmersExplorer } from './warmers.explorer.js';
import type { WarmersModuleOptions } from './warmers.options.js';
import { WarmersOrchestrator } from './warmers.orchestrator.js';

/**
 * Schedules `@CacheWarmer` methods. Import it next to `CacheModule` and `ScheduleModule.forRoot()`
 * (needed for `cron` / `everyMs` warmers; each appears in `SchedulerRegistry` under its name).
 *
 * @example
 * imports: [
 *   ScheduleModule.forRoot(),
 *   CacheModule.forRoot({ l2: { redis: process.env.REDIS_URL } }),
 *   WarmersModule.forRoot({ startup: 'await' }),
 * ]
 */
@Module({})
export class WarmersModule {
  static forRoot(options: WarmersModuleOptions = {}): DynamicModule {
    return {
      module: WarmersModule,
      global: true,
      imports: [DiscoveryModule],
      providers: [
        { provide: WARMERS_OPTIONS, useValue: options },
        WarmersOrchestrator,
        WarmersExplorer,
        WarmerRegistry,
        { provide: WARMER_STATUS_SOURCE, useExisting: WarmerRegistry },
      ],
      exports: [WarmerRegistry, WARMER_STATUS_SOURCE],
    };
  }
}
