import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { LockProvider } from '@tiercache/core';
import { invalidOption } from '../errors.js';
import { checkKnownKeys } from '../options/known-keys.js';
import { WARMERS_MODULE_SHAPE } from '../options/shapes.js';
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
    checkOptions(options);
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

/** Fails where the module is declared, so `startup: 'now'` can't silently mean "background". */
function checkOptions(options: WarmersModuleOptions): void {
  checkKnownKeys(options, WARMERS_MODULE_SHAPE, 'WarmersModule.forRoot');
  const { startup, lockProvider, lockTtlMs } = options;
  if (startup !== undefined && startup !== 'await' && startup !== 'background') {
    throw invalidOption('WarmersModule.forRoot.startup', `expected 'await' or 'background', got ${JSON.stringify(startup)}`);
  }
  if (lockProvider !== undefined && !(lockProvider instanceof LockProvider)) {
    throw invalidOption('WarmersModule.forRoot.lockProvider', 'expected a LockProvider');
  }
  if (lockTtlMs !== undefined && (typeof lockTtlMs !== 'number' || !Number.isInteger(lockTtlMs) || lockTtlMs < 1)) {
    throw invalidOption('WarmersModule.forRoot.lockTtlMs', `expected a positive integer of milliseconds, got ${String(lockTtlMs)}`);
  }
}
