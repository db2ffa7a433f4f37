export { CacheMetricsModule } from './cache-metrics.module.js';
export type { CacheMetricsModuleOptions } from './cache-metrics.options.js';
export type { MetricsExporter } from './metrics-exporter.js';
export { CacheMetrics } from '@tiercache/core';
export type { CacheMetricsSnapshot, CacheReport, MethodReport, MetricSample, ReportThresholds } from '@tiercache/core';
