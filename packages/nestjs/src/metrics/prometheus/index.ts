export { PrometheusExporter } from './prometheus-exporter.js';
export type { PrometheusExporterOptions } from './prometheus-exporter.js';
