import { l2Guard } from '../cache/tiered-cache.js';
import type { Loader } from '../load/loader.js';
import type { GetOrSetOptions, WriteOptions } from '../cache/options.js';
import { ErrorCode, invalidArgument, TiercacheError } from '../errors.js';
import { jsonSerializer } from '../serialization/serializer.js';
import type { RedisClient } from '../tiers/redis-tier.js';
import { Flusher } from './flusher.js';
import { MemoryQueue } from './memory-queue.js';
import { resolveWriteBehindOptions, type ResolvedWriteBehindOptions, type DeadLetter, type WriteBehindOptions, type WriteItem } from './options.js';
import { partitionOf, SequenceClock, type QueueBackend, type StoredItem } from './queue.js';
import { RedisQueue } from './redis-queue.js';
import { WriteBehindCounters, type WriteBehindSample, type WriteBehindStats } from './stats.js';

/** How a write was taken: queued (durably with Redis), or written through to the database. */
export interface WriteReceipt {
  readonly id: string;
  readonly key: string;
  readonly seq: number;
  readonly via: 'queue' | 'write-through';
}

/**
 * Keys are strings, used as written for the cache and the queue alike: a dead letter read back by
 * another process must name the same cache entry, which a key built from parts would not guarantee.
 */
function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) throw invalidArgument('write-behind key', 'expected a non-empty string');
}

/** Whether the client is connected, or connects within `ms` (a fresh client is still connecting). */
async function whenReady(client: RedisClient, ms: number): Promise<boolean> {
  if (client.status === 'ready') return true;
  if (client.status === 'end' || client.status === 'close') return false;
  return new Promise((resolve) => {
    const done = (ready: boolean): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ready);
    };
    const onReady = (): void => done(true);
    const timer = setTimeout(() => done(client.status === 'ready'), ms);
    client.on('ready', onReady);
  });
}

function timeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`no reply from Redis within ${ms} ms`)), ms))),
  ]);
}

/**
 * Write-behind over a TieredCache: `write` updates the cache at once (both tiers, announced like
 * `set`) and queues the database write; a flusher hands the writes to `writer` in batches. With
 * Redis the queue is a set of Redis streams: once `write` resolves the write is in Redis and reaches
 * the database whichever process dies. Without Redis it is in memory (not durable); with Redis down,
 * `write` writes through to the database.
 *
 * @example
 * ```ts
 * const heartbeats = new WriteBehind<{ lastSeen: string }>({
 *   name: 'heartbeats',
 *   cache,
 *   writer: (batch) => db.upsertLastSeen(batch), // `WHERE agents.seq < EXCLUDED.seq`: idempotent
 * });
 * await heartbeats.write(['agent', 7], { lastSeen: new Date().toISOString() });
 * const seen = await heartbeats.getOrSet(['agent', 7], () => db.lastSeen(7));
 * await heartbeats.close();
 * ```
 */
export class WriteBehind<T = unknown> {
  readonly name: string;
  readonly #options: ResolvedWriteBehindOptions<T>;
  readonly #backend: QueueBackend;
  readonly #flusher: Flusher | undefined;
  readonly #clock = new SequenceClock();
  readonly #counters = new WriteBehindCounters();
  readonly #started: Promise<void>;
  readonly #listeners = new Set<(sample: WriteBehindSample) => void>();
  #closed = false;
  #redisDown = false;

