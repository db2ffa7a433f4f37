export { PrometheusExporter } from './prometheus-exporter.js';
export type { PrometheusExporterOptions } from './prometheus-exporter.js';
export { registerTenantUsageMetrics } from './tenant-usage.collector.js';
export type { TenantUsageMetricsOptions } from './tenant-usage.collector.js';
