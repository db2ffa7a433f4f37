import type { InvalidationMode, Mark } from '../invalidation/marks.js';
import type { RedisClient } from './redis-connection.js';
import type { RedisHealth } from './redis-health.js';
import type { Subscription, SubscriptionHandlers } from './redis-pubsub.js';

export interface ScanProgress {
  scanned: number;
  deleted: number;
}

/** An entry, or a delete tombstone, with the time it stands for. */
export interface RemoteWrite {
  readonly key: string;
  readonly value: string;
  readonly ttlMs: number;
  readonly createdAt: number;
  /**
   * Written only unless the key holds an entry or tombstone created at or after `createdAt`: for
   * loaded values and replays, which began earlier than they land. A user's set or delete is
   * causally the latest word on its key and is written as it is.
   */
  readonly conditional: boolean;
  /** A user's write or delete whose key the write itself announces to the other instances (see `carryAnnouncements`). */
  readonly announced?: boolean;
  /** A conditional write of a loaded value may free its fleet load lock in the same script. */
  readonly release?: LockRelease;
}

/** How writes announce their keys themselves: the channel, and the message for some keys (built as it leaves). */
export interface CarriedAnnouncements {
  readonly channel: string;
  message(keys: readonly string[]): () => string;
}

/** A held lock, as the script that frees it needs it (the lock key is in the entry's slot). */
export interface LockRelease {
  readonly lockKey: string;
  readonly token: string;
  /** Where the release is announced, and what it says (the resource). */
  readonly channel: string;
  readonly resource: string;
  /** Set by waiters that take the value from the release itself. */
  readonly waitingKey: string;
  /** Where a release carrying the value goes, and what precedes the value in it (the resource and the token). */
  readonly valueChannel: string;
  readonly valueHeader: string;
}

export interface MarkWrite {
  readonly key: string;
  readonly mode: InvalidationMode;
  readonly at: number;
}

/**
 * What the engine needs from L2: entries, marks, pub/sub and connection state. Redis implements it;
 * tests wrap it to fail, delay, partition, drop or duplicate on demand (`FaultTier` in `/testing`).
 */
export interface RemoteTier {
  get(key: string): Promise<string | undefined>;
  getMany(keys: readonly string[]): Promise<(string | undefined)[]>;
  /** How many keys one read should ask for, by what values weigh lately: single reads are gathered up to this. */
  keysPerRead(): number;
  /** A conditional write never replaces a newer entry or tombstone. */
  write(items: readonly RemoteWrite[]): Promise<void>;
  /** Deletes every entry key matching a glob (never a mark); returns how many were deleted. */
  deleteMatching(pattern: string): Promise<number>;
  scanDelete(pattern: string, select: (key: string) => boolean, onProgress?: (progress: ScanProgress) => void): Promise<ScanProgress>;
  /** A missing mark reads as {0, 0}: never invalidated. */
  readMarks(keys: readonly string[]): Promise<Mark[]>;
  /** Returns the times stored, which may be later than asked (Redis's clock, or a later mark). */
  writeMarks(marks: readonly MarkWrite[], retentionMs: number): Promise<number[]>;
  publish(channel: string, raw: string): Promise<void>;
  /**
   * Whether `announced` writes publish their keys on the bus themselves, in the script that writes
   * them: one command, not two, per batch. Not on a cluster, whose nodes would deliver one
   * publisher's messages out of order. Optional for wrappers; without it, writes are announced apart.
   */
  carryAnnouncements?(announcements: CarriedAnnouncements): boolean;
  subscribe(channel: string, handlers: SubscriptionHandlers): Subscription;
  isReady(): boolean;
  isConnecting(): boolean;
  /** Pending while the first connection attempt is under way, so early calls need not skip L2. */
  firstConnection(): Promise<void> | undefined;
  /** PINGs one node (an address from `nodeOf`), or the client. */
  ping(node?: string): Promise<void>;
  /**
   * The address of the node that serves `key` now, by which failures are tracked (one dead shard is
   * skipped while the others serve); for no key, the node (or `*`, every node) of keyless commands.
   */
  nodeOf(key?: string): string;
  /** False once `node` serves no slot (a failed-over master): its failures no longer matter. */
  servesSlots(node: string): boolean;
  /** How long one command may take before it counts as timed out. */
  commandTimeoutMs(): number;
  /** Calls `listener` on every (re)connection and loss of connection; returns an unsubscribe function. */
  onConnectionChange(listener: (connected: boolean) => void): () => void;
  /** Redis's clock minus this host's, in ms, taken low (see RedisClock): what entries are stamped with (0 before). */
  clockOffset(now: number): number;
  /** The client behind this tier, for locks and health checks. */
  readonly client: RedisClient;
  health(timeoutMs: number): Promise<RedisHealth>;
  close(): Promise<void>;
}
