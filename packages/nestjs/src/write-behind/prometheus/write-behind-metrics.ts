import { DEFAULT_BUCKETS_MS, type WriteBehindSample } from '@tiercache/core';
import { Counter, Gauge, Histogram, register as defaultRegistry, type Registry } from 'prom-client';
import type { WriteBehindRegistry } from '../write-behind.registry.js';

/**
 * Exposes every write-behind of `queues` to Prometheus: `<prefix>write_behind_depth{queue}`,
 * `write_behind_lag_seconds` and `write_behind_dead_letters` (read from the queue at scrape time,
 * fleet-wide with Redis), and this instance's `write_behind_flush_duration_seconds` (histogram),
 * `write_behind_written_total`, `write_behind_retries_total`, `write_behind_dead_lettered_total`,
 * `write_behind_write_throughs_total` and `write_behind_rejected_total`. Returns the function that
 * unregisters them. A separate helper rather than a sample type of `CacheMetrics`: the queue's
 * state is asked for at scrape time, not accumulated from events.
 *
 * @example
 * registerWriteBehindMetrics(registry, app.get(WriteBehindRegistry));
 */
export function registerWriteBehindMetrics(registry: Registry = defaultRegistry, queues: WriteBehindRegistry, prefix = 'tiercache_'): () => void {
  const registers = [registry];
  const created: string[] = [];
  const name = (suffix: string): string => {
    const full = `${prefix}write_behind_${suffix}`;
    created.push(full);
    return full;
  };
  const labelNames = ['queue'] as const;
  const state = (suffix: string, help: string, read: (stats: Awaited<ReturnType<ReturnType<WriteBehindRegistry['get']>['stats']>>) => number): void => {
    new Gauge({
      name: name(suffix),
      help,
      labelNames,
      registers,
      async collect() {
        for (const queue of queues.names()) {
          const stats = await queues.get(queue).stats().catch(() => undefined);
          if (stats !== undefined) this.set({ queue }, read(stats));
        }
      },
    });
  };
  state('depth', 'Writes queued and not yet in the database.', (s) => s.depth);
  state('lag_seconds', 'Age of the oldest queued write.', (s) => s.lagMs / 1_000);
  state('dead_letters', 'Writes in the dead-letter streams.', (s) => s.deadLetters);
  const duration = new Histogram({ name: name('flush_duration_seconds'), help: 'Batch writer calls that succeeded.', labelNames, buckets: DEFAULT_BUCKETS_MS.map((ms) => ms / 1_000), registers });
  const written = new Counter({ name: name('written_total'), help: 'Writes flushed to the database by this instance.', labelNames, registers });
  const counters = {
    retry: new Counter({ name: name('retries_total'), help: 'Failed batch writer calls, retried.', labelNames, registers }),
    deadLetter: new Counter({ name: name('dead_lettered_total'), help: 'Writes moved to the dead-letter stream.', labelNames, registers }),
    writeThrough: new Counter({ name: name('write_throughs_total'), help: 'Writes sent straight to the database (Redis down, or queue full).', labelNames, registers }),
    rejected: new Counter({ name: name('rejected_total'), help: 'Writes refused with E_WRITE_BEHIND_FULL.', labelNames, registers }),
  };
  const record = (sample: WriteBehindSample): void => {
    if (sample.type === 'flush') {
      duration.observe({ queue: sample.queue }, sample.durationMs / 1_000);
      written.inc({ queue: sample.queue }, sample.items);
    } else {
      counters[sample.type].inc({ queue: sample.queue });
    }
  };
  const unsubscribe = queues.names().map((queue) => queues.get(queue).subscribe(record));
  return () => {
    for (const stop of unsubscribe) stop();
    for (const metric of created) registry.removeSingleMetric(metric);
  };
}
