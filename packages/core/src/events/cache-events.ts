import { EventEmitter } from 'node:events';

export type TierName = 'l1' | 'l2';

/** Every event a cache emits, with its payload; subscribe with `cache.events.on(name, listener)`. */
export interface CacheEventMap {
  /** A fresh value was found in `tier`. `label` names the caller (e.g. `Class.method`) when given. */
  hit: [{ key: string; tier: TierName; label?: string }];
  /** No tier had a fresh value. */
  miss: [{ key: string; label?: string }];
  /** A loader ran for `key` (`error` set when it threw). */
  load: [{ key: string; durationMs: number; error?: unknown; label?: string }];
  /** A stale value was served: within grace while refreshing, or as the fail-safe when a load failed or was slow. */
  stale: [{ key: string; reason: 'grace' | 'fail-safe' | 'timeout'; label?: string }];
  /** A caller waited for another process's load of `key` (fleet-wide single-flight). */
  'lock:wait': [{ key: string; durationMs: number; label?: string }];
  set: [{ key: string }];
  delete: [{ key: string }];
  /** A namespace (key prefix) was cleared. */
  clear: [{ prefix: string }];
  /** L1 dropped an entry to stay within its entry or byte bound. */
  eviction: [{ key: string }];
  /**
   * An operation failed and the cache carried on without it (named so, not `error`, because an
   * EventEmitter throws an `error` event that nobody listens to).
   */
  fault: [{ tier?: TierName; operation: string; error: unknown; key?: string }];
  /**
   * Another instance's invalidation was applied here (`resync`: the bus reconnected and L1 was
   * flushed because messages may have been missed).
   */
  remote: [{ op: 'keys' | 'marks' | 'pattern' | 'resync' }];
  /** L2's connection was lost or (re)established. */
  connection: [{ tier: TierName; connected: boolean }];
  /** L2 held something that is not a readable entry; it was treated as a miss. */
  malformed: [{ key: string; reason: string }];
  /** A Redis node (`host:port`; `*`: every node of a cluster) is skipped until it answers a probe. */
  'breaker:open': [{ tier: TierName; error: unknown; node?: string }];
  'breaker:close': [{ tier: TierName; node?: string }];
}

/** The events emitted for every call or entry: their payloads are built only when someone listens. */
export type FrequentEvent = 'hit' | 'miss' | 'set' | 'delete' | 'eviction';

export class CacheEvents extends EventEmitter<CacheEventMap> {
  readonly #heard: Record<FrequentEvent, boolean> = { hit: false, miss: false, set: false, delete: false, eviction: false };
  readonly #added = (event: string | symbol) => {
    if (this.#isFrequent(event)) this.#heard[event] = true;
  };
  readonly #removed = (event: string | symbol) => {
    if (this.#isFrequent(event)) this.#heard[event] = this.listenerCount(event) > 0;
  };

  constructor() {
    super();
    this.#hook();
  }

  /** Whether anyone listens for `event`. Asked on every hit, so kept up to date as listeners come and go. */
  heard(event: FrequentEvent): boolean {
    return this.#heard[event];
  }

  override removeAllListeners(event?: keyof CacheEventMap | 'newListener' | 'removeListener'): this {
    // Node tells "every event" from the argument count, not from an undefined event.
    if (event === undefined) super.removeAllListeners();
    else super.removeAllListeners(event as keyof CacheEventMap);
    // Removing every listener removes the hooks that keep `heard` up to date too.
    if (event === undefined || event === 'newListener' || event === 'removeListener') this.#hook();
    return this;
  }

  #hook(): void {
    const emitter = this as EventEmitter;
    if (!emitter.listeners('newListener').includes(this.#added)) emitter.on('newListener', this.#added);
    if (!emitter.listeners('removeListener').includes(this.#removed)) emitter.on('removeListener', this.#removed);
    for (const event of Object.keys(this.#heard) as FrequentEvent[]) this.#heard[event] = this.listenerCount(event) > 0;
  }

  #isFrequent(event: string | symbol): event is FrequentEvent {
    return typeof event === 'string' && Object.hasOwn(this.#heard, event);
  }
}

/** Plain counters, cheap enough to update on every hit; read them with `cache.stats()`. */
export interface CacheStats {
  hitsL1: number;
  hitsL2: number;
  misses: number;
  staleServes: number;
  loads: number;
  loadErrors: number;
  sets: number;
  deletes: number;
  evictions: number;
  errors: number;
  malformed: number;
}

export function emptyStats(): CacheStats {
  return { hitsL1: 0, hitsL2: 0, misses: 0, staleServes: 0, loads: 0, loadErrors: 0, sets: 0, deletes: 0, evictions: 0, errors: 0, malformed: 0 };
}
