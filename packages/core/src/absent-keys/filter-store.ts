import type { BloomShape, KeyHash } from './bloom.js';

/** What a store knows about its current filter (none before the first build has been swapped in). */
export interface StoredFilterState {
  readonly current: (BloomShape & { setBits: number; items: number; builtAt: number }) | undefined;
  readonly building: boolean;
}

/**
 * Two filters, the current one and (while a rebuild runs) the next. Every `add` goes into both, so
 * a key added while the next filter is being filled is in it when it is swapped in.
 */
export interface FilterStore {
  /** Adds the keys to the current and the building filter. */
  add(hashes: readonly KeyHash[]): Promise<void>;
  /** `undefined`: there is no filter yet (the caller must load). */
  mightContain(hash: KeyHash): Promise<boolean | undefined>;
  /** Opens an empty next filter held by `token` for `leaseMs`; false if another build holds it. */
  begin(token: string, shape: BloomShape, leaseMs: number): Promise<boolean>;
  /** Adds the builder's keys to the next filter, renewing its lease; false if the build was lost. */
  fill(token: string, hashes: readonly KeyHash[], leaseMs: number): Promise<boolean>;
  /** Makes the next filter the current one and frees the old one, atomically; false if the build was lost. */
  swap(token: string, items: number): Promise<boolean>;
  /** Drops the next filter after a failed build. */
  abort(token: string): Promise<void>;
  state(): Promise<StoredFilterState>;
}
