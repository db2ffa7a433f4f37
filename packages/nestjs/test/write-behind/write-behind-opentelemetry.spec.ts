import { createNoopMeter, type Attributes, type Meter, type ObservableCallback } from '@opentelemetry/api';
import { TieredCache, WriteBehind, type WriteItem } from '@tiercache/core';
import { WriteBehindRegistry } from '@tiercache/nestjs/write-behind';
import { registerWriteBehindOpenTelemetry } from '@tiercache/nestjs/write-behind/opentelemetry';

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** Counters, histograms and observable gauges, recording what they are given. */
function recordingMeter() {
  const recorded: { instrument: string; value: number; attributes: Attributes }[] = [];
  const callbacks = new Map<string, ObservableCallback>();
  const push = (instrument: string) => (value: number, attributes: Attributes = {}) => recorded.push({ instrument, value, attributes });
  const meter: Meter = Object.assign(createNoopMeter(), {
    createCounter: (instrument: string) => ({ add: push(instrument) }),
    createHistogram: (instrument: string) => ({ record: push(instrument) }),
    createObservableGauge: (instrument: string) => ({
      addCallback: (callback: ObservableCallback) => callbacks.set(instrument, callback),
      removeCallback: () => callbacks.delete(instrument),
    }),
  }) as Meter;
  const observe = async (instrument: string): Promise<{ value: number; attributes: Attributes }[]> => {
    const seen: { value: number; attributes: Attributes }[] = [];
    await callbacks.get(instrument)?.({ observe: (value: number, attributes: Attributes = {}) => seen.push({ value, attributes }) });
    return seen;
  };
  return { meter, recorded, callbacks, observe };
}

describe('registerWriteBehindOpenTelemetry', () => {
  it('observes depth, lag and dead letters at collection time and records flushes and retries', async () => {
    const cache = new TieredCache({ namespace: 'wb-otel', logger: silent, l2: false });
    let fail = true;
    const written: WriteItem[] = [];
    const queue = new WriteBehind({
      name: 'beats',
      cache,
      logger: silent,
      flushEveryMs: 5,
      retryBaseMs: 1,
      maxBackoffMs: 5,
      maxAttempts: 1_000,
      writer: async (batch) => {
        if (fail) throw new Error('down');
        written.push(...batch);
      },
    });
    const registry = new WriteBehindRegistry();
    registry.add(queue, 1_000);
    const { meter, recorded, callbacks, observe } = recordingMeter();
    const stop = registerWriteBehindOpenTelemetry(registry, meter);
    try {
      await queue.write('a', 1);
      while (!recorded.some((r) => r.instrument === 'tiercache.write_behind.retries')) await new Promise((r) => setTimeout(r, 5));
      expect(await observe('tiercache.write_behind.depth')).toEqual([{ value: 1, attributes: { queue: 'beats' } }]);
      expect((await observe('tiercache.write_behind.lag'))[0]!.value).toBeGreaterThanOrEqual(0);
      expect(await observe('tiercache.write_behind.dead_letters')).toEqual([{ value: 0, attributes: { queue: 'beats' } }]);
      fail = false;
      while (written.length === 0) await new Promise((r) => setTimeout(r, 5));
      while (!recorded.some((r) => r.instrument === 'tiercache.write_behind.flush.duration')) await new Promise((r) => setTimeout(r, 5));
      expect(recorded).toContainEqual({ instrument: 'tiercache.write_behind.written', value: 1, attributes: { queue: 'beats' } });
      stop();
      expect(callbacks.size).toBe(0);
    } finally {
      await queue.close(1_000);
      await cache.close();
    }
  });
});
