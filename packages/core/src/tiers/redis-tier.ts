import { once } from 'node:events';
import { Cluster, Command, Redis, type ClusterNode, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RemoteTier } from './resilient-tier.js';
import { isMarkKey, type InvalidationMode, type Mark } from '../invalidation/marks.js';
import type { TierItem } from './tier.js';

export type RedisClient = Redis | Cluster;

/**
 * How L2 reaches Redis: an existing client (never closed by Tiercache), a URL, standalone options,
 * or cluster nodes. Clients Tiercache creates fail fast: no offline queue, short command timeouts.
 */
export type RedisConnection =
  | RedisClient
  | string
  | RedisOptions
  | { cluster: ClusterNode[]; options?: ClusterOptions };

/** Defaults for clients we create: a dead Redis must cost callers nothing, not a 25 s hang. */
const FAIL_FAST: RedisOptions = {
  enableOfflineQueue: false,
  enableAutoPipelining: true,
  commandTimeout: 500,
  connectTimeout: 2_000,
  maxRetriesPerRequest: 1,
  retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
};

export function isRedisClient(value: unknown): value is RedisClient {
  return value instanceof Redis || value instanceof Cluster;
}

/** Returns the client for a connection and whether the caller owns (and so must close) it. */
export function connectRedis(connection: RedisConnection): { client: RedisClient; owned: boolean } {
  if (isRedisClient(connection)) return { client: connection, owned: false };
  if (typeof connection === 'string') return { client: new Redis(connection, FAIL_FAST), owned: true };
  if ('cluster' in connection) {
    const options = connection.options ?? {};
    const client = new Cluster(connection.cluster, {
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      ...options,
      redisOptions: { ...FAIL_FAST, ...options.redisOptions },
    });
    return { client, owned: true };
  }
  return { client: new Redis({ ...FAIL_FAST, ...connection }), owned: true };
}

// Keeps the later of the stored and the new time, and never shortens how long the mark is kept.
const WRITE_MARK = `
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if tonumber(ARGV[2]) > current then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1`;

/**
 * Errors by which a cluster says "not here, not now" about one command: a slot that moved (MOVED) or
 * is moving (ASK, TRYAGAIN), a failover under way (CLUSTERDOWN), and the ioredis auto-pipeline giving
 * up on a batch whose slots changed owner after it was formed. None of them ran the command.
 */
const TOPOLOGY_ERROR = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN) |slots allocation group|should belong to the same slot/;

function isTopologyError(error: unknown): boolean {
  return error instanceof Error && TOPOLOGY_ERROR.test(error.message);
}

/**
 * Awaits one command that names at most one slot. ioredis follows MOVED and ASK for a command sent
 * alone, but an auto-pipelined batch spanning several slots of a node is only redirected when every
 * command in it failed the same way: during a reshard or failover the others fail with the redirection,
 * or the whole batch is refused once its slots belong to different nodes. Such a command did not run,
 * so it is sent again alone, where ioredis follows the redirection and refreshes its slot map.
 */
export async function resendOnTopologyChange<T>(
  client: RedisClient,
  sent: Promise<T>,
  name: string,
  args: readonly (string | number)[],
): Promise<T> {
  try {
    return await sent;
  } catch (error) {
    if (!(client instanceof Cluster) || !isTopologyError(error)) throw error;
    return (await client.sendCommand(new Command(name, [...args], { replyEncoding: 'utf8' }))) as T;
  }
}

/** What one Redis node said to a health probe. */
export interface RedisNodeHealth {
  /** `host:port` as the client reaches it. */
  readonly address: string;
  readonly role: 'master' | 'replica' | 'standalone';
  readonly up: boolean;
  /** Round trip of the PING, when it answered. */
  readonly latencyMs?: number;
  /** From INFO memory; maxMemory 0 means no limit. */
  readonly usedMemory?: number;
  readonly maxMemory?: number;
  /** Why the node is down. */
  readonly error?: string;
}

/** Per-node health, and for a cluster its own view of itself (`cluster_state`, failed slots). */
export interface RedisHealth {
  readonly nodes: readonly RedisNodeHealth[];
  readonly cluster?: { readonly state: string; readonly slotsFail: number; readonly knownNodes: number };
}

