import type { CacheMetrics, CacheMetricsSnapshot, RedisHealth, ReportThresholds, TieredCache } from '@tiercache/core';
import type { CacheRegistry } from '../../cache-registry.js';
import type { EventCounters } from './event-counters.js';
import type { AdviceView, CacheView, MethodView } from './inspector-state.js';

/** A PING slower than this is shown as down rather than holding up every sample. */
const HEALTH_TIMEOUT_MS = 500;

function reads(s: { hitsL1: number; hitsL2: number; misses: number; staleServes: number }): number {
  return s.hitsL1 + s.hitsL2 + s.misses + s.staleServes;
}

/** Reads each cache's public state (`status()`, `l2Health()`) and the metrics collector into page views. */
export class StateCollector {
  constructor(
    private readonly registry: CacheRegistry,
    private readonly metrics: CacheMetrics,
    private readonly counters: EventCounters,
    private readonly thresholds: ReportThresholds | undefined,
  ) {}

  async caches(snapshot: Record<string, CacheMetricsSnapshot>): Promise<CacheView[]> {
    const names = this.registry.names();
    // Namespaces share their parent's connection: one PING per client, not one per cache.
    const health = new Map<object, Promise<RedisHealth | undefined>>();
    const healthOf = (cache: TieredCache): Promise<RedisHealth | undefined> => {
      const client = cache.redisClient;
      if (client === undefined) return Promise.resolve(undefined);
      let probe = health.get(client);
      if (probe === undefined) health.set(client, (probe = cache.l2Health(HEALTH_TIMEOUT_MS)));
      return probe;
    };
    return Promise.all(names.map(async (name) => this.#view(name, this.registry.get(name), snapshot[name], await healthOf(this.registry.get(name)))));
  }

  methods(snapshot: Record<string, CacheMetricsSnapshot>): MethodView[] {
    const views: MethodView[] = [];
    for (const [cache, series] of Object.entries(snapshot)) {
      for (const [label, s] of Object.entries(series.labels)) {
        views.push({
          cache,
          label,
          reads: reads(s),
          hitRate: s.hitRate,
          loads: s.loads,
          meanLoadMs: s.loadDuration.count === 0 ? 0 : s.loadDuration.sumMs / s.loadDuration.count,
          p95LoadMs: s.loadDuration.p95Ms,
          staleServes: s.staleServes,
          lockWaits: s.lockWait.count,
        });
      }
    }
    return views.sort((a, b) => b.reads - a.reads);
  }

  advice(): AdviceView[] {
    return this.metrics.report(this.thresholds).flatMap((report) => [
      ...report.advice.map((a) => ({ cache: report.cache, code: a.code, message: a.message })),
      ...report.methods.flatMap((m) => m.advice.map((a) => ({ cache: report.cache, method: m.label, code: a.code, message: a.message }))),
    ]);
  }

  #view(name: string, cache: TieredCache, series: CacheMetricsSnapshot | undefined, health: RedisHealth | undefined): CacheView {
    const status = cache.status();
    const s = series;
    return {
      name,
      reads: s ? reads(s) : 0,
      hitRate: s?.hitRate ?? 0,
      hitsL1: s?.hitsL1 ?? 0,
      hitsL2: s?.hitsL2 ?? 0,
      misses: s?.misses ?? 0,
      staleServes: s?.staleServes ?? 0,
      loads: s?.loads ?? 0,
      loadErrors: s?.loadErrors ?? 0,
      loadP50Ms: s?.loadDuration.p50Ms ?? 0,
      loadP95Ms: s?.loadDuration.p95Ms ?? 0,
      lockWaits: s?.lockWait.count ?? 0,
      lockWaitP95Ms: s?.lockWait.p95Ms ?? 0,
      evictions: s?.evictions ?? 0,
      l2Errors: s ? Object.values(s.l2Errors).reduce((sum, n) => sum + n, 0) : 0,
      l1: status.l1 ?? null,
      l2:
        status.l2 === undefined
          ? null
          : {
              ...status.l2,
              nodes: (health?.nodes ?? []).map((node) => ({ ...node })),
              ...(health?.cluster && { cluster: { ...health.cluster } }),
            },
      bus: this.counters.of(cache),
    };
  }
}
