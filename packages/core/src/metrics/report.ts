import type { CacheMetricsSnapshot, SeriesSnapshot } from './cache-metrics.js';

/** When the analyzer speaks up; every field has a default. */
export interface ReportThresholds {
  /** Fewer reads than this and a method gets no advice: too little traffic to judge. Default 20. */
  minReads?: number;
  /** Below this hit rate a method is flagged. Default 0.5. */
  lowHitRate?: number;
  /** A mean loader time at or above this (ms), with misses, is worth a longer TTL or a warmer. Default 100. */
  slowLoadMs?: number;
  /** Share of failed loader calls that is flagged. Default 0.05. */
  loadErrorRate?: number;
  /** L1 evictions per read above which L1 is too small for its working set. Default 0.1. */
  evictionsPerRead?: number;
}

export type AdviceCode = 'low-hit-rate' | 'slow-loader' | 'failing-loader' | 'l1-too-small' | 'l2-errors';

export interface Advice {
  code: AdviceCode;
  message: string;
}

export interface MethodReport {
  label: string;
  reads: number;
  hitRate: number;
  misses: number;
  loads: number;
  loadErrors: number;
  meanLoadMs: number;
  p95LoadMs: number;
  /** Loader time spent because of misses (loads × mean): what sorts the report. */
  loadTimeMs: number;
  advice: Advice[];
}

export interface CacheReport {
  cache: string;
  reads: number;
  hitRate: number;
  evictions: number;
  /** Advice about the cache as a whole (L1 size, Redis errors). */
  advice: Advice[];
  /** Most loader time first. */
  methods: MethodReport[];
}

function reads(series: SeriesSnapshot): number {
  return series.hitsL1 + series.hitsL2 + series.staleServes + series.misses;
}

function percent(rate: number): string {
  return `${Math.round(rate * 100)}%`;
}

function adviseMethod(series: SeriesSnapshot, t: Required<ReportThresholds>): Advice[] {
  const advice: Advice[] = [];
  if (reads(series) < t.minReads) return advice;
  const meanLoadMs = series.loadDuration.count === 0 ? 0 : series.loadDuration.sumMs / series.loadDuration.count;
  if (series.hitRate < t.lowHitRate) {
    advice.push({
      code: 'low-hit-rate',
      message:
        `Hit rate ${percent(series.hitRate)}: the key may be too specific (does it include a timestamp, a page ` +
        'size or a whole object?) or the TTL shorter than the time between reads of the same key.',
    });
  }
  if (series.misses > 0 && meanLoadMs >= t.slowLoadMs) {
    advice.push({
      code: 'slow-loader',
      message: `Each miss costs ~${Math.round(meanLoadMs)} ms of loading: raise the TTL, or warm these keys before they are read.`,
    });
  }
  if (series.loads > 0 && series.loadErrors / series.loads >= t.loadErrorRate) {
    advice.push({
      code: 'failing-loader',
      message:
        `${percent(series.loadErrors / series.loads)} of loads fail and nothing is cached for them: every caller ` +
        'retries the source. Return a fallback value with a short negativeTtl if failures are expected.',
    });
  }
  return advice;
}

function adviseCache(snapshot: CacheMetricsSnapshot, t: Required<ReportThresholds>): Advice[] {
  const advice: Advice[] = [];
  const total = reads(snapshot);
  if (total >= t.minReads && snapshot.evictions / total > t.evictionsPerRead) {
    advice.push({
      code: 'l1-too-small',
      message:
        `${snapshot.evictions} L1 evictions for ${total} reads: the working set does not fit; raise l1.maxEntries ` +
        'or l1.maxBytes, or give the largest values a shorter l1Ttl.',
    });
  }
  const l2Errors = Object.values(snapshot.l2Errors).reduce((sum, n) => sum + n, 0);
  if (l2Errors > 0) {
    advice.push({
      code: 'l2-errors',
      message: `${l2Errors} Redis operations failed and were skipped (${Object.keys(snapshot.l2Errors).join(', ')}): check the L2 health.`,
    });
  }
  return advice;
}

export function analyze(snapshot: Record<string, CacheMetricsSnapshot>, thresholds: ReportThresholds = {}): CacheReport[] {
  const t: Required<ReportThresholds> = {
    minReads: 20,
    lowHitRate: 0.5,
    slowLoadMs: 100,
    loadErrorRate: 0.05,
    evictionsPerRead: 0.1,
    ...thresholds,
  };
  return Object.entries(snapshot).map(([cache, series]) => ({
    cache,
    reads: reads(series),
    hitRate: series.hitRate,
    evictions: series.evictions,
    advice: adviseCache(series, t),
    methods: Object.entries(series.labels)
      .map(([label, s]): MethodReport => {
        const meanLoadMs = s.loadDuration.count === 0 ? 0 : s.loadDuration.sumMs / s.loadDuration.count;
        return {
          label,
          reads: reads(s),
          hitRate: s.hitRate,
          misses: s.misses,
          loads: s.loads,
          loadErrors: s.loadErrors,
          meanLoadMs,
          p95LoadMs: s.loadDuration.p95Ms,
          loadTimeMs: s.loadDuration.sumMs,
          advice: adviseMethod(s, t),
        };
      })
      .sort((a, b) => b.loadTimeMs - a.loadTimeMs),
  }));
}
