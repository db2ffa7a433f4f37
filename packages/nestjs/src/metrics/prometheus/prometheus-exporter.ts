import type { CacheMetrics, MetricSample } from '@tiercache/core';
import { Counter, Histogram, register as defaultRegistry, type Registry } from 'prom-client';
import { checkKnownKeys } from '../../options/known-keys.js';
import type { MetricsExporter } from '../metrics-exporter.js';

export interface PrometheusExporterOptions {
  /** Default: prom-client's global registry. */
  registry?: Registry;
  /** Default `'tiercache_'`. */
  prefix?: string;
}

/**
 * Exposes cache metrics to Prometheus through prom-client: `<prefix>hits_total{cache,tier,label}`,
 * `misses_total`, `stale_serves_total`, `loads_total`, `load_errors_total`, `load_duration_seconds`
 * (histogram), `l1_evictions_total`, `l2_errors_total{operation}` and `lock_wait_seconds`. `label` is
 * the decorated method (`Class.method`), empty for calls without one. A registry takes one exporter at a
 * time: prom-client refuses a second metric with the same name.
 *
 * @example
 * CacheMetricsModule.forRoot({ exporters: [new PrometheusExporter({ registry })] })
 * // then serve `await registry.metrics()` with `registry.contentType` from a controller
 */
export class PrometheusExporter implements MetricsExporter {
  readonly #registry: Registry;
  readonly #prefix: string;

  constructor(options: PrometheusExporterOptions = {}) {
    checkKnownKeys(options, { registry: true, prefix: true }, 'PrometheusExporter');
    this.#registry = options.registry ?? defaultRegistry;
    this.#prefix = options.prefix ?? 'tiercache_';
  }

  attach(metrics: CacheMetrics): () => void {
    const registers = [this.#registry];
    const created: string[] = [];
    const name = (suffix: string): string => {
      const full = `${this.#prefix}${suffix}`;
      created.push(full);
      return full;
    };
    const seconds = metrics.bucketsMs.map((ms) => ms / 1_000);
    const byLabel = ['cache', 'label'] as const;
    const hits = new Counter({ name: name('hits_total'), help: 'Reads served fresh from a tier.', labelNames: ['cache', 'tier', 'label'], registers });
    const misses = new Counter({ name: name('misses_total'), help: 'Reads no tier could serve.', labelNames: byLabel, registers });
    const stale = new Counter({ name: name('stale_serves_total'), help: 'Reads served a stale value.', labelNames: byLabel, registers });
    const loads = new Counter({ name: name('loads_total'), help: 'Loader calls.', labelNames: byLabel, registers });
    const loadErrors = new Counter({ name: name('load_errors_total'), help: 'Loader calls that threw.', labelNames: byLabel, registers });
    const loadDuration = new Histogram({
      name: name('load_duration_seconds'),
      help: 'Loader duration.',
      labelNames: byLabel,
      buckets: seconds,
      registers,
    });
    const evictions = new Counter({ name: name('l1_evictions_total'), help: 'Entries L1 dropped to stay within its bounds.', labelNames: ['cache'], registers });
    const l2Errors = new Counter({ name: name('l2_errors_total'), help: 'Redis operations that failed and were skipped.', labelNames: ['cache', 'operation'], registers });
    const lockWait = new Histogram({ name: name('lock_wait_seconds'), help: 'Time spent waiting for a lock before loading.', labelNames: byLabel, buckets: seconds, registers });

    const record = (sample: MetricSample): void => {
      const labels = { cache: sample.cache, label: 'label' in sample ? (sample.label ?? '') : '' };
      switch (sample.type) {
        case 'hit':
          return hits.inc({ cache: sample.cache, tier: sample.tier, label: labels.label });
        case 'miss':
          return misses.inc(labels);
        case 'stale':
          return stale.inc(labels);
        case 'load':
          loads.inc(labels);
          if (sample.failed) loadErrors.inc(labels);
          return loadDuration.observe(labels, sample.durationMs / 1_000);
        case 'eviction':
          return evictions.inc({ cache: sample.cache });
        case 'l2Error':
          return l2Errors.inc({ cache: sample.cache, operation: sample.operation });
        case 'lockWait':
          return lockWait.observe(labels, sample.durationMs / 1_000);
      }
    };
    const unsubscribe = metrics.subscribe(record);
    return () => {
      unsubscribe();
      // So that a new application in the same process (tests, hot reload) can register them again.
      for (const metricName of created) this.#registry.removeSingleMetric(metricName);
    };
  }
}
