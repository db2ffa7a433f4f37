import type { CacheKey, InvalidationMode } from '@tiercache/core';
import type { InvalidationTargets } from '../decorators/invalidate-on.js';

/**
 * One thing an event invalidates in one cache: fixed tags and keys, or functions of the payload.
 *
 * @example
 * { cache: 'agents', tags: (vote: VoteCast) => [`agent:${vote.agentId}`] }
 */
export interface EventInvalidationRule<E = any> {
  /** A cache named in `CacheModule` options; default: the default cache. */
  cache?: string;
  tags?: readonly string[] | ((payload: E) => string | readonly string[]);
  keys?: readonly CacheKey[] | ((payload: E) => readonly CacheKey[]);
  /** `hard` (default): tagged entries are gone; `soft`: stale, still usable within grace. */
  mode?: InvalidationMode;
}

export interface CacheEventsModuleOptions {
  /** Event name → what it invalidates, in addition to `@Cacheable({ invalidateOn })`. */
  invalidate?: Readonly<Record<string, EventInvalidationRule | readonly EventInvalidationRule[]>>;
}

/** Every invalidation handler, once normalised: where it came from, for logs and errors. */
export interface EventHandler {
  readonly event: string;
  /** `Class.method` for a decorator, `CacheEventsModule.invalidate['event'][i]` for the module map. */
  readonly source: string;
  readonly cache?: string;
  readonly mode: InvalidationMode;
  readonly targets: (payload: unknown) => InvalidationTargets | Promise<InvalidationTargets>;
}

/** Events of `EventInvalidations.events`. */
export interface EventInvalidationEventMap {
  /** A handler ran and its invalidation was applied (and announced to the fleet). */
  invalidated: [{ event: string; source: string; cache: string; tags: readonly string[]; keys: number }];
  /** A handler failed (its function threw or returned a bad shape, or the cache refused): logged and counted too. */
  failed: [{ event: string; source: string; error: Error }];
}

export interface EventInvalidationStats {
  invalidated: number;
  failed: number;
}
