import { Module, type DynamicModule } from '@nestjs/common';
import { CacheMetrics } from '@tiercache/core';
import { checkKnownKeys } from '../options/known-keys.js';
import { METRICS_MODULE_SHAPE } from '../options/shapes.js';
import { CacheMetricsAttacher } from './cache-metrics.attacher.js';
import { CACHE_METRICS_OPTIONS } from './cache-metrics.constants.js';
import type { CacheMetricsModuleOptions } from './cache-metrics.options.js';

/**
 * Collects metrics from every cache of `CacheModule` and provides the collector, `CacheMetrics`, to the
 * whole application (for a `/cache-report` endpoint, say). Exporters are optional.
 *
 * @example
 * imports: [
 *   CacheModule.forRoot({ l2: { redis: process.env.REDIS_URL } }),
 *   CacheMetricsModule.forRoot({ exporters: [new PrometheusExporter({ registry })] }),
 * ]
 */
@Module({})
export class CacheMetricsModule {
  static forRoot(options: CacheMetricsModuleOptions = {}): DynamicModule {
    checkKnownKeys(options, METRICS_MODULE_SHAPE, 'CacheMetricsModule.forRoot');
    return {
      module: CacheMetricsModule,
      global: true,
      providers: [
        { provide: CACHE_METRICS_OPTIONS, useValue: options },
        // Built here so bad bucket options fail startup, not the first scrape.
        { provide: CacheMetrics, useFactory: () => new CacheMetrics({ bucketsMs: options.bucketsMs }) },
        CacheMetricsAttacher,
      ],
      exports: [CacheMetrics],
    };
  }
}
