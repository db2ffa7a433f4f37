import { TieredCache } from '../../src/index.js';
import { CacheMetrics } from '../../src/metrics/index.js';
import { silentLogger, uniqueNamespace } from '../support/redis.js';

function l1Cache(options: ConstructorParameters<typeof TieredCache>[0] = {}): TieredCache {
  return new TieredCache({ namespace: uniqueNamespace('metrics'), logger: silentLogger, l2: false, ...options });
}

describe('CacheMetrics', () => {
  let caches: TieredCache[];
  let metrics: CacheMetrics;
  beforeEach(() => {
    caches = [];
    metrics = new CacheMetrics({ bucketsMs: [10, 100, 1_000] });
  });
  afterEach(async () => {
    metrics.close();
    await Promise.all(caches.map((cache) => cache.close()));
  });
  const track = (cache: TieredCache): TieredCache => (caches.push(cache), cache);

  it('counts hits per tier, misses and loads per cache and per label', async () => {
    const cache = track(l1Cache());
    metrics.attach(cache, 'main');
    await cache.getOrSet('a', () => 1, { label: 'Users.find' });
    await cache.getOrSet('a', () => 1, { label: 'Users.find' });
    await cache.getOrSet('a', () => 1, { label: 'Users.find' });
    await cache.getOrSet('b', () => 2);
    await expect(cache.getOrSet('c', () => Promise.reject(new Error('db down')), { label: 'Users.find' })).rejects.toThrow('db down');

    const { main } = metrics.snapshot();
    expect(main).toMatchObject({ hitsL1: 2, hitsL2: 0, misses: 3, loads: 3, loadErrors: 1 });
    expect(main!.hitRate).toBeCloseTo(2 / 5);
    expect(main!.labels['Users.find']).toMatchObject({ hitsL1: 2, misses: 2, loads: 2, loadErrors: 1 });
    expect(main!.labels['Users.find']!.hitRate).toBeCloseTo(0.5);
    expect(Object.keys(main!.labels)).toEqual(['Users.find']);
    expect(main!.loadDuration.count).toBe(3);
  });

  it('puts loader durations in cumulative buckets and estimates percentiles from them', () => {
    const cache = track(l1Cache());
    metrics.attach(cache, 'main');
    for (const durationMs of [5, 5, 50, 500, 5_000]) cache.events.emit('load', { key: `${cache.prefix}k`, durationMs, label: 'm' });
    const histogram = metrics.snapshot().main!.labels.m!.loadDuration;
    expect(histogram.buckets).toEqual([
      { le: 10, count: 2 },
      { le: 100, count: 3 },
      { le: 1_000, count: 4 },
      { le: Infinity, count: 5 },
    ]);
    expect(histogram.sumMs).toBe(5_560);
    expect(histogram.p50Ms).toBe(100);
    expect(histogram.p95Ms).toBe(1_000);
  });

  it('attributes events of namespaces sharing one cache to the namespace the key belongs to, once', async () => {
    const root = track(l1Cache());
    const reports = root.namespace('reports');
    metrics.attach(root, 'default');
    metrics.attach(reports, 'reports');
    await root.getOrSet('x', () => 1);
    await reports.getOrSet('x', () => 2);
    await reports.getOrSet('x', () => 2);
    const snapshot = metrics.snapshot();
    expect(snapshot.default).toMatchObject({ misses: 1, hitsL1: 0, loads: 1 });
    expect(snapshot.reports).toMatchObject({ misses: 1, hitsL1: 1, loads: 1 });
  });

  it('counts evictions and L2 faults, and stops counting once detached', async () => {
    const cache = track(l1Cache({ l1: { maxEntries: 2 } }));
    const detach = metrics.attach(cache, 'main');
    await cache.setMany([1, 2, 3, 4].map((n) => ({ key: `k${n}`, value: n })));
    cache.events.emit('fault', { tier: 'l2', operation: 'get', error: new Error('ECONNRESET'), key: `${cache.prefix}k1` });
    cache.events.emit('fault', { operation: 'serialize', error: new Error('cycle'), key: `${cache.prefix}k1` });
    expect(metrics.snapshot().main).toMatchObject({ evictions: 2, l2Errors: { get: 1 } });

    detach();
    await cache.getOrSet('new', () => 1);
    expect(metrics.snapshot().main!.misses).toBe(0);
    expect(cache.events.listenerCount('miss')).toBe(0);
  });

  it('accepts stale serves and lock waits through record, and passes every sample to subscribers', () => {
    const cache = track(l1Cache());
    metrics.attach(cache, 'main');
    const seen: string[] = [];
    const unsubscribe = metrics.subscribe((sample) => seen.push(sample.type));
    metrics.record({ type: 'stale', cache: 'main', label: 'm' });
    metrics.record({ type: 'lockWait', cache: 'main', label: 'm', durationMs: 20 });
    metrics.record({ type: 'miss', cache: 'not-attached' });
    unsubscribe();
    metrics.record({ type: 'miss', cache: 'main' });
    const main = metrics.snapshot().main!;
    expect(main.labels.m).toMatchObject({ staleServes: 1, hitRate: 1 });
    expect(main.labels.m!.lockWait.count).toBe(1);
    expect(seen).toEqual(['stale', 'lockWait']);
  });

  it('rejects a name attached twice and unusable buckets', () => {
    const cache = track(l1Cache());
    metrics.attach(cache, 'main');
    expect(() => metrics.attach(cache, 'main')).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    expect(() => new CacheMetrics({ bucketsMs: [10, 5] })).toThrow(expect.objectContaining({ code: 'E_INVALID_OPTION' }));
  });

  describe('report', () => {
    it('flags a low hit rate, a slow loader on misses and a failing loader; sorts by loader time', () => {
      const cache = track(l1Cache());
      metrics.attach(cache, 'main');
      const key = `${cache.prefix}k`;
      for (let i = 0; i < 30; i++) {
        cache.events.emit('miss', { key, label: 'Search.query' });
        cache.events.emit('load', { key, durationMs: 300, label: 'Search.query' });
      }
      for (let i = 0; i < 30; i++) cache.events.emit('hit', { key, tier: 'l1', label: 'Users.find' });
      for (let i = 0; i < 10; i++) {
        cache.events.emit('miss', { key, label: 'Users.find' });
        cache.events.emit('load', { key, durationMs: 2, label: 'Users.find', ...(i < 2 ? { error: new Error('x') } : {}) });
      }
      const [report] = metrics.report();
      expect(report!.methods.map((m) => m.label)).toEqual(['Search.query', 'Users.find']);
      const [search, users] = report!.methods;
      expect(search!.advice.map((a) => a.code)).toEqual(['low-hit-rate', 'slow-loader']);
      expect(search!.meanLoadMs).toBe(300);
      expect(users!.hitRate).toBeCloseTo(0.75);
      expect(users!.advice.map((a) => a.code)).toEqual(['failing-loader']);
    });

    it('says nothing about methods with too little traffic, and flags L1 churn per cache', () => {
      const cache = track(l1Cache());
      metrics.attach(cache, 'main');
      const key = `${cache.prefix}k`;
      for (let i = 0; i < 5; i++) cache.events.emit('miss', { key, label: 'Rare.call' });
      for (let i = 0; i < 20; i++) cache.events.emit('hit', { key, tier: 'l2' });
      for (let i = 0; i < 10; i++) cache.events.emit('eviction', { key });
      const [report] = metrics.report();
      expect(report!.methods[0]!.advice).toEqual([]);
      expect(report!.advice.map((a) => a.code)).toEqual(['l1-too-small']);
    });
  });
});
