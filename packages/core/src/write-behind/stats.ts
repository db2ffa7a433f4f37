import type { CacheLogger } from '../logger.js';
import { DEFAULT_BUCKETS_MS, Histogram, type HistogramSnapshot } from '../metrics/histogram.js';

export interface WriteBehindStats {
  /** False for the in-memory queue: queued writes die with the process. */
  durable: boolean;
  /** True while Redis is unusable and writes go through to the database. */
  redisDown: boolean;
  /** Writes queued and not yet acknowledged by the database (fleet-wide with Redis). */
  depth: number;
  /** Age of the oldest such write (the flush lag), 0 when the queue is empty. */
  lagMs: number;
  /** Entries in the dead-letter streams (fleet-wide with Redis). */
  deadLetters: number;
  /** The counters below are this instance's since it started. */
  queued: number;
  written: number;
  batches: number;
  retries: number;
  deadLettered: number;
  writeThroughs: number;
  rejected: number;
  /** Writer calls that succeeded. */
  flushDuration: HistogramSnapshot;
}

/** One observation, for exporters (Prometheus histograms need each flush, not a snapshot). */
export type WriteBehindSample =
  | { type: 'flush'; queue: string; items: number; durationMs: number }
  | { type: 'retry'; queue: string }
  | { type: 'deadLetter'; queue: string }
  | { type: 'writeThrough'; queue: string }
  | { type: 'rejected'; queue: string };

/** This instance's counters; the fleet-wide figures come from the queue. */
export class WriteBehindCounters {
  queued = 0;
  writtenItems = 0;
  batches = 0;
  retries = 0;
  deadLettered = 0;
  writeThroughs = 0;
  rejected = 0;
  readonly flushDuration = new Histogram(DEFAULT_BUCKETS_MS);
  #lastError = '';

  written(count: number, durationMs: number): void {
    this.writtenItems += count;
    this.batches++;
    this.flushDuration.observe(durationMs);
    this.#lastError = '';
  }

  /** Counted every time; logged when the error changes, not once per retry of an outage. */
  retried(error: unknown, logger: CacheLogger, name: string): void {
    this.retries++;
    this.#logChange(error, logger, `Write-behind "${name}": the batch writer failed, retrying with backoff`);
  }

  failed(error: unknown, logger: CacheLogger, name: string): void {
    this.#logChange(error, logger, `Write-behind "${name}": the flusher could not reach the queue`);
  }

  snapshot(shared: Pick<WriteBehindStats, 'durable' | 'redisDown' | 'depth' | 'lagMs' | 'deadLetters'>): WriteBehindStats {
    return {
      ...shared,
      queued: this.queued,
      written: this.writtenItems,
      batches: this.batches,
      retries: this.retries,
      deadLettered: this.deadLettered,
      writeThroughs: this.writeThroughs,
      rejected: this.rejected,
      flushDuration: this.flushDuration.snapshot(),
    };
  }

  #logChange(error: unknown, logger: CacheLogger, context: string): void {
    const text = error instanceof Error ? error.message : String(error);
    if (text === this.#lastError) return;
    this.#lastError = text;
    logger.warn(`${context}: ${text}`);
  }
}
