import calculateSlot from 'cluster-key-slot';
import { Cluster, Redis } from 'ioredis';
import { isMarkKey, type Mark } from '../invalidation/marks.js';
import { watchCommands } from './command-watchdog.js';
import { BatchedCommands } from './batched-commands.js';
import { RedisClock } from './redis-clock.js';
import { commandTimeoutOf, connectRedis, inOneWrite, sendNow, watchdogBoundOf, type RedisClient, type RedisConnection } from './redis-connection.js';
import { redisHealth, type RedisHealth } from './redis-health.js';
import { RedisSubscription, type Subscription, type SubscriptionHandlers } from './redis-pubsub.js';
import { writeAndReleaseScript, writeMarkScript } from './redis-scripts.js';
import type { CarriedAnnouncements, LockRelease, MarkWrite, RemoteTier, RemoteWrite, ScanProgress } from './remote-tier.js';
import type { Tier, TierItem } from './tier.js';

export type { RedisClient, RedisConnection } from './redis-connection.js';
export type { RedisHealth, RedisNodeHealth } from './redis-health.js';
export type { ScanProgress } from './remote-tier.js';

/**
 * How long a call waits for the very first connection attempt. A healthy local Redis answers in a
 * few ms and a refused port fails at once, so this only bounds a server that swallows packets.
 */
const FIRST_CONNECTION_WAIT_MS = 200;

/** What `nodeOf` answers on a cluster for commands that concern no single slot. */
const ALL_NODES = '*';
/**
 * L2: raw strings in Redis with a millisecond TTL. Reads leave as MGETs, and writes as multi-key
 * scripts (see BatchedCommands; ResilientTier gathers single ones); the rest are single-key commands, so they run
 * on Cluster, and bulk ones many single-key commands. Every command is written at once (see `sendNow`).
 */
export class RedisTier implements RemoteTier, Tier<string> {
  readonly client: RedisClient;
  readonly #owned: boolean;
  #firstConnection: Promise<void> | undefined;
  readonly #clock: RedisClock;
  /** A standalone server's `host:port`, made once: `nodeOf` is on every call's path. */
  #address: string | undefined;
  readonly #measureClock = () => void this.#clock.measure();
  readonly #batched: BatchedCommands;
  /** Stops the command watchdog of a standalone client we created. */
  readonly #stopWatchdog: () => void;