function infoField(info: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:(\\d+)`, 'm').exec(info);
  return match ? Number(match[1]) : undefined;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface ScanProgress {
  scanned: number;
  deleted: number;
}

/**
 * How long a call waits for the very first connection attempt. A healthy local Redis answers in a
 * few ms and a refused port fails at once, so this only bounds a server that swallows packets.
 */
const FIRST_CONNECTION_WAIT_MS = 200;

/**
 * L2: raw strings in Redis with a millisecond TTL. Every command is single-key, so it runs on Cluster;
 * bulk operations are many single-key commands, batched per node by auto-pipelining.
 */
export class RedisTier implements RemoteTier {
  readonly client: RedisClient;
  readonly #owned: boolean;
  #firstConnection: Promise<void> | undefined;

  constructor(connection: RedisConnection) {
    const { client, owned } = connectRedis(connection);
    this.client = client;
    this.#owned = owned;
    // Each failed command is handled (and counted) where it fails; the connection's own 'error'
    // events would otherwise be printed by ioredis as unhandled.
    if (owned) client.on('error', () => undefined);
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

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.#single(this.client.get(key), 'get', [key])) ?? undefined;
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    if (this.client instanceof Redis && !this.client.options.enableAutoPipelining) {
      const pipeline = this.client.pipeline();
      for (const key of keys) pipeline.get(key);
      const replies = (await pipeline.exec()) ?? [];
      return replies.map(([error, reply]) => {
        if (error) throw error;
        return (reply as string | null) ?? undefined;
      });
    }
    // Auto-pipelining batches these into one write per node, on a standalone server or a cluster.
    return Promise.all(keys.map((key) => this.get(key)));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const px = Math.max(1, Math.ceil(ttlMs));
    await this.#single(this.client.set(key, value, 'PX', px), 'set', [key, value, 'PX', px]);
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
    await Promise.all(keys.map((key) => this.#unlink(key)));
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
            const replies = await Promise.all(doomed.map((key) => this.#unlink(key)));
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
    const replies = await Promise.all(
      keys.map((key) => this.#single(this.client.hmget(key, 'hard', 'soft'), 'hmget', [key, 'hard', 'soft'])),
    );
    return replies.map(([hard, soft]) => ({ hard: Number(hard ?? 0) || 0, soft: Number(soft ?? 0) || 0 }));
  }

  async writeMark(key: string, mode: InvalidationMode, at: number, retentionMs: number): Promise<void> {
    const args = [WRITE_MARK, 1, key, mode, String(at), String(Math.ceil(retentionMs))] as const;
    await this.#single(this.client.eval(...args), 'eval', [...args]);
  }

  #unlink(key: string): Promise<number> {
    return this.#single(this.client.unlink(key), 'unlink', [key]);
  }

  /** Only a cluster's redirections need handling; a standalone reply goes straight to the caller. */
  #single<T>(sent: Promise<T>, name: string, args: readonly (string | number)[]): Promise<T> {
    return this.client instanceof Cluster ? resendOnTopologyChange(this.client, sent, name, args) : sent;
  }

  /**
   * PING and INFO memory on every node the client knows (each master and replica of a cluster), in
   * parallel, each bounded by `timeoutMs`; never throws. For a health indicator: one node down in a
   * cluster is worth reporting even while the cache still works.
   */
  async health(timeoutMs = 1_000): Promise<RedisHealth> {
    const client = this.client;
    if (client instanceof Cluster && client.status === 'ready') {
      // A client that has sent nothing since a failover still maps the slots to the dead master.
      await withTimeout(
        new Promise<void>((resolve) => client.refreshSlotsCache(() => resolve())),
        timeoutMs,
        'CLUSTER SLOTS',
      ).catch(() => undefined);
    }
    const targets: { node: Redis; role: RedisNodeHealth['role'] }[] =
      client instanceof Cluster
        ? [
            ...client.nodes('master').map((node) => ({ node, role: 'master' as const })),
            ...client.nodes('slave').map((node) => ({ node, role: 'replica' as const })),
          ]
        : [{ node: client, role: 'standalone' }];
    const nodes = await Promise.all(
      targets.map(async ({ node, role }): Promise<RedisNodeHealth> => {
        const address = `${node.options.host}:${node.options.port}`;
        try {
          const started = performance.now();
          await withTimeout(node.ping(), timeoutMs, address);
          const latencyMs = performance.now() - started;
          const info = await withTimeout(node.info('memory'), timeoutMs, address);
          return { address, role, up: true, latencyMs, usedMemory: infoField(info, 'used_memory'), maxMemory: infoField(info, 'maxmemory') };
        } catch (error) {
          return { address, role, up: false, error: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
    if (!(client instanceof Cluster)) return { nodes };
    const reachable = targets.find((_, i) => nodes[i]!.up);
    if (reachable === undefined) return { nodes, cluster: { state: 'unreachable', slotsFail: 16384, knownNodes: 0 } };
    try {
      const [info, view] = await Promise.all([
        withTimeout(reachable.node.call('CLUSTER', 'INFO'), timeoutMs, 'CLUSTER INFO').then(String),
        withTimeout(reachable.node.call('CLUSTER', 'NODES'), timeoutMs, 'CLUSTER NODES').then(String),
      ]);
      const state = /^cluster_state:(\w+)/m.exec(info)?.[1] ?? 'unknown';
      // ioredis forgets a node once its connection ends; the cluster still lists it, flagged failed.
      const known = new Set(nodes.map((node) => node.address));
      const failed = view
        .split('\n')
        .map((line) => line.split(' '))
        .filter(([, address, flags]) => address !== undefined && /(^|,)fail\??(,|$)/.test(flags ?? ''))
        .map(([, address, flags]): RedisNodeHealth => ({
          address: address!.split('@')[0]!,
          role: flags!.includes('master') ? 'master' : 'replica',
          up: false,
          error: 'flagged as failing by the cluster',
        }))
        .filter((node) => !known.has(node.address));
      return {
        nodes: [...nodes, ...failed],
        cluster: { state, slotsFail: infoField(info, 'cluster_slots_fail') ?? 0, knownNodes: infoField(info, 'cluster_known_nodes') ?? 0 },
      };
    } catch {
      return { nodes, cluster: { state: 'unknown', slotsFail: 0, knownNodes: 0 } };
    }
  }

  async close(): Promise<void> {
    if (!this.#owned) return;
    if (this.client.status !== 'ready') {
      // Not connected: this stops reconnecting; there is no socket left to wait for.
      this.client.disconnect();
      return;
    }
    const ended = once(this.client, 'end');
    // quit() waits for replies to commands already sent.
    await this.client.quit().catch(() => this.client.disconnect());
    await ended;
  }
}
