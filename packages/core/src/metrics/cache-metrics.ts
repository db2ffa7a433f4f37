import type { TieredCache } from '../cache/tiered-cache.js';
import { invalidArgument, invalidOption } from '../errors.js';
import type { CacheEventMap, CacheEvents } from '../events/cache-events.js';
import { DEFAULT_BUCKETS_MS, Histogram, type HistogramSnapshot } from './histogram.js';
import { analyze, type CacheReport, type ReportThresholds } from './report.js';
import type { MetricSample } from './samples.js';

/** Counters of one caller (label) or of a whole cache. */
export interface SeriesSnapshot {
  hitsL1: number;
  hitsL2: number;
  misses: number;
  staleServes: number;
  loads: number;
  loadErrors: number;
  /** Reads served from the cache (fresh or stale) over all reads; 0 before the first read. */
  hitRate: number;
  loadDuration: HistogramSnapshot;
  lockWait: HistogramSnapshot;
}

export interface CacheMetricsSnapshot extends SeriesSnapshot {
  evictions: number;
  /** Redis operations that failed and were skipped (`fault` events), by operation. */
  l2Errors: Record<string, number>;
  /** Per caller; reads made without a label count in the cache totals only. */
  labels: Record<string, SeriesSnapshot>;
}

export interface CacheMetricsOptions {
  /** Histogram upper bounds in milliseconds, ascending. */
  bucketsMs?: readonly number[];
}

class Series {
  hitsL1 = 0;
  hitsL2 = 0;
  misses = 0;
  staleServes = 0;
  loads = 0;
  loadErrors = 0;
  readonly loadDuration: Histogram;
  readonly lockWait: Histogram;

  constructor(buckets: readonly number[]) {
    this.loadDuration = new Histogram(buckets);
    this.lockWait = new Histogram(buckets);
  }

  snapshot(): SeriesSnapshot {
    const served = this.hitsL1 + this.hitsL2 + this.staleServes;
    const reads = served + this.misses;
    return {
      hitsL1: this.hitsL1,
      hitsL2: this.hitsL2,
      misses: this.misses,
      staleServes: this.staleServes,
      loads: this.loads,
      loadErrors: this.loadErrors,
      hitRate: reads === 0 ? 0 : served / reads,
      loadDuration: this.loadDuration.snapshot(),
      lockWait: this.lockWait.snapshot(),
    };
  }
}

class CacheSeries extends Series {
  evictions = 0;
  readonly l2Errors = new Map<string, number>();
  readonly labels = new Map<string, Series>();
}

/**
 * Caches that share one emitter: a cache and its child namespaces. Their events arrive together, so
 * each is attributed to the attached cache with the longest prefix of its key.
 */
interface Route {
  /** Longest prefix first. */
  readonly caches: { prefix: string; name: string }[];
  readonly unsubscribe: () => void;
}

/**
 * Collects hit, miss, loader and eviction metrics from caches by listening to their events: nothing is
 * threaded through the cache itself. Read it with `snapshot()` or `report()`, or `subscribe` an exporter.
 *
 * @example
 * ```ts
 * const metrics = new CacheMetrics();
 * metrics.attach(cache, 'default');
 * // later
 * for (const { cache, methods } of metrics.report()) for (const m of methods) console.log(cache, m.label, m.hitRate, m.advice);
 * ```
 */
export class CacheMetrics {
  readonly #buckets: readonly number[];
  readonly #caches = new Map<string, CacheSeries>();
  readonly #routes = new Map<CacheEvents, Route>();
  readonly #listeners = new Set<(sample: MetricSample) => void>();
  readonly #attached = new Set<string>();

  constructor(options: CacheMetricsOptions = {}) {
    const buckets = options.bucketsMs ?? DEFAULT_BUCKETS_MS;
    if (!Array.isArray(buckets) || buckets.length === 0 || buckets.some((b, i) => !(b > 0) || (i > 0 && b <= buckets[i - 1]!))) {
      throw invalidOption('bucketsMs', 'expected ascending positive numbers of milliseconds');
    }
    this.#buckets = buckets;
  }

  /** The histogram bounds in use, in milliseconds. */
  get bucketsMs(): readonly number[] {
    return this.#buckets;
  }

