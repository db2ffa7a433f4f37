export { OpenTelemetryExporter } from './opentelemetry-exporter.js';
export type { OpenTelemetryExporterOptions } from './opentelemetry-exporter.js';
