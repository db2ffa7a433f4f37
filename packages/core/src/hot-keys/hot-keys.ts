import type { GetOrSetOptions } from '../cache/options.js';
import type { TieredCache } from '../cache/tiered-cache.js';
import { invalidArgument, invalidOption } from '../errors.js';
import type { CacheEventMap } from '../events/cache-events.js';
import type { CacheLogger } from '../logger.js';
import type { RedisClient } from '../tiers/redis-tier.js';
import { AccessCounts } from './access-counts.js';
import { publishScript } from './hot-keys-scripts.js';

export interface HotKeysOptions {
  /** The cache whose reads are counted and whose L1 is warmed; it needs Redis (L2). */
  cache: TieredCache;
  /** How many of the fleet's hottest keys are shared and warmed. Default 100. */
  topN?: number;
  /** An access counts half as much after this long. Default 300 000. */
  halfLifeMs?: number;
  /** How often this instance adds its counts to the fleet's ranking. Default 10 000. */
  publishEveryMs?: number;
  /** Keys counted between two publishes (the memory bound). Default 10 000. */
  maxTracked?: number;
  /** The ranking expires when no instance has published for this long. Default 3 600 000. */
  retainMs?: number;
  /**
   * Loads a key missing from Redis when warming, and refreshes hot entries ahead of expiry. Without
   * it, warming copies from Redis only and refreshing keeps hot entries in L1.
   */
  load?: (key: string) => unknown;
  /** How often the fleet's hot keys are refreshed here (0: never). Default 0. */
  refreshEveryMs?: number;
  /** With `load`: a hot entry older than this fraction of its TTL is reloaded on refresh. Default 0.8. */
  refreshAhead?: number;
  logger?: CacheLogger;
}

export interface WarmOptions {
  /** Default `topN`. */
  maxEntries?: number;
  /** Warming stops after this long, whatever is left. Default 10 000. */
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?(done: number, total: number): void;
}

export interface WarmResult {
  /** Keys read into L1 (from Redis, or loaded). */
  readonly warmed: number;
  /** Keys that were not in Redis (and no `load`), or that cannot be read back by name (see README). */
  readonly skipped: number;
  readonly total: number;
  readonly timedOut: boolean;
}

export interface HotKeysStats {
  /** Keys counted in this publish window, and accesses not counted because the window was full. */
  readonly tracked: number;
  readonly untracked: number;
  readonly publishes: number;
  readonly publishErrors: number;
  readonly refreshes: number;
  readonly lastWarm: WarmResult | undefined;
}

/** The label of the reads HotKeys makes itself: they are not counted as accesses. */
export const HOT_KEYS_LABEL = 'tiercache:hot-keys';
const CONCURRENCY = 16;

/**
 * Predictive warming: counts this instance's reads per key, adds the counts (decayed over time) to a
 * ranking in Redis shared by the fleet, and warms a starting instance's L1 with the fleet's hottest
 * keys; optionally refreshes them before they expire. Opt-in: nothing is counted until `start()`.
 *
 * @example
 * const hot = new HotKeys({ cache, topN: 200, load: (key) => db.byCacheKey(key) });
 * hot.start();
 * await hot.warm({ timeoutMs: 5_000 }); // on startup, before taking traffic
 */
