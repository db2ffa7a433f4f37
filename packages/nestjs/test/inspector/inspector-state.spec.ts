import { CacheMetrics, TieredCache } from '@tiercache/core';
import { EventCounters } from '../../src/inspector/state/event-counters.js';
import { HitRateHistory } from '../../src/inspector/state/hit-rate-history.js';

describe('HitRateHistory', () => {
  it('rates each interval on its own reads, not on the lifetime totals', async () => {
    const cache = new TieredCache({ l2: false });
    const metrics = new CacheMetrics();
    metrics.attach(cache, 'default');
    const history = new HitRateHistory(10_000, 1_000);
    expect(history.record(metrics.snapshot(), 0)).toBeUndefined();
    for (let i = 0; i < 4; i++) metrics.record({ type: 'miss', cache: 'default', label: 'A.b' });
    expect(history.record(metrics.snapshot(), 1_000)).toEqual({ t: 1_000, caches: { default: 0 }, methods: { 'A.b': 0 }, readsPerSecond: { default: 4 } });
    metrics.record({ type: 'hit', cache: 'default', tier: 'l1', label: 'A.b' });
    // Lifetime: 1 of 5. This interval: 1 of 1.
    expect(history.record(metrics.snapshot(), 2_000)).toMatchObject({ caches: { default: 1 }, methods: { 'A.b': 1 } });
    expect(history.record(metrics.snapshot(), 3_000)).toMatchObject({ caches: { default: null }, readsPerSecond: { default: 0 } });
    metrics.close();
    await cache.close();
  });

  it('keeps only the configured window', () => {
    const history = new HitRateHistory(3_000, 1_000);
    for (let t = 0; t <= 10_000; t += 1_000) history.record({}, t);
    expect(history.points().map((p) => p.t)).toEqual([8_000, 9_000, 10_000]);
  });
});

describe('EventCounters', () => {
  it('counts bus and breaker events per shared connection, and hides keys unless asked', async () => {
    const cache = new TieredCache({ l2: false });
    const child = cache.namespace('child');
    const hidden = new EventCounters(false);
    const shown = new EventCounters(true);
    for (const counters of [hidden, shown]) {
      counters.watch('default', cache);
      counters.watch('child', child);
    }
    cache.events.emit('remote', { op: 'keys' });
    cache.events.emit('remote', { op: 'resync' });
    cache.events.emit('breaker:open', { tier: 'l2', error: new Error('x') });
    cache.events.emit('fault', { tier: 'l2', operation: 'get', error: new Error('x'), key: 'user:42:email' });
    expect(hidden.of(child)).toEqual({ applied: 1, resyncs: 1, disconnects: 0, breakerOpens: 1 });
    expect(hidden.faults()).toEqual([{ at: expect.any(Number), cache: 'default', operation: 'get' }]);
    expect(shown.faults()[0]).toMatchObject({ key: 'user:42:email' });
    hidden.close();
    cache.events.emit('remote', { op: 'keys' });
    expect(hidden.of(cache).applied).toBe(1);
    expect(shown.of(cache).applied).toBe(2);
    shown.close();
    await cache.close();
  });
});
