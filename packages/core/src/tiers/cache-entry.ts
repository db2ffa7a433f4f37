/** What every tier keeps for a key: the value and the metadata that freshness, tags and grace need. */
export interface CacheEntry<T = unknown> {
  readonly value: T;
  /** When the value was produced (ms since epoch); tag and clear invalidations compare against it. */
  readonly createdAt: number;
  /** Logical expiry (ms since epoch): the value is fresh strictly before this instant. */
  readonly expiresAt: number;
  readonly tags?: readonly string[];
  /** How long the value took to load, in ms (0 when set directly); early refresh scales by it. */
  readonly loadMs?: number;
}