export class HotKeys {
  readonly #cache: TieredCache;
  readonly #client: RedisClient;
  readonly #options: Required<Omit<HotKeysOptions, 'cache' | 'load' | 'logger'>> & Pick<HotKeysOptions, 'load'>;
  readonly #logger: CacheLogger;
  readonly #counts: AccessCounts;
  readonly #keys: [ranking: string, meta: string];
  #timers: NodeJS.Timeout[] = [];
  #publishes = 0;
  #publishErrors = 0;
  #refreshes = 0;
  #lastWarm: WarmResult | undefined;
  #publishing: Promise<void> | undefined;
  #nextPublish: Promise<void> | undefined;
  readonly #onRead = (event: CacheEventMap['hit'][0] | CacheEventMap['miss'][0]): void => {
    if (event.label !== HOT_KEYS_LABEL && event.key.startsWith(this.#cache.prefix)) this.#counts.record(event.key);
  };

  constructor(options: HotKeysOptions) {
    const { cache, load, logger = console, ...rest } = options ?? ({} as HotKeysOptions);
    if (typeof cache?.keyFor !== 'function') throw invalidOption('hotKeys.cache', 'expected a TieredCache');
    const client = cache.redisClient;
    if (client === undefined) throw invalidOption('hotKeys.cache', 'predictive warming shares hot keys through Redis: the cache needs `l2`');
    if (load !== undefined && typeof load !== 'function') throw invalidOption('hotKeys.load', 'expected a function of the key');
    const resolved = {
      topN: integer('topN', rest.topN ?? 100, 1),
      halfLifeMs: integer('halfLifeMs', rest.halfLifeMs ?? 300_000, 1),
      publishEveryMs: integer('publishEveryMs', rest.publishEveryMs ?? 10_000, 1),
      maxTracked: integer('maxTracked', rest.maxTracked ?? 10_000, 1),
      retainMs: integer('retainMs', rest.retainMs ?? 3_600_000, 1),
      refreshEveryMs: integer('refreshEveryMs', rest.refreshEveryMs ?? 0, 0),
      refreshAhead: rest.refreshAhead ?? 0.8,
      load,
    };
    if (typeof resolved.refreshAhead !== 'number' || !(resolved.refreshAhead > 0 && resolved.refreshAhead < 1)) {
      throw invalidOption('hotKeys.refreshAhead', `expected a fraction in (0, 1), got ${String(resolved.refreshAhead)}`);
    }
    const unknown = Object.keys(rest).filter((key) => !(key in resolved));
    if (unknown.length > 0) throw invalidOption(`hotKeys.${unknown[0]}`, 'unknown option');
    this.#cache = cache;
    this.#client = client;
    this.#options = resolved;
    this.#logger = logger;
    this.#counts = new AccessCounts(resolved.maxTracked);
    this.#keys = [`tiercache:hot:{${cache.prefix}}:rank`, `tiercache:hot:{${cache.prefix}}:meta`];
  }

  /** Starts counting reads, publishing the counts and (with `refreshEveryMs`) refreshing hot keys. Idempotent. */
  start(): void {
    if (this.#timers.length > 0) return;
    this.#cache.events.on('hit', this.#onRead);
    this.#cache.events.on('miss', this.#onRead);
    this.#timers.push(setInterval(() => void this.publish(), this.#options.publishEveryMs));
    if (this.#options.refreshEveryMs > 0) this.#timers.push(setInterval(() => void this.refresh(), this.#options.refreshEveryMs));
    for (const timer of this.#timers) timer.unref();
  }

  /**
   * Adds this window's counts to the fleet's ranking now. A publish under way carries only the reads
   * made before it began, so a call during one waits for one more, shared by every caller meanwhile.
   * Never throws (failures are counted and logged).
   */
  publish(): Promise<void> {
    if (this.#publishing === undefined) return (this.#publishing = this.#publish().finally(() => (this.#publishing = undefined)));
    return (this.#nextPublish ??= this.#publishing.then(() => {
      this.#nextPublish = undefined;
      return this.publish();
    }));
  }

  /** The fleet's hottest keys, hottest first, as the keys you read them with. These are your keys: show them only where keys may be shown. */
  async top(count = this.#options.topN): Promise<string[]> {
    argument('count', count, 1);
    const fullKeys = await this.#client.zrevrange(this.#keys[0], 0, count - 1);
    return fullKeys.flatMap((fullKey) => {
      const key = this.#userKey(fullKey);
      return key === undefined ? [] : [key];
    });
  }

  /** Reads the fleet's hottest keys into this instance's L1, bounded in entries and time. Never throws for a key. */
  async warm(options: WarmOptions = {}): Promise<WarmResult> {
    const maxEntries = argument('maxEntries', options.maxEntries ?? this.#options.topN, 1);
    const timeoutMs = argument('timeoutMs', options.timeoutMs ?? 10_000, 1);
    const deadline = Date.now() + timeoutMs;
    await this.#cache.ready(Math.min(timeoutMs, 2_000));
    const fullKeys = await this.#client.zrevrange(this.#keys[0], 0, maxEntries - 1);
    let warmed = 0;
    let done = 0;
    let timedOut = false;
    const queue = [...fullKeys];
    const worker = async (): Promise<void> => {
      for (let fullKey = queue.shift(); fullKey !== undefined; fullKey = queue.shift()) {
        options.signal?.throwIfAborted();
        if (Date.now() >= deadline) {
          timedOut = true;
          return;
        }
        const key = this.#userKey(fullKey);
        if (key !== undefined && (await this.#read(key, { label: HOT_KEYS_LABEL }))) warmed++;
        done++;
        options.onProgress?.(done, fullKeys.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, fullKeys.length) }, worker));
    this.#lastWarm = { warmed, skipped: done - warmed, total: fullKeys.length, timedOut };
    return this.#lastWarm;
  }

  /** Re-reads the fleet's hot keys here: reloaded with `load` when due (`refreshAhead`), else kept in L1 from Redis. */
  async refresh(): Promise<void> {
    try {
      for (const key of await this.top()) await this.#read(key, { label: HOT_KEYS_LABEL, refreshAhead: this.#options.refreshAhead });
      this.#refreshes++;
    } catch (error) {
      this.#logger.warn(`Hot keys of "${this.#cache.prefix}": refresh failed (${(error as Error).message}); the next one retries.`);
    }
  }

  stats(): HotKeysStats {
    return {
      tracked: this.#counts.size,
      untracked: this.#counts.untracked,
      publishes: this.#publishes,
      publishErrors: this.#publishErrors,
      refreshes: this.#refreshes,
      lastWarm: this.#lastWarm,
    };
  }

  /** Stops counting and the timers, publishing what was counted. */
  async close(): Promise<void> {
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    this.#cache.events.off('hit', this.#onRead);
    this.#cache.events.off('miss', this.#onRead);
    await this.publish();
  }

  async #publish(): Promise<void> {
    const counts = this.#counts.take();
    if (counts.size === 0) return;
    const { halfLifeMs, retainMs, topN } = this.#options;
    const args: (string | number)[] = [halfLifeMs, retainMs, topN * 4];
    for (const [key, count] of counts) args.push(key, count);
    try {
      await publishScript.run(this.#client, this.#keys, args);
      this.#publishes++;
    } catch (error) {
      // Lost counts only make the ranking a little less exact.
      if (this.#publishErrors++ === 0) this.#logger.warn(`Hot keys of "${this.#cache.prefix}" could not be published (${(error as Error).message}).`);
    }
  }

  /** The key a full key was read with, when it can be read back by name (not a shortened or child-namespace key). */
  #userKey(fullKey: string): string | undefined {
    const key = fullKey.slice(this.#cache.prefix.length);
    if (!fullKey.startsWith(this.#cache.prefix) || key.length === 0) return undefined;
    return this.#cache.keyFor(key) === fullKey ? key : undefined;
  }

  /** Whether the key is now in L1 with a value (from Redis, or loaded). */
  async #read(key: string, options: GetOrSetOptions): Promise<boolean> {
    const { load } = this.#options;
    let found = true;
    try {
      await this.#cache.getOrSet(
        key,
        (context) => {
          if (load !== undefined) return load(key);
          found = false;
          context.setOptions({ ttl: 0, negativeTtl: 0 });
          return undefined;
        },
        options,
      );
    } catch {
      return false;
    }
    return found;
  }
}

function integer(field: string, value: unknown, min: number, fail = (problem: string) => invalidOption(`hotKeys.${field}`, problem)): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw fail(`expected an integer ≥ ${min}, got ${String(value)}`);
  return value;
}

function argument(field: string, value: unknown, min: number): number {
  return integer(field, value, min, (problem) => invalidArgument(field, problem));
}
