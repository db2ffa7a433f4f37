import { metrics as otelMetrics, type Attributes, type Meter } from '@opentelemetry/api';
import type { CacheMetrics, MetricSample } from '@tiercache/core';
import { checkKnownKeys } from '../../options/known-keys.js';
import type { MetricsExporter } from '../metrics-exporter.js';

export interface OpenTelemetryExporterOptions {
  /** Default: `metrics.getMeter('@tiercache/nestjs')` from the globally registered MeterProvider. */
  meter?: Meter;
}

/**
 * Records cache metrics on an OpenTelemetry meter: counters `tiercache.cache.hits` (attributes
 * `cache`, `tier`, `label`), `.misses`, `.stale_serves`, `tiercache.loader.calls`, `.errors`, histogram
 * `tiercache.loader.duration` (s), `tiercache.l1.evictions`, `tiercache.l2.errors` (`operation`) and
 * `tiercache.lock.wait` (s). `label` (the decorated method) is left out for calls without one.
 *
 * @example
 * CacheMetricsModule.forRoot({ exporters: [new OpenTelemetryExporter()] })
 */
export class OpenTelemetryExporter implements MetricsExporter {
  readonly #meter: Meter;

  constructor(options: OpenTelemetryExporterOptions = {}) {
    checkKnownKeys(options, { meter: true }, 'OpenTelemetryExporter');
    this.#meter = options.meter ?? otelMetrics.getMeter('@tiercache/nestjs');
  }

  attach(metrics: CacheMetrics): () => void {
    const meter = this.#meter;
    const advice = { explicitBucketBoundaries: metrics.bucketsMs.map((ms) => ms / 1_000) };
    const hits = meter.createCounter('tiercache.cache.hits', { description: 'Reads served fresh from a tier.' });
    const misses = meter.createCounter('tiercache.cache.misses', { description: 'Reads no tier could serve.' });
    const stale = meter.createCounter('tiercache.cache.stale_serves', { description: 'Reads served a stale value.' });
    const loads = meter.createCounter('tiercache.loader.calls', { description: 'Loader calls.' });
    const loadErrors = meter.createCounter('tiercache.loader.errors', { description: 'Loader calls that threw.' });
    const loadDuration = meter.createHistogram('tiercache.loader.duration', { description: 'Loader duration.', unit: 's', advice });
    const evictions = meter.createCounter('tiercache.l1.evictions', { description: 'Entries L1 dropped to stay within its bounds.' });
    const l2Errors = meter.createCounter('tiercache.l2.errors', { description: 'Redis operations that failed and were skipped.' });
    const lockWait = meter.createHistogram('tiercache.lock.wait', { description: 'Time spent waiting for a lock before loading.', unit: 's', advice });

    const record = (sample: MetricSample): void => {
      const attributes: Attributes = { cache: sample.cache };
      if ('label' in sample && sample.label !== undefined) attributes.label = sample.label;
      switch (sample.type) {
        case 'hit':
          return hits.add(1, { ...attributes, tier: sample.tier });
        case 'miss':
          return misses.add(1, attributes);
        case 'stale':
          return stale.add(1, attributes);
        case 'load':
          loads.add(1, attributes);
          if (sample.failed) loadErrors.add(1, attributes);
          return loadDuration.record(sample.durationMs / 1_000, attributes);
        case 'eviction':
          return evictions.add(1, attributes);
        case 'l2Error':
          return l2Errors.add(1, { ...attributes, operation: sample.operation });
        case 'lockWait':
          return lockWait.record(sample.durationMs / 1_000, attributes);
      }
    };
    // Instruments cannot be unregistered from a meter; detaching only stops recording.
    return metrics.subscribe(record);
  }
}
