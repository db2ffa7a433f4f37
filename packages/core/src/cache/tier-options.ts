import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../serialization/entry-codec.js';
import { invalidOption } from '../errors.js';
import type { CircuitBreakerOptions } from '../tiers/circuit-breaker.js';
import type { RedisConnection } from '../tiers/redis-tier.js';
import { boolean, isObject, positiveInteger } from './option-checks.js';
import { checkRedisConnection } from './redis-option.js';

export interface L1Options {
  /** Default 10 000. */
  maxEntries?: number;
  /** Approximate byte budget. Default 64 MiB. */
  maxBytes?: number;
  /**
   * Default true: values read from L1 are deeply frozen copies (Dates, Maps and Sets are copied on
   * every read), so a caller mutating what it got cannot change what the next caller gets. `false`
   * is the fast mode: the cached value (as the serializer reads it back, like every tier's) is shared
   * by reference and callers must treat it as read-only.
   */
  mutationSafe?: boolean;
}

export interface L2Options {
  /** A client (never closed by Tiercache), a URL, ioredis options, or `{ cluster: nodes }`. */
  redis: RedisConnection;
  breaker?: Partial<CircuitBreakerOptions>;
  /** Keys whose write or delete failed while Redis was unreachable, kept to be replayed as tombstones. Default 10 000. */
  maxPendingWrites?: number;
  /** Compress payloads of at least this many characters; `false` (default) never compresses. */
  compressAbove?: number | false;
  /**
   * The most bytes a compressed entry read from Redis may inflate to; a larger one is a counted
   * malformed miss (the loader runs), so a small crafted entry cannot cost a read gigabytes. Applies
   * whatever `compressAbove` says. Default 32 MiB.
   */
  maxDecompressedBytes?: number;
  /**
   * Default true: instances sharing this Redis tell each other over pub/sub to drop L1 copies
   * they've invalidated. Turn it off only for a single instance.
   */
  bus?: boolean;
  /**
   * Lease of the fleet-wide load lock; renewed while the load runs, so it only matters when the
   * loading process dies: then another process takes over after at most this long. Default 10 000.
   */
  loadLockTtl?: number;
}

export type ResolvedL1Options = Required<L1Options>;

export interface ResolvedL2Options {
  readonly redis: RedisConnection;
  readonly breaker: CircuitBreakerOptions;
  readonly maxPendingWrites: number;
  readonly compressAbove: number | false;
  readonly maxDecompressedBytes: number;
  readonly bus: boolean;
  readonly loadLockTtl: number;
}

export function resolveL1(given: L1Options | false | undefined): ResolvedL1Options | false {
  if (given === false) return false;
  given ??= {};
  if (!isObject(given)) throw invalidOption('l1', 'expected an object or false');
  return {
    maxEntries: given.maxEntries === undefined ? 10_000 : positiveInteger('l1.maxEntries', given.maxEntries),
    maxBytes: given.maxBytes === undefined ? 64 * 1024 * 1024 : positiveInteger('l1.maxBytes', given.maxBytes),
    mutationSafe: given.mutationSafe === undefined ? true : boolean('l1.mutationSafe', given.mutationSafe),
  };
}

export function resolveL2(given: L2Options | false | undefined): ResolvedL2Options | false {
  if (given === undefined || given === false) return false;
  if (!isObject(given)) throw invalidOption('l2', 'expected an object or false');
  checkRedisConnection('l2.redis', given.redis);
  const breaker = given.breaker ?? {};
  if (!isObject(breaker)) throw invalidOption('l2.breaker', 'expected an object');
  const openMs = breaker.openMs === undefined ? 1_000 : positiveInteger('l2.breaker.openMs', breaker.openMs);
  return {
    redis: given.redis,
    breaker: {
      failureThreshold:
        breaker.failureThreshold === undefined ? 3 : positiveInteger('l2.breaker.failureThreshold', breaker.failureThreshold),
      openMs,
      maxOpenMs: breaker.maxOpenMs === undefined ? Math.max(openMs, 30_000) : positiveInteger('l2.breaker.maxOpenMs', breaker.maxOpenMs),
    },
    maxPendingWrites: given.maxPendingWrites === undefined ? 10_000 : positiveInteger('l2.maxPendingWrites', given.maxPendingWrites),
    compressAbove:
      given.compressAbove === undefined || given.compressAbove === false ? false : positiveInteger('l2.compressAbove', given.compressAbove),
    maxDecompressedBytes:
      given.maxDecompressedBytes === undefined
        ? DEFAULT_MAX_DECOMPRESSED_BYTES
        : positiveInteger('l2.maxDecompressedBytes', given.maxDecompressedBytes),
    bus: given.bus === undefined ? true : boolean('l2.bus', given.bus),
    loadLockTtl: given.loadLockTtl === undefined ? 10_000 : positiveInteger('l2.loadLockTtl', given.loadLockTtl),
  };
}
