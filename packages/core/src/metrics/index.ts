export { CacheMetrics } from './cache-metrics.js';
export type { CacheMetricsOptions, CacheMetricsSnapshot, SeriesSnapshot } from './cache-metrics.js';
export { DEFAULT_BUCKETS_MS } from './histogram.js';
export type { HistogramSnapshot } from './histogram.js';
export type { Advice, AdviceCode, CacheReport, MethodReport, ReportThresholds } from './report.js';
export type { MetricSample } from './samples.js';
