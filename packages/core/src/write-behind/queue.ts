import { createHash } from 'node:crypto';

/** A queued write as stored: the value still encoded. */
export interface StoredItem {
  readonly id: string;
  readonly key: string;
  readonly seq: number;
  readonly payload: string;
  readonly enqueuedAt: number;
}

/** A dead letter as stored, its value still encoded. */
export interface StoredDeadLetter {
  /** The dead-letter entry's own id: pass it to `requeue` or `drop`. */
  readonly id: string;
  readonly partition: number;
  readonly item: StoredItem;
  readonly error: string;
  readonly attempts: number;
  readonly failedAt: number;
}

export type EnqueueResult = { readonly id: string; readonly seq: number } | 'full';

/**
 * Where queued writes live: Redis streams (durable) or process memory (not). Partitions are
 * independent queues; the consumer side of one partition is only used by the holder of its lease.
 */
export interface QueueBackend {
  readonly durable: boolean;
  /** Creates the consumer groups. */
  start(): Promise<void>;
  /** Appends the write with a sequence above every earlier one of `key`, unless the partition holds `max` already. */
  enqueue(partition: number, key: string, seq: number, payload: string, max: number, enqueuedAt: number): Promise<EnqueueResult>;
  /** The latest value still queued for `key`, for read-your-writes. */
  pending(partition: number, key: string): Promise<{ seq: number; payload: string } | undefined>;
  /** Takes or renews the partition's lease; false while another instance holds it. */
  lease(partition: number): Promise<boolean>;
  release(partition: number): Promise<void>;
  /**
   * The next entries of the partition in stream order: entries this consumer (or, once idle, a dead
   * one) was given and did not acknowledge come before new ones. Empty while a live consumer still
   * holds earlier entries, so that nothing overtakes them.
   */
  read(partition: number, count: number): Promise<StoredItem[]>;
  /** Removes written entries (and their read-your-writes value, unless a newer write replaced it). */
  ack(partition: number, items: readonly StoredItem[]): Promise<void>;
  deadLetter(partition: number, item: StoredItem, error: string, attempts: number): Promise<void>;
  depth(): Promise<number>;
  /** Epoch ms of the oldest write not yet acknowledged by the database, undefined when empty. */
  oldest(): Promise<number | undefined>;
  deadLetters(limit: number): Promise<StoredDeadLetter[]>;
  deadLetterCount(): Promise<number>;
  /** Moves a dead letter back to its queue, keeping its id-independent sequence; false if unknown. */
  requeue(id: string): Promise<boolean>;
  drop(id: string): Promise<boolean>;
}

/** The partition of a key: stable across processes and restarts (a hash, not insertion order). */
export function partitionOf(key: string, partitions: number): number {
  if (partitions === 1) return 0;
  return createHash('sha1').update(key).digest().readUInt32BE(0) % partitions;
}

/**
 * Sequences from a hybrid clock: microseconds since the epoch, never repeating in this process.
 * Redis raises a sequence above the key's previous one; a write that goes through to the database
 * while Redis is down still gets a sequence above the ones queued before the outage (if the hosts'
 * clocks agree to within the outage's start).
 */
export class SequenceClock {
  #last = 0;

  next(): number {
    this.#last = Math.max(this.#last + 1, Date.now() * 1_000);
    return this.#last;
  }
}

/** Full jitter: a random delay up to the exponential bound, so retrying instances spread out. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.random() * Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}
