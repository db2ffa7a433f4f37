import { metrics as otelMetrics, type Meter, type ObservableCallback } from '@opentelemetry/api';
import { DEFAULT_BUCKETS_MS, type WriteBehindSample } from '@tiercache/core';
import type { WriteBehindRegistry } from '../write-behind.registry.js';

/**
 * Records every write-behind of `queues` on an OpenTelemetry meter: observable gauges
 * `tiercache.write_behind.depth`, `.lag` (s) and `.dead_letters` (read from the queue at collection
 * time, fleet-wide with Redis), counters `.written`, `.retries`, `.dead_lettered`, `.write_throughs`
 * and `.rejected`, and histogram `.flush.duration` (s), each with attribute `queue`. Returns the
 * function that stops.
 *
 * @example
 * registerWriteBehindOpenTelemetry(app.get(WriteBehindRegistry));
 */
export function registerWriteBehindOpenTelemetry(queues: WriteBehindRegistry, meter: Meter = otelMetrics.getMeter('@tiercache/nestjs')): () => void {
  const prefix = 'tiercache.write_behind.';
  const gauges: { gauge: ReturnType<Meter['createObservableGauge']>; callback: ObservableCallback }[] = [];
  const observe = (name: string, description: string, read: (stats: Awaited<ReturnType<ReturnType<WriteBehindRegistry['get']>['stats']>>) => number, unit?: string): void => {
    const gauge = meter.createObservableGauge(`${prefix}${name}`, { description, ...(unit && { unit }) });
    const callback: ObservableCallback = async (result) => {
      for (const queue of queues.names()) {
        const stats = await queues.get(queue).stats().catch(() => undefined);
        if (stats !== undefined) result.observe(read(stats), { queue });
      }
    };
    gauge.addCallback(callback);
    gauges.push({ gauge, callback });
  };
  observe('depth', 'Writes queued and not yet in the database.', (s) => s.depth);
  observe('lag', 'Age of the oldest queued write.', (s) => s.lagMs / 1_000, 's');
  observe('dead_letters', 'Writes in the dead-letter streams.', (s) => s.deadLetters);
  const advice = { explicitBucketBoundaries: DEFAULT_BUCKETS_MS.map((ms) => ms / 1_000) };
  const duration = meter.createHistogram(`${prefix}flush.duration`, { description: 'Batch writer calls that succeeded.', unit: 's', advice });
  const written = meter.createCounter(`${prefix}written`, { description: 'Writes flushed to the database by this instance.' });
  const counters = {
    retry: meter.createCounter(`${prefix}retries`, { description: 'Failed batch writer calls, retried.' }),
    deadLetter: meter.createCounter(`${prefix}dead_lettered`, { description: 'Writes moved to the dead-letter stream.' }),
    writeThrough: meter.createCounter(`${prefix}write_throughs`, { description: 'Writes sent straight to the database.' }),
    rejected: meter.createCounter(`${prefix}rejected`, { description: 'Writes refused with E_WRITE_BEHIND_FULL.' }),
  };
  const record = (sample: WriteBehindSample): void => {
    const attributes = { queue: sample.queue };
    if (sample.type === 'flush') {
      duration.record(sample.durationMs / 1_000, attributes);
      written.add(sample.items, attributes);
    } else {
      counters[sample.type].add(1, attributes);
    }
  };
  const unsubscribe = queues.names().map((queue) => queues.get(queue).subscribe(record));
  return () => {
    for (const stop of unsubscribe) stop();
    for (const { gauge, callback } of gauges) gauge.removeCallback(callback);
  };
}
