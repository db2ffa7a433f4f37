import type { SetManyItem, TieredCache } from '@tiercache/core';

/** An application event that triggered a run (`@CacheWarmer({ on })`). */
export interface WarmerEvent {
  readonly name: string;
  readonly payload: unknown;
}

/** Handed to a `@CacheWarmer` method on every run. */
export interface WarmerContext {
  readonly name: string;
  /** The events of the burst that triggered this run, in order; empty for scheduled, startup and manual runs. */
  readonly events: readonly WarmerEvent[];
  /**
   * The cache the warmer fills (`cache` option; default: the default cache), as a view that refuses
   * writes (`set`, `getOrSet`, `delete`…, rejected with the signal's reason) once `signal` is aborted.
   */
  readonly cache: TieredCache;
  /**
   * Aborted when the run times out, loses its lock or the application shuts down. Pass it on to slow
   * queries; `setMany` refuses to write once it is aborted, so a late write cannot land.
   */
  readonly signal: AbortSignal;
  /** Writes through `TieredCache.setMany` (L2 writes pipelined) and counts the items for the run status. */
  setMany(items: readonly SetManyItem[]): Promise<void>;
  /** Reports progress as a `progress` event on `WarmerRegistry.events` and a debug log line. */
  progress(done: number, total?: number): void;
}
