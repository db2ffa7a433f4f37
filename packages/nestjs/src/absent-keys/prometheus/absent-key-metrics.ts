import type { AbsentKeyFilterStats } from '@tiercache/core';
import { Gauge, register as defaultRegistry, type Registry } from 'prom-client';
import type { AbsentKeyFilters } from '../absent-keys.registry.js';

/**
 * Exposes every filter of `filters` to Prometheus, read at scrape time: `<prefix>absent_key_filter_fill{filter}`
 * (fraction of bits set), `…_false_positive_rate` (estimated), `…_items` (at the last build), and this
 * instance's `…_checks` and `…_skipped` (loads avoided). Returns the function that unregisters them.
 *
 * @example
 * registerAbsentKeyMetrics(registry, app.get(AbsentKeyFilters));
 */
export function registerAbsentKeyMetrics(registry: Registry = defaultRegistry, filters: AbsentKeyFilters, prefix = 'tiercache_'): () => void {
  const created: string[] = [];
  const gauge = (suffix: string, help: string, read: (stats: AbsentKeyFilterStats) => number): void => {
    const name = `${prefix}absent_key_filter_${suffix}`;
    created.push(name);
    new Gauge({
      name,
      help,
      labelNames: ['filter'],
      registers: [registry],
      async collect() {
        for (const filter of filters.names()) {
          const stats = await filters.get(filter).stats().catch(() => undefined);
          if (stats !== undefined) this.set({ filter }, read(stats));
        }
      },
    });
  };
  gauge('fill', 'Fraction of the filter bits set.', (s) => s.fill);
  gauge('false_positive_rate', 'Estimated false-positive rate from the fill.', (s) => s.estimatedFalsePositiveRate);
  gauge('items', 'Keys put in by the last build.', (s) => s.items);
  gauge('checks', 'Cache misses checked against the filter by this instance.', (s) => s.checks);
  gauge('skipped', 'Loads skipped by this instance for keys the filter never saw.', (s) => s.skipped);
  return () => {
    for (const name of created) registry.removeSingleMetric(name);
  };
}
