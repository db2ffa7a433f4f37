import { Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { CacheMetricsModule } from '@tiercache/nestjs/metrics';
import { PrometheusExporter } from '@tiercache/nestjs/metrics/prometheus';
import { WriteBehindRegistry } from '@tiercache/nestjs/write-behind';
import { registerWriteBehindMetrics } from '@tiercache/nestjs/write-behind/prometheus';
import { Registry } from 'prom-client';
import { CacheStatsCollector } from './cache-stats.collector.js';
import { MetricsController } from './metrics.controller.js';

/**
 * GET /metrics: Tiercache's counters per cache and per cached method, the cache's state, and the
 * write-behind queues'. On a registry of this application's own: prom-client's global one would be
 * shared by every app in the process (tests start several) and refuse the second registration of a name.
 */
@Module({})
export class MetricsModule implements OnModuleInit, OnApplicationShutdown {
  #stopWriteBehindMetrics: (() => void) | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly cacheStats: CacheStatsCollector,
    private readonly writeBehinds: WriteBehindRegistry,
  ) {}

  static forRoot(): DynamicModule {
    const registry = new Registry();
    return {
      module: MetricsModule,
      imports: [CacheMetricsModule.forRoot({ exporters: [new PrometheusExporter({ registry })] })],
      controllers: [MetricsController],
      providers: [{ provide: Registry, useValue: registry }, CacheStatsCollector],
    };
  }

  onModuleInit(): void {
    this.cacheStats.register(this.registry);
    // Depth, lag, dead letters and flushes of the write-behind queues (heartbeats).
    this.#stopWriteBehindMetrics = registerWriteBehindMetrics(this.registry, this.writeBehinds);
  }

  onApplicationShutdown(): void {
    this.#stopWriteBehindMetrics?.();
  }
}
