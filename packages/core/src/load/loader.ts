import type { WriteOptions } from '../cache/options.js';

export interface LoaderContext {
  /** The full key being loaded, prefix included. */
  readonly key: string;
  /**
   * Changes how the value being loaded is stored, once it is known: a TTL or tags that depend on
   * the value, or `{ ttl: 0, negativeTtl: 0 }` to return it without caching it.
   */
  setOptions(options: WriteOptions): void;
}

/** Produces the value for a missing key; its errors reach the caller unchanged. */
export type Loader<T> = (context: LoaderContext) => T | Promise<T>;