  constructor(connection: RedisConnection) {
    const { client, owned } = connectRedis(connection);
    this.client = client;
    this.#owned = owned;
    this.#clock = new RedisClock(client);
    this.#batched = new BatchedCommands(client, this.#clock);
    // Each failed command is handled (and counted) where it fails; the connection's own 'error'
    // events would otherwise be printed by ioredis as unhandled.
    if (owned) client.on('error', () => undefined);
    const bound = watchdogBoundOf(client);
    this.#stopWatchdog = bound === undefined ? () => undefined : watchCommands(client as Redis, bound);
    client.on('ready', this.#measureClock);
    if (client.status === 'ready') this.#measureClock();
    if (client.status === 'connecting' || client.status === 'connect' || client.status === 'wait') {
      this.#firstConnection = new Promise<void>((resolve) => {
        const settle = () => {
          clearTimeout(timer);
          client.off('ready', settle).off('close', settle).off('end', settle);
          this.#firstConnection = undefined;
          resolve();
        };
        const timer = setTimeout(settle, FIRST_CONNECTION_WAIT_MS);
        timer.unref();
        client.once('ready', settle).once('close', settle).once('end', settle);
      });
    }
  }

  /** Pending while the client's first connection attempt is under way (bounded); then undefined. */
  firstConnection(): Promise<void> | undefined {
    return this.#firstConnection;
  }

  /** Whether a connection attempt is under way (as opposed to ready, or failed and waiting to retry). */
  isConnecting(): boolean {
    const status = this.client.status;
    return status === 'wait' || status === 'connecting' || status === 'connect';
  }

  /** Whether commands can be sent now; a tier that is not ready is skipped, not waited for. */
  isReady(): boolean {
    return this.client.status === 'ready';
  }

  onConnectionChange(listener: (connected: boolean) => void): () => void {
    const up = () => listener(true);
    const down = () => listener(false);
    this.client.on('ready', up).on('close', down);
    return () => this.client.off('ready', up).off('close', down);
  }

  /** PINGs one node (a cluster master by address), or the client. */
  async ping(node?: string): Promise<void> {
    const target = node === undefined || !(this.client instanceof Cluster) ? this.client : this.#master(node);
    if (target === undefined) throw new Error(`${node} is no longer a master of the cluster`);
    await target.ping();
  }

  /** The address of the master serving `key` (a standalone server's own); for no key, every node: `*` on a cluster. */
  nodeOf(key?: string): string {
    if (!(this.client instanceof Cluster)) return (this.#address ??= `${this.client.options.host}:${this.client.options.port}`);
    if (key === undefined) return ALL_NODES;
    return this.client.slots[calculateSlot(key)]?.[0] ?? ALL_NODES;
  }

  /** Whether `node` still serves slots (after a failover the old master's address does not). */
  servesSlots(node: string): boolean {
    return node === ALL_NODES || !(this.client instanceof Cluster) || this.#master(node) !== undefined;
  }

  commandTimeoutMs(): number {
    return commandTimeoutOf(this.client);
  }

  get(key: string): Promise<string | undefined> {
    return this.#batched.read([key]).then(([value]) => value);
  }

  /** MGETs per slot, sized by what the values weigh (see BatchedCommands). */
  getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    return this.#batched.read(keys);
  }

  keysPerRead(): number {
    return this.#batched.keysPerRead();
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const px = Math.max(1, Math.ceil(ttlMs));
    await sendNow(this.client, 'set', [key, value, 'PX', px]);
  }

  async setMany(items: readonly TierItem<string>[]): Promise<void> {
    if (this.client instanceof Redis) {
      const pipeline = this.client.pipeline();
      for (const item of items) pipeline.set(item.key, item.value, 'PX', Math.max(1, Math.ceil(item.ttlMs)));
      const replies = (await pipeline.exec()) ?? [];
      for (const [error] of replies) if (error) throw error;
      return;
    }
    await Promise.all(items.map((item) => this.set(item.key, item.value, item.ttlMs)));
  }

  async delete(keys: readonly string[]): Promise<void> {
    await this.#eachAtOnce(keys, (key) => this.#unlink(key));
  }

  /** Invalidation marks are never deleted this way: removing one could revive what it invalidated. */
  async deleteMatching(pattern: string): Promise<number> {
    return (await this.scanDelete(pattern, (key) => !isMarkKey(key))).deleted;
  }

  /**
   * SCAN + UNLINK in batches on every master, deleting the matching keys `select` accepts; never
   * KEYS, never a cross-slot UNLINK. `onProgress` hears after every batch.
   */
  async scanDelete(
    pattern: string,
    select: (key: string) => boolean,
    onProgress?: (progress: ScanProgress) => void,
  ): Promise<ScanProgress> {
    const progress: ScanProgress = { scanned: 0, deleted: 0 };
    const nodes = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
    await Promise.all(
      nodes.map(async (node) => {
        let cursor = '0';
        do {
          const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
          cursor = next;
          progress.scanned += keys.length;
          const doomed = keys.filter(select);
          if (doomed.length > 0) {
            // Through the client, not the node: a key whose slot just moved is followed to its new owner.
            const replies = await this.#eachAtOnce(doomed, (key) => this.#unlink(key));
            progress.deleted += replies.reduce((sum, count) => sum + count, 0);
          }
          onProgress?.({ ...progress });
        } while (cursor !== '0');
      }),
    );
    return progress;
  }

  /** Reads invalidation marks; a missing one reads as "never invalidated". */
  async readMarks(keys: readonly string[]): Promise<Mark[]> {
    const replies = await this.#eachAtOnce(keys, (key) => sendNow<(string | null)[]>(this.client, 'hmget', [key, 'hard', 'soft']));
    return replies.map(([hard, soft]) => ({ hard: Number(hard ?? 0) || 0, soft: Number(soft ?? 0) || 0 }));
  }

  async writeMarks(marks: readonly MarkWrite[], retentionMs: number): Promise<number[]> {
    const px = Math.ceil(retentionMs);
    const stored = await this.#eachAtOnce(marks, (mark) => writeMarkScript.run(this.client, [mark.key], [mark.mode, mark.at, px]));
    return stored.map(Number);
  }

  /** Written at once, as scripts of up to BATCH_KEYS keys (see BatchedCommands); a write that frees a load lock has its own. */
  write(items: readonly RemoteWrite[]): Promise<void> {
    const releasing = items.filter((item) => item.release !== undefined);
    if (releasing.length === 0) return this.#batched.write(items);
    const plain = items.filter((item) => item.release === undefined);
    const sent = releasing.map((item) => this.#writeAndRelease(item, item.release!));
    if (plain.length > 0) sent.push(this.#batched.write(plain));
    return Promise.all(sent).then(() => undefined);
  }

  /** A loaded value written and its fleet load lock freed in one script (the lock key is in the entry's slot). */
  async #writeAndRelease(item: RemoteWrite, release: LockRelease): Promise<void> {
    const { token, channel, resource, valueChannel, valueHeader } = release;
    const args = [item.value, Math.max(1, Math.ceil(item.ttlMs)), item.createdAt, token, channel, resource, valueChannel, valueHeader];
    await writeAndReleaseScript.run(this.client, [item.key, release.lockKey, release.waitingKey], args);
  }

  /**
   * Sent after every write made before it (writes leave at once), on the same connection, so Redis
   * has applied them when the message is heard: a receiver that reads a key again gets the new
   * value, not the one it drops.
   */
  async publish(channel: string, raw: string): Promise<void> {
    await sendNow(this.client, 'publish', [channel, raw]);
  }

  /** On a standalone server only: a cluster's nodes deliver what each publishes in their own order. */
  carryAnnouncements(announcements: CarriedAnnouncements): boolean {
    if (this.client instanceof Cluster) return false;
    this.#batched.announcements = announcements;
    return true;
  }

  subscribe(channel: string, handlers: SubscriptionHandlers): Subscription {
    return new RedisSubscription(this.client, channel, handlers);
  }

  clockOffset(now: number): number {
    return this.#clock.stampOffset(now);
  }

  /** One command per item, written to the socket together (see `inOneWrite`). */
  #eachAtOnce<I, R>(items: readonly I[], send: (item: I) => Promise<R>): Promise<R[]> {
    return Promise.all(inOneWrite(this.client, () => items.map(send)));
  }

  #unlink(key: string): Promise<number> {
    return sendNow(this.client, 'unlink', [key]);
  }

  #master(address: string): Redis | undefined {
    return (this.client as Cluster).nodes('master').find((node) => `${node.options.host}:${node.options.port}` === address);
  }

  health(timeoutMs = 1_000): Promise<RedisHealth> {
    return redisHealth(this.client, timeoutMs);
  }

  async close(): Promise<void> {
    this.client.off('ready', this.#measureClock);
    if (!this.#owned) return;
    if (this.client.status !== 'ready') {
      // Not connected: this stops reconnecting; there is no socket left to wait for.
      this.client.disconnect();
      this.#stopWatchdog();
      return;
    }
    // Not events.once(): it rejects on an 'error' event, and a connection reset while closing is
    // one (ioredis means to hide those, but can't tell errors from another realm, e.g. a vm context).
    const client = this.client;
    const ended = new Promise<void>((resolve) => client.once('end', resolve));
    try {
      // quit() waits for replies to commands already sent; the watchdog bounds it, on a hung Redis too.
      await client.quit().catch(() => client.disconnect());
      await ended;
    } finally {
      this.#stopWatchdog();
    }
  }

}
