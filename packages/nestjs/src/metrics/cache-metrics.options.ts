import type { CacheMetricsOptions } from '@tiercache/core';
import type { MetricsExporter } from './metrics-exporter.js';

export interface CacheMetricsModuleOptions extends CacheMetricsOptions {
  /** e.g. `new PrometheusExporter()` from `@tiercache/nestjs/metrics/prometheus`. */
  exporters?: MetricsExporter[];
}