  constructor(options: WriteBehindOptions<T>) {
    const resolved = resolveWriteBehindOptions(options);
    this.#options = resolved;
    this.name = resolved.name;
    const { redis, keyPrefix, name, partitions, leaseMs, claimIdleMs } = resolved;
    // On the cache's own connection, the queue's commands go through the cache's breaker: with Redis
    // hung or skipped, a write is written through at once instead of after enqueueTimeoutMs.
    const guard = redis !== undefined && redis === options.cache.redisClient ? options.cache[l2Guard]() : undefined;
    this.#backend = redis ? new RedisQueue(redis, keyPrefix, name, partitions, leaseMs, claimIdleMs, guard) : new MemoryQueue(partitions);
    if (!this.#backend.durable) {
      resolved.logger.warn(
        `Write-behind "${name}" has no Redis: its queue is in this process's memory and NOT durable; writes still queued when the process dies are lost.`,
      );
    }
    this.#flusher = resolved.flush
      ? new Flusher(this.#backend, resolved as ResolvedWriteBehindOptions<unknown>, {
          write: (items) => resolved.writer(items.map((item) => this.#decode(item))),
          written: (count, ms) => {
            this.#counters.written(count, ms);
            this.#emit({ type: 'flush', queue: name, items: count, durationMs: ms });
          },
          retried: (error) => {
            this.#counters.retried(error, resolved.logger, name);
            this.#emit({ type: 'retry', queue: name });
          },
          deadLettered: (item, error) => this.#onDeadLetter(item, error),
          failed: (error) => this.#counters.failed(error, resolved.logger, name),
        })
      : undefined;
    this.#started = this.#start();
    // Surfaced through `ready()` and the first write, not as an unhandled rejection.
    this.#started.catch(() => undefined);
  }

  /** True when queued writes survive this process (they are in Redis). */
  get durable(): boolean {
    return this.#backend.durable;
  }

  /** Resolves once the consumer groups exist and the flusher runs; rejects if Redis refused. */
  ready(): Promise<void> {
    return this.#started;
  }

  /**
   * Updates the cache and queues the database write. Resolves once the write is queued (in Redis,
   * when there is one) or, with Redis down or the queue full in `write-through` mode, written.
   * Rejects with E_WRITE_BEHIND_FULL when the queue is full in `reject` mode (or `wait` ran out).
   */
  async write(key: string, value: T, options?: WriteOptions): Promise<WriteReceipt> {
    if (this.#closed) throw new TiercacheError(ErrorCode.Closed, `Write-behind "${this.name}" was closed; create a new one.`);
    checkKey(key);
    // Encoding first: a value that cannot be stored must fail before anything is queued.
    const payload = jsonSerializer.serialize(value);
    const seq = this.#clock.next();
    const receipt = await this.#enqueue(key, seq, payload, value);
    await this.#options.cache.set(key, value, options);
    return receipt;
  }

  /** The latest value queued for `key` and not yet in the database, if any. */
  async pending(key: string): Promise<{ value: T; seq: number } | undefined> {
    checkKey(key);
    let found: { seq: number; payload: string } | undefined;
    try {
      found = await timeout(this.#backend.pending(partitionOf(key, this.#options.partitions), key), this.#options.enqueueTimeoutMs);
    } catch {
      // Redis down: writes go through to the database meanwhile, so the loader reads them.
      return undefined;
    }
    return found && { value: jsonSerializer.deserialize(found.payload) as T, seq: found.seq };
  }

  /**
   * Wraps a read-through loader: while a write of `key` is queued, its value is returned instead of
   * the database's older row, even if the cache entry was evicted, expired or invalidated.
   */
  loader<V = T>(key: string, load: Loader<V>): Loader<V> {
    return async (context) => {
      const queued = await this.pending(key);
      return queued === undefined ? load(context) : (queued.value as unknown as V);
    };
  }

  /** `cache.getOrSet` with read-your-writes: the queue is consulted before `load` runs. */
  getOrSet<V = T>(key: string, load: Loader<V>, options?: GetOrSetOptions): Promise<V> {
    return this.#options.cache.getOrSet(key, this.loader(key, load), options);
  }

  /** Writes that kept failing, oldest first. */
  async deadLetters(limit = 100): Promise<DeadLetter<T>[]> {
    const stored = await this.#backend.deadLetters(limit);
    return stored.map(({ id, item, error, attempts, failedAt }) => ({ id, item: this.#decode(item), error, attempts, failedAt }));
  }

  /** Queues a dead letter again, with its original sequence; false if there is no such dead letter. */
  async requeue(id: string): Promise<boolean> {
    const letters = await this.#backend.deadLetters(Number.MAX_SAFE_INTEGER);
    const letter = letters.find((dead) => dead.id === id);
    if (letter === undefined || !(await this.#backend.requeue(id))) return false;
    // The cache may hold a newer value than the requeued one, or none: let the next read load.
    await this.#options.cache.delete(letter.item.key);
    this.#flusher?.wake();
    return true;
  }

  drop(id: string): Promise<boolean> {
    return this.#backend.drop(id);
  }

  /** Calls `listener` with every flush, retry, dead letter, write-through and rejection; returns the unsubscribe. */
  subscribe(listener: (sample: WriteBehindSample) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Counters of this instance and the queue's depth, lag and dead letters (shared by the fleet). */
  async stats(): Promise<WriteBehindStats> {
    const [depth, oldest, deadLetters] = await Promise.all([this.#backend.depth(), this.#backend.oldest(), this.#backend.deadLetterCount()]);
    return this.#counters.snapshot({ durable: this.durable, depth, deadLetters, lagMs: oldest === undefined ? 0 : Math.max(0, Date.now() - oldest), redisDown: this.#redisDown });
  }

  /**
   * Stops taking writes and flushes for at most `timeoutMs`; what is left stays in the stream for the
   * next instance (in memory, it is lost: see `durable`). Never closes the cache or its Redis client.
   */
  async close(timeoutMs = 5_000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#started.catch(() => undefined);
    await this.#flusher?.stop(timeoutMs);
  }

  /** Retried until Redis is there: an instance may start during an outage and write through meanwhile. */
  async #start(): Promise<void> {
    for (;;) {
      try {
        const { redis, enqueueTimeoutMs } = this.#options;
        if (redis !== undefined && !(await whenReady(redis, enqueueTimeoutMs))) throw new Error(`Redis is ${redis.status}`);
        await this.#backend.start();
        if (!this.#closed) this.#flusher?.start();
        return;
      } catch (error) {
        if (this.#closed) throw error;
        this.#counters.failed(error, this.#options.logger, this.name);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  async #enqueue(key: string, seq: number, payload: string, value: T): Promise<WriteReceipt> {
    const { partitions, maxQueued, backpressure, maxWaitMs, enqueueTimeoutMs, redis } = this.#options;
    const partition = partitionOf(key, partitions);
    const max = Math.ceil(maxQueued / partitions);
    const waitUntil = Date.now() + maxWaitMs;
    for (;;) {
      let result;
      try {
        if (redis !== undefined && !(await whenReady(redis, enqueueTimeoutMs))) throw new Error(`Redis is ${redis.status}`);
        result = await timeout(this.#backend.enqueue(partition, key, seq, payload, max, Date.now()), enqueueTimeoutMs);
        this.#setRedisDown(false);
      } catch (error) {
        if (!this.durable) throw error;
        this.#setRedisDown(true, error);
        return this.#writeThrough(key, seq, value);
      }
      if (result !== 'full') {
        // Counted locally, not asked of Redis: a full batch may be waiting, so flush it now.
        if (++this.#counters.queued % this.#options.maxBatch === 0) this.#flusher?.wake();
        return { id: result.id, key, seq: result.seq, via: 'queue' };
      }
      this.#flusher?.wake();
      if (backpressure === 'write-through') return this.#writeThrough(key, seq, value);
      if (backpressure === 'reject' || Date.now() >= waitUntil) {
        this.#counters.rejected++;
        this.#emit({ type: 'rejected', queue: this.name });
        throw new TiercacheError(
          ErrorCode.WriteBehindFull,
          `Write-behind "${this.name}" is full (${maxQueued} queued writes): the database is not keeping up. Raise maxQueued, or choose backpressure 'wait' or 'write-through'.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(this.#options.flushEveryMs, 50)));
    }
  }

  async #writeThrough(key: string, seq: number, value: T): Promise<WriteReceipt> {
    const id = `wt-${seq}`;
    await this.#options.writer([{ id, key, seq, value, enqueuedAt: Date.now() }]);
    this.#counters.writeThroughs++;
    this.#emit({ type: 'writeThrough', queue: this.name });
    return { id, key, seq, via: 'write-through' };
  }

  #setRedisDown(down: boolean, error?: unknown): void {
    if (down === this.#redisDown) return;
    this.#redisDown = down;
    const { logger } = this.#options;
    if (down) logger.warn(`Write-behind "${this.name}": Redis is unusable (${error instanceof Error ? error.message : String(error)}); writing through to the database until it is back.`);
    else logger.log(`Write-behind "${this.name}": Redis is back; queueing writes again.`);
  }

  #emit(sample: WriteBehindSample): void {
    for (const listener of this.#listeners) listener(sample);
  }

  #decode(item: StoredItem): WriteItem<T> {
    return { id: item.id, key: item.key, seq: item.seq, value: jsonSerializer.deserialize(item.payload) as T, enqueuedAt: item.enqueuedAt };
  }

  async #onDeadLetter(item: StoredItem, error: unknown): Promise<void> {
    this.#counters.deadLettered++;
    this.#emit({ type: 'deadLetter', queue: this.name });
    this.#options.logger.error(`Write-behind "${this.name}": the write of "${item.key}" (seq ${item.seq}) failed ${this.#options.maxAttempts} times and went to the dead-letter stream: ${error instanceof Error ? error.message : String(error)}`);
    // The cache was told a value the database will not get: the next read loads the truth.
    await this.#options.cache.delete(item.key).catch(() => undefined);
  }
}