  /**
   * Starts collecting from `cache` under `name`. Attaching a cache and its namespaces (which share one
   * set of events) is safe: every event is counted once, for the namespace its key belongs to.
   * Returns a function that stops collecting from this cache.
   */
  attach(cache: TieredCache, name: string): () => void {
    if (typeof name !== 'string' || name.length === 0) throw invalidArgument('metrics cache name', 'expected a non-empty string');
    if (this.#attached.has(name)) throw invalidArgument('metrics cache name', `"${name}" is attached already`);
    this.#attached.add(name);
    // Re-attaching after a detach keeps counting where it left off.
    if (!this.#caches.has(name)) this.#caches.set(name, new CacheSeries(this.#buckets));
    let route = this.#routes.get(cache.events);
    if (route === undefined) {
      route = this.#subscribeTo(cache.events);
      this.#routes.set(cache.events, route);
    }
    route.caches.push({ prefix: cache.prefix, name });
    route.caches.sort((a, b) => b.prefix.length - a.prefix.length);
    const events = cache.events;
    const detached = route;
    return () => {
      const i = detached.caches.findIndex((entry) => entry.name === name);
      if (i < 0) return;
      detached.caches.splice(i, 1);
      this.#attached.delete(name);
      if (detached.caches.length === 0) {
        detached.unsubscribe();
        this.#routes.delete(events);
      }
    };
  }

  /**
   * Records an observation the cache does not emit an event for (yet): stale serves and lock waits
   * from a stampede layer, for example. Samples for a cache that is not attached are ignored.
   */
  record(sample: MetricSample): void {
    const series = this.#caches.get(sample.cache);
    if (series === undefined) return;
    const labelled = 'label' in sample && sample.label !== undefined ? this.#label(series, sample.label) : undefined;
    for (const target of labelled ? [series, labelled] : [series]) {
      switch (sample.type) {
        case 'hit':
          if (sample.tier === 'l1') target.hitsL1++;
          else target.hitsL2++;
          break;
        case 'miss':
          target.misses++;
          break;
        case 'stale':
          target.staleServes++;
          break;
        case 'load':
          target.loads++;
          if (sample.failed) target.loadErrors++;
          target.loadDuration.observe(sample.durationMs);
          break;
        case 'lockWait':
          target.lockWait.observe(sample.durationMs);
          break;
        case 'eviction':
          series.evictions++;
          break;
        case 'l2Error':
          series.l2Errors.set(sample.operation, (series.l2Errors.get(sample.operation) ?? 0) + 1);
          break;
      }
    }
    for (const listener of this.#listeners) listener(sample);
  }

  /** Calls `listener` with every sample from now on; returns the function that unsubscribes it. */
  subscribe(listener: (sample: MetricSample) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Everything counted so far, per cache name. */
  snapshot(): Record<string, CacheMetricsSnapshot> {
    const result: Record<string, CacheMetricsSnapshot> = {};
    for (const [name, series] of this.#caches) {
      result[name] = {
        ...series.snapshot(),
        evictions: series.evictions,
        l2Errors: Object.fromEntries(series.l2Errors),
        labels: Object.fromEntries([...series.labels].map(([label, s]) => [label, s.snapshot()])),
      };
    }
    return result;
  }

  /** Per cache and per method: hit rate, loader cost and what to change, most expensive methods first. */
  report(thresholds?: ReportThresholds): CacheReport[] {
    return analyze(this.snapshot(), thresholds);
  }

  /** Stops listening to every cache and drops subscribers; the counters stay readable. */
  close(): void {
    for (const route of this.#routes.values()) route.unsubscribe();
    this.#routes.clear();
    this.#attached.clear();
    this.#listeners.clear();
  }

  #label(series: CacheSeries, label: string): Series {
    let labelled = series.labels.get(label);
    if (labelled === undefined) series.labels.set(label, (labelled = new Series(this.#buckets)));
    return labelled;
  }

  #subscribeTo(events: CacheEvents): Route {
    const caches: Route['caches'] = [];
    const owner = (key: string | undefined): string | undefined =>
      // A keyless event (a failed bulk operation) belongs to the widest cache: the one sharing the connection.
      key === undefined ? caches.at(-1)?.name : caches.find((entry) => key.startsWith(entry.prefix))?.name;

    const handlers: { [K in keyof CacheEventMap]?: (...args: CacheEventMap[K]) => void } = {
      hit: ({ key, tier, label }) => this.#emit(owner(key), (cache) => ({ type: 'hit', cache, tier, label })),
      miss: ({ key, label }) => this.#emit(owner(key), (cache) => ({ type: 'miss', cache, label })),
      // `in`, not `!== undefined`: a loader may reject with undefined and that is still a failure.
      load: (event) =>
        this.#emit(owner(event.key), (cache) => ({ type: 'load', cache, label: event.label, durationMs: event.durationMs, failed: 'error' in event })),
      stale: ({ key, label }) => this.#emit(owner(key), (cache) => ({ type: 'stale', cache, label })),
      'lock:wait': ({ key, label, durationMs }) => this.#emit(owner(key), (cache) => ({ type: 'lockWait', cache, label, durationMs })),
      eviction: ({ key }) => this.#emit(owner(key), (cache) => ({ type: 'eviction', cache })),
      fault: ({ key, tier, operation }) => {
        if (tier === 'l2') this.#emit(owner(key), (cache) => ({ type: 'l2Error', cache, operation }));
      },
    };
    for (const [event, handler] of Object.entries(handlers)) events.on(event as 'hit', handler as never);
    return {
      caches,
      unsubscribe: () => {
        for (const [event, handler] of Object.entries(handlers)) events.off(event as 'hit', handler as never);
      },
    };
  }

  #emit(cache: string | undefined, build: (cache: string) => MetricSample): void {
    if (cache !== undefined) this.record(build(cache));
  }
}
