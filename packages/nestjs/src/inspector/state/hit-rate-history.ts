import type { CacheMetricsSnapshot, SeriesSnapshot } from '@tiercache/core';
import type { HistoryPoint } from './inspector-state.js';

interface Counts {
  served: number;
  reads: number;
}

function counts(series: SeriesSnapshot): Counts {
  const served = series.hitsL1 + series.hitsL2 + series.staleServes;
  return { served, reads: served + series.misses };
}

/**
 * Hit rates per sampling interval, from the deltas of cumulative counters: a lifetime hit rate hides
 * what changed a minute ago, which is what someone opening the page wants to see.
 */
export class HitRateHistory {
  readonly #points: HistoryPoint[] = [];
  readonly #capacity: number;
  #previous = new Map<string, Counts>();
  #previousAt: number | undefined;

  constructor(historyMs: number, sampleEveryMs: number) {
    this.#capacity = Math.ceil(historyMs / sampleEveryMs);
  }

  /** Takes the counters at `at` and appends the interval since the previous call (none on the first). */
  record(snapshot: Record<string, CacheMetricsSnapshot>, at: number): HistoryPoint | undefined {
    const current = new Map<string, Counts>();
    const point: HistoryPoint = { t: at, caches: {}, methods: {}, readsPerSecond: {} };
    const seconds = this.#previousAt === undefined ? 0 : Math.max((at - this.#previousAt) / 1_000, 0.001);
    for (const [cache, series] of Object.entries(snapshot)) {
      const c = counts(series);
      current.set(`c:${cache}`, c);
      const rate = this.#rate(`c:${cache}`, c);
      point.caches[cache] = rate.value;
      point.readsPerSecond[cache] = seconds === 0 ? 0 : rate.reads / seconds;
      for (const [label, labelled] of Object.entries(series.labels)) {
        const m = counts(labelled);
        current.set(`m:${label}`, m);
        point.methods[label] = this.#rate(`m:${label}`, m).value;
      }
    }
    const first = this.#previousAt === undefined;
    this.#previous = current;
    this.#previousAt = at;
    if (first) return undefined;
    this.#points.push(point);
    if (this.#points.length > this.#capacity) this.#points.splice(0, this.#points.length - this.#capacity);
    return point;
  }

  points(): HistoryPoint[] {
    return [...this.#points];
  }

  #rate(key: string, now: Counts): { value: number | null; reads: number } {
    const before = this.#previous.get(key) ?? { served: 0, reads: 0 };
    const reads = now.reads - before.reads;
    return { value: reads <= 0 ? null : (now.served - before.served) / reads, reads: Math.max(reads, 0) };
  }
}
