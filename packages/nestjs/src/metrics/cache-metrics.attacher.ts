import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { CacheMetrics } from '@tiercache/core';
import { CacheRegistry } from '../cache-registry.js';
import { CACHE_METRICS_OPTIONS } from './cache-metrics.constants.js';
import type { CacheMetricsModuleOptions } from './cache-metrics.options.js';

/** Connects the collector to every cache of the application, and the exporters to the collector. */
@Injectable()
export class CacheMetricsAttacher implements OnModuleInit, OnApplicationShutdown {
  readonly #detach: (() => void)[] = [];

  constructor(
    private readonly metrics: CacheMetrics,
    private readonly moduleRef: ModuleRef,
    @Inject(CACHE_METRICS_OPTIONS) private readonly options: CacheMetricsModuleOptions,
  ) {}

  onModuleInit(): void {
    // Looked up, not injected: CacheModule need not be global, nor imported by this module.
    const registry = this.moduleRef.get(CacheRegistry, { strict: false });
    for (const name of registry.names()) this.#detach.push(this.metrics.attach(registry.get(name), name));
    for (const exporter of this.options.exporters ?? []) this.#detach.push(exporter.attach(this.metrics));
  }

  onApplicationShutdown(): void {
    for (const detach of this.#detach.splice(0)) detach();
    this.metrics.close();
  }
}
