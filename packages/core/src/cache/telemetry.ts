import { CacheEvents, emptyStats, type CacheStats, type TierName } from '../events/cache-events.js';

export type StaleReason = 'grace' | 'fail-safe' | 'timeout';

/** The counters and events of one cache and its child namespaces; every unit reports through it. */
export class Telemetry {
  readonly events = new CacheEvents();
  readonly stats: CacheStats = emptyStats();

  hit(key: string, tier: TierName, label?: string): void {
    if (tier === 'l1') this.stats.hitsL1++;
    else this.stats.hitsL2++;
    if (this.events.heard('hit')) this.events.emit('hit', { key, tier, label });
  }

  miss(key: string, label?: string): void {
    this.stats.misses++;
    if (this.events.heard('miss')) this.events.emit('miss', { key, label });
  }

  staleServed(key: string, reason: StaleReason, label?: string): void {
    this.stats.staleServes++;
    this.events.emit('stale', { key, reason, label });
  }

  /** An operation failed and the cache carried on without it: never silent, always counted. */
  fault(operation: string, error: unknown, key?: string): void {
    this.stats.errors++;
    this.events.emit('fault', { tier: 'l2', operation, error, key });
  }

  /** A fault of this process, not of a tier (a value that cannot be serialized). */
  localFault(operation: string, error: unknown, key?: string): void {
    this.stats.errors++;
    this.events.emit('fault', { operation, error, key });
  }

  malformed(key: string, reason: string): void {
    this.stats.malformed++;
    this.events.emit('malformed', { key, reason });
  }
}
