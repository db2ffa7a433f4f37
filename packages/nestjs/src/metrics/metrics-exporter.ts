import type { CacheMetrics } from '@tiercache/core';

/**
 * Publishes a collector's samples somewhere (Prometheus, OpenTelemetry…). Each exporter lives behind its
 * own entry point, so an application only loads the client library it uses.
 */
export interface MetricsExporter {
  /** Starts publishing; returns the function that stops. */
  attach(metrics: CacheMetrics): () => void;
}
