import type { TieredCache } from '../cache/tiered-cache.js';
import { invalidOption } from '../errors.js';
import type { CacheLogger } from '../logger.js';
import type { RedisClient } from '../tiers/redis-tier.js';

/**
 * One queued write as the batch writer receives it. `id` is stable across redeliveries (the stream
 * entry id), `seq` increases with every acknowledged write of `key`: an upsert that only applies a
 * row whose stored sequence is lower makes a redelivered or late batch harmless.
 */
export interface WriteItem<T = unknown> {
  readonly id: string;
  /** The key as given to `write`. */
  readonly key: string;
  readonly seq: number;
  readonly value: T;
  /** Epoch ms at which the write was acknowledged. */
  readonly enqueuedAt: number;
}

/** A write that kept failing, with what the writer threw the last time. */
export interface DeadLetter<T = unknown> {
  /** Pass it to `requeue` or `drop`. */
  readonly id: string;
  readonly item: WriteItem<T>;
  readonly error: string;
  /** Failed writer calls the item took part in. */
  readonly attempts: number;
  readonly failedAt: number;
}

/** Writes a batch to the database; throwing retries the whole batch later. */
export type BatchWriter<T> = (batch: readonly WriteItem<T>[]) => Promise<void>;

/**
 * What a write does when the queue is full: wait for room (bounded by `maxWaitMs`, then reject),
 * write through to the database synchronously, or reject with E_WRITE_BEHIND_FULL.
 */
export type BackpressureMode = 'wait' | 'write-through' | 'reject';

export interface WriteBehindOptions<T> {
  /** Names the queue: its Redis keys, metrics and health entries. */
  name: string;
  /** The cache updated by every write (both tiers, announced on the bus like `set`). */
  cache: TieredCache;
  writer: BatchWriter<T>;
  /** Default: the cache's own Redis client; `false` keeps the queue in memory (not durable). */
  redis?: RedisClient | false;
  /** Largest batch handed to the writer. Default 100. */
  maxBatch?: number;
  /** How often a partition with less than a full batch is flushed. Default 100. */
  flushEveryMs?: number;
  /**
   * Streams the keys are spread over by hash. Each is flushed by one instance at a time (a lease), so
   * up to this many instances flush in parallel. Default 4.
   */
  partitions?: number;
  /** Only when true, the last write of a key in a batch replaces its earlier ones. Default false. */
  coalesce?: boolean;
  /** Failed calls an item may take part in before it is dead-lettered. Default 10. */
  maxAttempts?: number;
  /** Backoff before retry n is a random delay up to min(maxBackoffMs, retryBaseMs · 2^(n-1)). Defaults 100 and 30 000. */
  retryBaseMs?: number;
  maxBackoffMs?: number;
  /** Writes queued at most (shared evenly by the partitions). Default 100 000. */
  maxQueued?: number;
  /** Default 'wait'. */
  backpressure?: BackpressureMode;
  /** How long a `wait` write waits for room before E_WRITE_BEHIND_FULL. Default 5 000. */
  maxWaitMs?: number;
  /** A partition lease not renewed for this long passes to another instance. Default 5 000. */
  leaseMs?: number;
  /** Entries a dead consumer held are reclaimed (XAUTOCLAIM) once idle this long. Default: `leaseMs`. */
  claimIdleMs?: number;
  /** An enqueue slower than this counts as Redis down: the write goes through to the database. Default 1 000. */
  enqueueTimeoutMs?: number;
  /** Whether this instance flushes (false: it only writes, another process flushes). Default true. */
  flush?: boolean;
  /** Prefix of the Redis keys. Default 'tc:wb:'. */
  keyPrefix?: string;
  logger?: CacheLogger;
}

export interface ResolvedWriteBehindOptions<T> extends Required<Omit<WriteBehindOptions<T>, 'redis' | 'logger'>> {
  redis: RedisClient | undefined;
  logger: CacheLogger;
}

function positive(field: string, value: number | undefined, fallback: number, integer = true): number {
  const resolved = value ?? fallback;
  if (typeof resolved !== 'number' || !(resolved > 0) || (integer && !Number.isInteger(resolved))) {
    throw invalidOption(field, `expected a positive ${integer ? 'integer' : 'number'}, got ${String(value)}`);
  }
  return resolved;
}

export function resolveWriteBehindOptions<T>(options: WriteBehindOptions<T>): ResolvedWriteBehindOptions<T> {
  if (typeof options?.name !== 'string' || !/^[\w.-]+$/.test(options.name)) {
    throw invalidOption('name', 'expected a non-empty name of letters, digits, `_`, `.` or `-`');
  }
  if (typeof options.writer !== 'function') throw invalidOption('writer', 'expected a function (batch) => Promise<void>');
  if (options.cache === undefined || typeof options.cache.set !== 'function') throw invalidOption('cache', 'expected a TieredCache');
  const backpressure = options.backpressure ?? 'wait';
  if (!['wait', 'write-through', 'reject'].includes(backpressure)) {
    throw invalidOption('backpressure', "expected 'wait', 'write-through' or 'reject'");
  }
  const leaseMs = positive('leaseMs', options.leaseMs, 5_000);
  const partitions = positive('partitions', options.partitions, 4);
  const maxQueued = positive('maxQueued', options.maxQueued, 100_000);
  if (maxQueued < partitions) throw invalidOption('maxQueued', `must be at least \`partitions\` (${partitions})`);
  return {
    name: options.name,
    cache: options.cache,
    writer: options.writer,
    redis: options.redis === false ? undefined : (options.redis ?? options.cache.redisClient),
    maxBatch: positive('maxBatch', options.maxBatch, 100),
    flushEveryMs: positive('flushEveryMs', options.flushEveryMs, 100),
    partitions,
    coalesce: options.coalesce ?? false,
    maxAttempts: positive('maxAttempts', options.maxAttempts, 10),
    retryBaseMs: positive('retryBaseMs', options.retryBaseMs, 100),
    maxBackoffMs: positive('maxBackoffMs', options.maxBackoffMs, 30_000),
    maxQueued,
    backpressure,
    maxWaitMs: positive('maxWaitMs', options.maxWaitMs, 5_000),
    leaseMs,
    claimIdleMs: positive('claimIdleMs', options.claimIdleMs, leaseMs),
    enqueueTimeoutMs: positive('enqueueTimeoutMs', options.enqueueTimeoutMs, 1_000),
    flush: options.flush ?? true,
    keyPrefix: options.keyPrefix ?? 'tc:wb:',
    logger: options.logger ?? console,
  };
}
